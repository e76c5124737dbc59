import { expect, test } from "@playwright/test";
import { demo, ids, routes } from "./ids";
import { byId, createUserWithTemporaryPassword, open, settle, signIn, signInAsDemoUser } from "./helpers";

test("the demo user signs in and out", async ({ page }) => {
  await signInAsDemoUser(page);
  await expect(byId(page, ids.accountEmail)).toHaveText(demo.user.email);
  await expect(byId(page, ids.accountName)).toHaveText(demo.user.name);
  await expect(byId(page, ids.orgName)).toHaveText(demo.org);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await settle(page);
  // Signed out for real: the account page sends us back to sign in.
  await page.goto(routes.account);
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
});

test("a wrong password gets one clear message, and the way to recovery", async ({ page }) => {
  await signIn(page, demo.user.email, "not the password at all");
  await expect(byId(page, ids.formError)).toContainText("Your user ID or password is incorrect");
  await expect(page).toHaveURL(/\/login/);
  // The typed user ID is still there, with or without JavaScript.
  await expect(byId(page, ids.userId)).toHaveValue(demo.user.email);
  // Without JavaScript the page is new: the password is gone, as it should be.
  if (test.info().project.use.javaScriptEnabled === false) await expect(byId(page, ids.password)).toHaveValue("");
  await byId(page, ids.cantAccess).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recover}$`));
  await expect(page.locator("h1")).toHaveText("Get back into your account");
});

test("a temporary password must be changed at first sign-in", async ({ page }) => {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  // A mismatch is explained and changes nothing.
  await byId(page, ids.currentPassword).fill(user.password);
  await byId(page, ids.newPassword).fill("a brand new passphrase");
  await byId(page, ids.confirmPassword).fill("a different passphrase");
  await byId(page, ids.changeSubmit).click();
  await expect(byId(page, ids.formError)).toContainText("don't match");
  await settle(page);
  await byId(page, ids.currentPassword).fill(user.password);
  await byId(page, ids.newPassword).fill("a brand new passphrase");
  await byId(page, ids.confirmPassword).fill("a brand new passphrase");
  await byId(page, ids.changeSubmit).click();
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await expect(byId(page, ids.accountEmail)).toHaveText(user.email);
  // The development mailbox shows the notice that went out.
  await open(page, routes.devMailbox);
  await expect(byId(page, ids.mailboxList)).toContainText(user.email);
  // And the new password is the one that works now; the temporary one no longer does.
  await open(page, routes.account);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await signIn(page, user.email, user.password);
  await expect(byId(page, ids.formError)).toContainText("incorrect");
  await signIn(page, user.email, "a brand new passphrase");
  // No recovery method registered yet: "more information required" comes first.
  await expect(page).toHaveURL(new RegExp(`${routes.securityRequired}$`));
});

test("the language switch works and <html lang> follows", async ({ page }) => {
  await open(page, routes.login);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.locator(`#${ids.langSwitcher} button[value="it"]`).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "it");
  await expect(byId(page, ids.cantAccess)).toHaveText("Non riesci ad accedere al tuo account?");
  await settle(page);
  await page.locator(`#${ids.langSwitcher} button[value="zh-Hans"]`).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await expect(page.locator("h1")).toHaveText("登录");
  await settle(page);
  // The choice sticks across pages.
  await open(page, routes.recover);
  await expect(page.locator("h1")).toHaveText("重新访问你的帐户");
  await page.locator(`#${ids.langSwitcher} button[value="en"]`).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveURL(new RegExp(`${routes.recover}$`));
});

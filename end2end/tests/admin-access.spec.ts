import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { byId, createUserWithTemporaryPassword, expectAccessible, open, regain, settle, signIn, signInAsDemoUser, submitPasswordChange } from "./helpers";
import { demo, ids, routes } from "./ids";

const consolePages = [routes.admin, routes.adminPolicy, routes.adminTerms, routes.adminAudit, routes.adminUsers];

test("a stranger who opens the console is sent to sign in", async ({ page }) => {
  for (const path of consolePages) {
    await page.goto(path);
    await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  }
});

test("a regular user is told the console is not for them, on every console page", async ({ page }) => {
  await signInAsDemoUser(page);
  await expect(byId(page, ids.adminLink)).toHaveCount(0);
  for (const path of consolePages) {
    await open(page, path);
    await expect(byId(page, ids.notAllowed)).toBeVisible();
    await expect(byId(page, ids.adminNav)).toHaveCount(0);
  }
  await expectAccessible(page);
});

test("the organisation's administrator reaches the console from their account page", async ({ page }) => {
  await signIn(page, demo.admin.email, demo.admin.password);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await settle(page);
  await byId(page, ids.adminLink).click();
  await expect(page).toHaveURL(new RegExp(`${routes.admin}$`));
  await settle(page);
  await expect(byId(page, ids.adminNav)).toBeVisible();
  for (const path of consolePages) {
    await open(page, path);
    await expect(byId(page, ids.adminNav)).toBeVisible();
    await expect(byId(page, ids.notAllowed)).toHaveCount(0);
  }
});

test("an administrator of another organisation sees only their own", async ({ page }) => {
  const slug = `acc${randomBytes(4).toString("hex")}`;
  const domain = `${slug}.example.org`;
  regain(["org", "add", "--slug", slug, "--name", "Access Test Org", "--domain", domain]);
  const admin = createUserWithTemporaryPassword(slug, domain, true);
  await signIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, admin.password, "a fresh administrator passphrase 42");
  await expect(page).not.toHaveURL(new RegExp(`${routes.changePassword}$`));
  await open(page, routes.adminUsers);
  await expect(byId(page, ids.adminNav)).toBeVisible();
  // Nothing of the demo organisation: not its people, not its name.
  await expect(page.locator("main")).not.toContainText(demo.user.email);
  await expect(page.locator("main")).not.toContainText(demo.admin.email);
  await open(page, routes.adminAudit);
  await expect(page.locator("main")).not.toContainText(demo.user.email);
  await expect(byId(page, ids.orgName)).not.toContainText(demo.org);
});

import { expect, test } from "@playwright/test";
import { demo, ids, routes } from "./ids";
import { byId, createUserWithTemporaryPassword, expectAccessible, open, settle, signIn, signInAsDemoUser } from "./helpers";

for (const path of [routes.login, routes.recover, routes.devMailbox, "/no-such-page"]) {
  test(`axe finds nothing on ${path}`, async ({ page }) => {
    await open(page, path);
    await expectAccessible(page);
  });
}

test("axe finds nothing on the sign-in page showing an error, in every language", async ({ page }) => {
  await signIn(page, demo.user.email, "wrong password here");
  await expect(byId(page, ids.formError)).not.toBeEmpty();
  await expectAccessible(page);
  for (const lang of ["it", "zh-Hans"]) {
    await settle(page);
    await page.locator(`#${ids.langSwitcher} button[value="${lang}"]`).click();
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await expectAccessible(page);
  }
});

test("axe finds nothing on the account page", async ({ page }) => {
  await signInAsDemoUser(page);
  await expectAccessible(page);
});

test("axe finds nothing on the change of a temporary password", async ({ page }) => {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await expectAccessible(page);
});

test("axe finds nothing on the JSON API's reference page", async ({ page }) => {
  await page.goto("/api/v1/docs");
  await expect(page.locator("h1")).toHaveText(/API reference/);
  await expect(page.locator("#schema-FlowView")).toBeVisible();
  await expectAccessible(page);
});

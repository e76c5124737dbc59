import { expect, test, type Page } from "@playwright/test";
import { byId, createUserWithTemporaryPassword, expectAccessible, open, settle, signIn, signInAsDemoUser, waitForMail } from "./helpers";
import { demo, ids, routes } from "./ids";

async function signInAs(page: Page, who: { email: string; password: string }) {
  await signIn(page, who.email, who.password);
  await expect(page).not.toHaveURL(new RegExp(`${routes.login}$`));
  await settle(page);
}

const charts = [ids.insightsActivity, ids.insightsFunnel, ids.insightsMethods, ids.insightsBlocked, ids.insightsRegistration];

test("the administrator sees the charts, each with its table, and chooses the period", async ({ page }) => {
  // Someone with no method yet: listed among those who can't recover on their own.
  const newcomer = createUserWithTemporaryPassword();
  await signInAs(page, demo.admin);
  await open(page, routes.admin);
  for (const id of charts) {
    const section = byId(page, id);
    const svg = section.locator('svg[role="img"]');
    await expect(svg).toHaveCount(1);
    await expect(svg.locator("title")).toHaveCount(1);
    await expect(svg.locator("desc")).toHaveCount(1);
    await expect(section.locator("table")).toHaveCount(1);
  }
  await expect(byId(page, ids.insightsActivity).locator("svg title")).toHaveText("Resets and unlocks per day");
  await expect(byId(page, ids.insightsActivity).locator("tbody tr")).toHaveCount(30);
  await expect(byId(page, ids.insightsUnregistered)).toContainText(newcomer.email);
  await expectAccessible(page);

  await byId(page, ids.insightsPeriod).selectOption("7");
  await page.locator("form.period-form button[type=submit]").click();
  await expect(page).toHaveURL(/[?&]days=7/);
  await settle(page);
  await expect(byId(page, ids.insightsActivity).locator("tbody tr")).toHaveCount(7);
  await byId(page, ids.insightsActivity).locator("summary").click();
  await expect(byId(page, ids.insightsActivity).locator("table")).toBeVisible();
  await expectAccessible(page);
});

test("the users list shows Anna's method types, never their values, and searches", async ({ page }) => {
  await signInAs(page, demo.admin);
  await open(page, routes.adminUsers);
  const anna = byId(page, ids.usersTable).locator("tbody tr", { hasText: demo.user.email });
  await expect(anna).toContainText(demo.user.name);
  await expect(anna).toContainText("Alternate email");
  await expect(page.locator("body")).not.toContainText("anna.home@example.net");
  await expectAccessible(page);

  await byId(page, ids.usersQuery).fill("anna.rossi");
  await page.locator(`#${ids.usersSearch} button[type=submit]`).click();
  await expect(page).toHaveURL(/[?&]q=anna\.rossi/);
  await settle(page);
  await expect(byId(page, ids.usersTable).locator("tbody tr")).toHaveCount(1);
  await expect(byId(page, ids.usersTable)).toContainText(demo.user.email);

  await byId(page, ids.usersQuery).fill("");
  await byId(page, ids.usersRole).selectOption("global_admin");
  await page.locator(`#${ids.usersSearch} button[type=submit]`).click();
  await expect(page).toHaveURL(/[?&]role=global_admin/);
  await settle(page);
  await expect(byId(page, ids.usersTable)).toContainText(demo.admin.email);
  await expect(byId(page, ids.usersTable)).not.toContainText(demo.user.email);
  await expectAccessible(page);
});

test("disabling an account tells its owner, and enabling brings it back", async ({ page }) => {
  const person = createUserWithTemporaryPassword();
  await signInAs(page, demo.admin);
  await open(page, `${routes.adminUsers}?q=${encodeURIComponent(person.email)}`);
  const row = byId(page, ids.usersTable).locator("tbody tr");
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Disable E2E Person" }).click();
  await expect(byId(page, ids.usersNotice)).toContainText("disabled");
  await settle(page);
  await expect(row).toContainText("Disabled");
  await waitForMail(person.email, (m) => m.subject.includes("disabled"));

  await row.getByRole("button", { name: "Enable E2E Person" }).click();
  await expect(byId(page, ids.usersNotice)).toContainText("enabled again");
  await settle(page);
  await expect(row).toContainText("Active");
  await waitForMail(person.email, (m) => m.subject.includes("enabled again"));
  await expectAccessible(page);
});

test("an administrator of another organisation sees none of this one", async ({ page }) => {
  await signInAs(page, demo.otherAdmin);
  await open(page, routes.adminUsers);
  await expect(byId(page, ids.usersTable)).toContainText(demo.otherAdmin.email);
  await expect(page.locator("body")).not.toContainText(demo.user.email);
  await open(page, routes.admin);
  await expect(byId(page, ids.insightsRegistration).locator('svg[role="img"]')).toHaveCount(1);
  await expect(page.locator("body")).not.toContainText(demo.user.email);
});

test("a regular user is not allowed in", async ({ page }) => {
  await signInAsDemoUser(page);
  for (const path of [routes.admin, routes.adminUsers]) {
    await open(page, path);
    await expect(byId(page, ids.notAllowed)).toBeVisible();
    await expect(page.locator('svg[role="img"]')).toHaveCount(0);
  }
});

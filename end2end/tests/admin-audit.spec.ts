import { expect, test, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { demo, ids, routes } from "./ids";
import { byId, createUserWithTemporaryPassword, expectAccessible, open, regain, settle, signIn, signInAsDemoUser, submitPasswordChange } from "./helpers";

// A browser far from UTC, so "times in the viewer's zone" is visible: with JavaScript the
// page follows the browser (+05:30); without, it shows UTC unless a zone is chosen.
test.use({ timezoneId: "Asia/Kolkata" });

const js = () => test.info().project.use.javaScriptEnabled !== false;

async function signInAsDemoAdmin(page: Page) {
  await signIn(page, demo.admin.email, demo.admin.password);
  await expect(page).not.toHaveURL(new RegExp(`${routes.login}$`));
}

test("the administrator filters the audit log and downloads the filtered CSV", async ({ page }) => {
  // A failed sign-in of a fresh account of the demo organisation (only read from, otherwise).
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, "not the temporary password");
  await expect(byId(page, ids.formError)).toBeVisible();

  await signInAsDemoAdmin(page);
  await open(page, routes.adminAudit);
  await expect(page.locator("h1")).toHaveText("Audit log");
  await expect(byId(page, ids.auditTable)).toBeVisible();
  await expect(byId(page, ids.auditTz)).toHaveValue(js() ? "330" : "0");
  await expectAccessible(page);

  await byId(page, ids.auditUser).fill(user.email);
  await byId(page, ids.auditActivity).selectOption("sign_in");
  await byId(page, ids.auditOutcome).selectOption("failure");
  await byId(page, ids.auditApply).click();
  await expect(page).toHaveURL(/activity=sign_in/);
  await settle(page);
  // The filters are in the URL, and nothing else.
  const url = new URL(page.url());
  expect([...url.searchParams.keys()].sort()).toEqual(["activity", "from", "ip", "outcome", "to", "tz", "user"]);
  expect(url.searchParams.get("tz")).toBe(js() ? "330" : "0");
  const rows = page.locator(`#${ids.auditTable} tbody tr`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-activity", "sign_in");
  await expect(rows.first()).toHaveAttribute("data-outcome", "failure");
  await expect(rows.first()).toContainText(user.email);
  await expect(rows.first()).toContainText("wrong_password");
  await expect(page.locator(`#${ids.auditTable} caption`)).toContainText(js() ? "UTC+05:30" : "UTC+00:00");
  // The form keeps the filters.
  await expect(byId(page, ids.auditUser)).toHaveValue(user.email);
  await expect(byId(page, ids.auditActivity)).toHaveValue("sign_in");
  await expectAccessible(page);

  const [download] = await Promise.all([page.waitForEvent("download"), byId(page, ids.auditCsv).click()]);
  expect(download.suggestedFilename()).toBe("regain-audit-log.csv");
  const csv = await readFile((await download.path())!, "utf8");
  const lines = csv.split("\r\n").filter((l) => l !== "");
  expect(lines[0]).toBe("Time,Actor,Account,Activity,Action code,Outcome,IP address,Detail code");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`,${user.email},Sign-in,signin,failure,`);
  expect(lines[1]).toMatch(js() ? /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30,/ : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00,/);
  expect(lines[1]).toMatch(/,wrong_password$/);
});

test("bad filters are explained in words and the form keeps what was typed", async ({ page }) => {
  await signInAsDemoAdmin(page);
  await open(page, `${routes.adminAudit}?ip=not+an+address&outcome=failure`);
  await expect(byId(page, ids.auditProblems)).toContainText("Enter an IP address");
  await expect(byId(page, ids.auditIp)).toHaveValue("not an address");
  await expect(byId(page, ids.auditOutcome)).toHaveValue("failure");
  await expectAccessible(page);
  await open(page, `${routes.adminAudit}?user=nobody-${randomBytes(4).toString("hex")}%40example.com`);
  await expect(byId(page, ids.auditProblems)).toContainText("There is no such user in your organisation.");
});

test("a regular user is not allowed, on the page or the CSV", async ({ page }) => {
  await signInAsDemoUser(page);
  await open(page, routes.adminAudit);
  await expect(byId(page, ids.notAllowed)).toBeVisible();
  await expect(byId(page, ids.auditTable)).toHaveCount(0);
  const reply = await page.context().request.get(routes.adminAuditCsv);
  expect(reply.status()).toBe(403);
});

test("an administrator of another organisation sees only their own", async ({ page }) => {
  const slug = `audit-${randomBytes(4).toString("hex")}`;
  const domain = `${slug}.example.org`;
  regain(["org", "add", "--slug", slug, "--name", "Audit Test Org", "--domain", domain]);
  const admin = createUserWithTemporaryPassword(slug, domain, true);
  await signIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, admin.password, "an audit admin passphrase 2026");
  await expect(page).not.toHaveURL(new RegExp(`${routes.changePassword}$`));
  await open(page, routes.adminAudit);
  const table = byId(page, ids.auditTable);
  await expect(table).toContainText(admin.email);
  await expect(table).not.toContainText(demo.user.email);
  await expect(table).not.toContainText(demo.admin.email);
  const csv = await (await page.context().request.get(routes.adminAuditCsv)).text();
  expect(csv).toContain(admin.email);
  expect(csv).not.toContain(demo.user.email);
  expect(csv).not.toContain(demo.admin.email);
});

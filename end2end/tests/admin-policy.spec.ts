import { expect, test, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { ids, routes } from "./ids";
import {
  byId,
  createUserWithTemporaryPassword,
  expectAccessible,
  open,
  regain,
  settle,
  signIn,
  signedInUserWithPassword,
  startReset,
  submitPasswordChange,
  waitForMail,
} from "./helpers";

// The policy editor and the banned terms, hydrated and without JavaScript. Each test
// changes the policy of an organisation of its own, made with the CLI under a name unique
// to this run and project: the other specs, and this one in the other project, share the
// server and its database.

test.describe.configure({ timeout: 120_000 });

const password = "amber meadow whistles 4471";
const term = "Quokkafen";
const eightDigits = /\b(\d{8})\b/;

type Org = { slug: string; domain: string };

function newOrg(): Org {
  const suffix = randomBytes(5).toString("hex");
  const org = { slug: `e2e-pol-${suffix}`, domain: `pol-${suffix}.example` };
  regain(["org", "add", "--slug", org.slug, "--name", `Quartz Works ${suffix}`, "--domain", org.domain]);
  return org;
}

/// The organisation's administrator, signed in after replacing the temporary password.
async function signedInAdmin(page: Page, org: Org) {
  const admin = createUserWithTemporaryPassword(org.slug, org.domain, true);
  await signIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, admin.password, password);
  await expect(page).not.toHaveURL(new RegExp(`${routes.changePassword}$`));
  return admin.email;
}

/// The newest code texted to `e164`, from the development mailbox.
async function textedCode(page: Page, e164: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    await page.goto(routes.devMailbox);
    for (const item of await page.locator(`#${ids.mailboxList} li`).filter({ hasText: e164 }).all()) {
      const code = (await item.locator("pre").innerText()).match(eightDigits)?.[1];
      if (code) return code;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no text message to ${e164}`);
}

/// Adds and verifies a method on the security-info page of the signed-in user.
async function addMethod(page: Page, field: string, value: string, code: () => Promise<string>) {
  await open(page, routes.securityInfo);
  await byId(page, field).fill(value);
  await byId(page, field).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityVerify}$`));
  const verify = page.url();
  const typed = await code();
  await open(page, verify);
  await byId(page, ids.verifyCode).fill(typed);
  await byId(page, ids.verifySubmit).click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
}

/// A regular user of `org` with a verified alternate email and phone, signed out.
async function registeredUser(page: Page, org: Org): Promise<string> {
  const { email } = await signedInUserWithPassword(page, password, org.slug, org.domain);
  const alternate = `alt-${randomBytes(5).toString("hex")}@example.net`;
  await addMethod(page, ids.addEmail, alternate, async () => {
    const mail = await waitForMail(alternate, (m) => eightDigits.test(m.text));
    return mail.text.match(eightDigits)![1];
  });
  const phone = `+39333${String(randomBytes(4).readUInt32BE(0) % 10_000_000).padStart(7, "7")}`;
  await addMethod(page, ids.addPhone, phone, () => textedCode(page, phone));
  await page.context().clearCookies();
  return email;
}

test("the administrator requires two methods and a user's recovery then asks for two", async ({ page }) => {
  const org = newOrg();
  const user = await registeredUser(page, org);

  await signedInAdmin(page, org);
  await open(page, routes.adminPolicy);
  await expect(byId(page, ids.policyFixed)).toContainText("Nobody can set or reset a password for someone else");
  await expectAccessible(page);
  // A bad value is refused by name, and nothing is saved.
  await page.locator("#policy-sms-regions").fill("IT, ZZ");
  await byId(page, ids.policySave).click();
  await expect(byId(page, ids.formError)).toContainText("Countries whose mobile numbers");
  await settle(page);
  await open(page, routes.adminPolicy);
  await expect(page.locator("#policy-sms-regions")).toHaveValue("");
  // Two methods, a help desk: saved, and shown as saved.
  await page.locator("#policy-methods-required").fill("2");
  await page.locator("#policy-help-desk").fill("Call the service desk on 555 0100.");
  await byId(page, ids.policySave).click();
  await expect(page).toHaveURL(/\/admin\/policy\?done=saved$/);
  await settle(page);
  await expect(byId(page, ids.policyNotice)).toBeVisible();
  await expect(page.locator("#policy-methods-required")).toHaveValue("2");
  await expectAccessible(page);
  await page.context().clearCookies();

  // The user's recovery now needs two gates, and offers the help desk.
  await startReset(page, user);
  await expect(byId(page, ids.gateStep)).toContainText("1 of 2");
  await expect(byId(page, ids.helpDesk)).toContainText("Call the service desk on 555 0100.");
  await expectAccessible(page);
});

test("a banned term added by the administrator refuses a new password, and the refusal is counted", async ({ page }) => {
  const org = newOrg();
  await signedInAdmin(page, org);
  await open(page, routes.adminTerms);
  await expectAccessible(page);
  await byId(page, ids.termsAdd).fill(term);
  await byId(page, ids.termsAddSubmit).click();
  await expect(page).toHaveURL(/\/admin\/terms\?done=added$/);
  await settle(page);
  const row = byId(page, ids.termsList).locator('tr[data-term="quokkafen"]');
  await expect(row).toContainText(term);
  await expect(row.locator("td.count")).toHaveText("0");
  // An import with a bad line names it and adds nothing.
  await byId(page, ids.termsImportText).fill("Northwind\nab\n");
  await byId(page, ids.termsImportSubmit).click();
  await expect(byId(page, ids.formError)).toContainText("Line 2");
  await settle(page);
  await open(page, routes.adminTerms);
  await expect(byId(page, ids.termsList).locator("tbody tr")).toHaveCount(1);
  // A good list: read from a file by the page's script, or pasted without one.
  const list = "Northwind\n\nFabrikam\n";
  if (test.info().project.use.javaScriptEnabled !== false) {
    await byId(page, ids.termsImportFile).setInputFiles({ name: "terms.txt", mimeType: "text/plain", buffer: Buffer.from(list) });
    await expect(byId(page, ids.termsImportText)).toHaveValue(list);
  } else {
    await expect(byId(page, ids.termsImportFile)).toHaveCount(0);
    await byId(page, ids.termsImportText).fill(list);
  }
  await byId(page, ids.termsImportSubmit).click();
  await expect(page).toHaveURL(/\/admin\/terms\?done=imported$/);
  await settle(page);
  await expect(byId(page, ids.termsList).locator("tbody tr")).toHaveCount(3);
  await expectAccessible(page);
  await page.context().clearCookies();

  await signedInUserWithPassword(page, password, org.slug, org.domain);
  await open(page, routes.accountPassword);
  await submitPasswordChange(page, password, "qu0kkafen-quokkafen");
  await expect(byId(page, ids.formError)).toContainText("banned");
  await page.context().clearCookies();

  await signedInAdmin(page, org);
  await open(page, routes.adminTerms);
  await expect(byId(page, ids.termsList).locator('tr[data-term="quokkafen"] td.count')).toHaveText("1");
});

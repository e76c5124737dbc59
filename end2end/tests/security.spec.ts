import { expect, test, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { ids, routes } from "./ids";
import { byId, expectAccessible, open, regain, settle, signIn, signedInUserWithPassword, waitForMail } from "./helpers";
import { totp } from "./totp";

// Runs hydrated and without JavaScript. Codes are read from the mail the portal really
// sent, as the SMTP server started by `./dev test` received it.

const password = "violet harbours hum softly";

async function toSecurityInfo(page: Page) {
  await byId(page, ids.securityInfoLink).click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityInfo}$`));
  await settle(page);
}

/// The 8-digit code in the newest verification mail to `address`.
async function codeSentTo(address: string, after: string[] = []): Promise<string> {
  const mail = await waitForMail(address, (m) => m.subject.includes("verification code") && !after.some((c) => m.text.includes(c)));
  const code = mail.text.match(/\b(\d{8})\b/)?.[1];
  if (!code) throw new Error(`no code in: ${mail.text}`);
  return code;
}

test("an alternate email is verified with the code from the mail server, listed masked, and removed", async ({ page }) => {
  const { email } = await signedInUserWithPassword(page, password);
  await toSecurityInfo(page);
  await expectAccessible(page);
  const alternate = `alt-${randomBytes(5).toString("hex")}@example.net`;

  // Their own user ID is no way back in: a clear error.
  await byId(page, ids.addEmail).fill(email);
  await byId(page, ids.addEmail).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(byId(page, ids.formError)).toContainText("it is your user ID");
  await settle(page);

  await byId(page, ids.addEmail).fill(alternate);
  await byId(page, ids.addEmail).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityVerify}$`));
  await settle(page);
  await expect(page.locator("main")).toContainText("a•••@e•••.net");
  await expectAccessible(page);
  const code = await codeSentTo(alternate);

  const wrong = code === "00000000" ? "11111111" : "00000000";
  await byId(page, ids.verifyCode).fill(wrong);
  await byId(page, ids.verifySubmit).click();
  await expect(byId(page, ids.formError)).toContainText("Tries left: 4");
  await settle(page);
  await byId(page, ids.verifyCode).fill(code);
  await byId(page, ids.verifySubmit).click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  await expect(byId(page, ids.securityNotice)).toContainText("The method was added");
  const item = byId(page, ids.methodsList).locator('li[data-kind="email"]');
  await expect(item).toContainText("a•••@e•••.net");
  await expect(item).toHaveAttribute("data-verified", "true");
  await expect(byId(page, ids.methodsList)).not.toContainText(alternate);
  await expectAccessible(page);
  // The account's own address hears about it.
  await waitForMail(email, (m) => m.subject.includes("security info changed") && m.text.includes("a•••@e•••.net"));

  await settle(page);
  await item.locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/account\/security\?done=removed$/);
  await expect(byId(page, ids.methodsList).locator('li[data-kind="email"]')).toHaveCount(0);
});

test("recovery codes are shown once and an authenticator app is enrolled with a real code", async ({ page }) => {
  await signedInUserWithPassword(page, password);
  await toSecurityInfo(page);

  await byId(page, ids.generateCodes).click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityCodes}$`));
  await settle(page);
  const codes = byId(page, ids.recoveryCodes).locator("li");
  await expect(codes).toHaveCount(10);
  await expect(codes.first()).toHaveText(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  await expectAccessible(page);
  await byId(page, ids.codesSaved).click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityInfo}$`));
  await expect(byId(page, ids.codesLeft)).toHaveText("10 unused codes");
  // Shown once: the page has nothing to show any more.
  await open(page, routes.securityCodes);
  await expect(byId(page, ids.recoveryCodes)).toHaveCount(0);

  await open(page, routes.securityInfo);
  await byId(page, ids.addAuthenticator).click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityAuthenticator}$`));
  await settle(page);
  await expect(page.locator(".qr svg")).toBeVisible();
  await expectAccessible(page);
  const secret = (await byId(page, ids.totpSecret).innerText()).trim();
  await byId(page, ids.totpCode).fill(totp(secret));
  await byId(page, ids.totpCode).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  await expect(byId(page, ids.methodsList).locator('li[data-kind="authenticator"]')).toHaveAttribute("data-verified", "true");

  // Recovery codes can be removed as a whole.
  await settle(page);
  await byId(page, ids.methodsList).locator('li[data-kind="recovery_codes"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/account\/security\?done=removed$/);
  await expect(byId(page, ids.methodsList).locator('li[data-kind="recovery_codes"]')).toHaveCount(0);
});

test("without a method, sign-in asks for more information, which a user may skip", async ({ page }) => {
  const { email } = await signedInUserWithPassword(page, password);
  await open(page, routes.account);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await signIn(page, email, password);
  await expect(page).toHaveURL(new RegExp(`${routes.securityRequired}$`));
  await settle(page);
  await expect(page.locator("h1")).toHaveText("More information required");
  await expectAccessible(page);
  await byId(page, ids.skipRegistration).click();
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
});

test("a mobile phone is verified with the code of its text message", async ({ page }) => {
  await signedInUserWithPassword(page, password);
  await toSecurityInfo(page);
  const local = `333${randomBytes(4).readUInt32BE(0) % 10_000_000}`.padEnd(10, "7");
  const number = `+39 ${local.slice(0, 3)} ${local.slice(3, 6)} ${local.slice(6)}`;
  const e164 = `+39${local}`;
  await byId(page, ids.addPhone).fill("12345");
  await byId(page, ids.addPhone).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(byId(page, ids.formError)).toContainText("country code");
  await settle(page);
  await byId(page, ids.addPhone).fill(number);
  await byId(page, ids.addPhone).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityVerify}$`));
  await expect(page.locator("main")).toContainText(`+39 ••• ••• ••${local.slice(-2)}`);
  // No SMS carrier here: in development mode the text message lands in the mailbox page.
  const mailbox = await page.context().newPage();
  await mailbox.goto(routes.devMailbox);
  const sms = mailbox.locator(`#${ids.mailboxList} li`).filter({ hasText: e164 }).first();
  const code = (await sms.locator("pre").innerText()).match(/\b(\d{8})\b/)?.[1];
  await mailbox.close();
  expect(code).toBeTruthy();
  await settle(page);
  await byId(page, ids.verifyCode).fill(code!);
  await byId(page, ids.verifySubmit).click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  await expect(byId(page, ids.methodsList).locator('li[data-kind="sms"]')).toHaveAttribute("data-verified", "true");
});

test("where the organisation enables them, security questions are chosen and answered", async ({ page }) => {
  // An organisation of its own, so turning questions on changes nothing for other specs.
  const slug = `q${randomBytes(4).toString("hex")}`;
  const domain = `${slug}.example.org`;
  regain(["org", "add", "--slug", slug, "--name", "Questions Test Org", "--domain", domain]);
  regain(["org", "policy", "set", "--org", slug, JSON.stringify({ methods_enabled: ["email", "recovery_codes", "security_questions"] })]);
  await signedInUserWithPassword(page, password, slug, domain);
  await toSecurityInfo(page);
  await page.getByRole("link", { name: "Set up security questions" }).click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityQuestions}$`));
  await settle(page);
  await expectAccessible(page);
  const form = byId(page, ids.questionsForm);
  await expect(form.locator("select")).toHaveCount(3);
  // The same question twice is refused, and the reason is given.
  await form.locator("#question-2").selectOption("q01");
  for (const i of [1, 2, 3]) await form.locator(`#answer-${i}`).fill(`answer number ${i}`);
  await form.locator("button[type=submit]").click();
  await expect(byId(page, ids.formError)).toContainText("Choose different questions");
  await settle(page);
  const again = byId(page, ids.questionsForm);
  await again.locator("#question-2").selectOption("q05");
  for (const i of [1, 2, 3]) await again.locator(`#answer-${i}`).fill(`answer number ${i}`);
  await again.locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/account\/security\?done=questions$/);
  await expect(byId(page, ids.securityNotice)).toContainText("security questions were saved");
  await expect(page.getByRole("link", { name: "Change security questions" })).toBeVisible();
});

import { expect, test, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { ids, routes } from "./ids";
import {
  byId,
  createUserWithTemporaryPassword,
  expectAccessible,
  fillNewPassword,
  mailTo,
  open,
  settle,
  signIn,
  submitPasswordChange,
  waitForMail,
} from "./helpers";

// "Can't access your account?" end to end, hydrated and without JavaScript: codes come
// from the mail the portal really sent through the SMTP server `./dev test` starts, text
// messages from the development mailbox (there is no SMS carrier here).

// Each test registers a person through the real pages first: more than the default 30 s
// on a loaded machine without JavaScript.
test.describe.configure({ timeout: 90_000 });

const password = "amber meadow whistles 4471";
const newPassword = "cobalt lantern drifts 9182";
const eightDigits = /\b(\d{8})\b/;

/// The newest 8-digit code mailed to `address` that isn't one of `seen`.
async function mailedCode(address: string, seen: string[] = []): Promise<string> {
  const mail = await waitForMail(address, (m) => {
    const code = m.text.match(eightDigits)?.[1];
    return !!code && !seen.includes(code);
  });
  return mail.text.match(eightDigits)![1];
}

/// The newest code texted to `e164`, from the development mailbox.
async function textedCode(page: Page, e164: string, seen: string[] = []): Promise<string> {
  const mailbox = await page.context().newPage();
  try {
    for (let i = 0; i < 50; i++) {
      await mailbox.goto(routes.devMailbox);
      for (const item of await mailbox.locator(`#${ids.mailboxList} li`).filter({ hasText: e164 }).all()) {
        const code = (await item.locator("pre").innerText()).match(eightDigits)?.[1];
        if (code && !seen.includes(code)) return code;
      }
      await mailbox.waitForTimeout(200);
    }
    throw new Error(`no text message to ${e164}`);
  } finally {
    await mailbox.close();
  }
}

type Person = { email: string; alternate: string; phone?: string };

/// A new user (or administrator) who registered a verified alternate email (and, for an
/// administrator, a phone) through the real security-info pages, then left: no session.
async function registeredPerson(page: Page, admin = false): Promise<Person> {
  const user = createUserWithTemporaryPassword("demo", "example.com", admin);
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, user.password, password);
  await expect(page).not.toHaveURL(new RegExp(`${routes.changePassword}$`));
  await open(page, routes.securityInfo);
  const alternate = `alt-${randomBytes(5).toString("hex")}@example.net`;
  await byId(page, ids.addEmail).fill(alternate);
  await byId(page, ids.addEmail).locator("xpath=ancestor::form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(new RegExp(`${routes.securityVerify}$`));
  await settle(page);
  await byId(page, ids.verifyCode).fill(await mailedCode(alternate));
  await byId(page, ids.verifySubmit).click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  let phone: string | undefined;
  if (admin) {
    await settle(page);
    const local = `333${randomBytes(4).readUInt32BE(0) % 10_000_000}`.padEnd(10, "7");
    phone = `+39${local}`;
    await byId(page, ids.addPhone).fill(phone);
    await byId(page, ids.addPhone).locator("xpath=ancestor::form").locator("button[type=submit]").click();
    await expect(page).toHaveURL(new RegExp(`${routes.securityVerify}$`));
    await settle(page);
    await byId(page, ids.verifyCode).fill(await textedCode(page, phone));
    await byId(page, ids.verifySubmit).click();
    await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  }
  await page.context().clearCookies();
  return { email: user.email, alternate, phone };
}

/// From the sign-in page through "Can't access your account?" to the gate list.
/// Starts a recovery and answers "why" up to the verify page, whose gate list must show
/// unless `gatesShown` is false: a stranger's decoy may look like an account with only
/// passkeys, whose gates are hidden without JavaScript (as a real one's are).
async function startRecovery(
  page: Page,
  userId: string,
  purpose: "reset" | "unlock" = "reset",
  gatesShown = true,
) {
  await open(page, routes.login);
  await byId(page, ids.cantAccess).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recover}$`));
  await settle(page);
  await expectAccessible(page);
  await byId(page, ids.recoverUserId).fill(userId);
  await byId(page, ids.recoverStart).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverWhy}$`));
  await settle(page);
  await expectAccessible(page);
  await byId(page, purpose === "reset" ? ids.purposeReset : ids.purposeUnlock).check();
  await byId(page, ids.purposeSubmit).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverVerify}$`));
  await settle(page);
  if (gatesShown) await expect(byId(page, ids.gateList)).toBeVisible();
  await expectAccessible(page);
}

/// Chooses the email (or phone) gate and types the whole address (or number). Returns
/// the codes mailed to it before (its registration code), which are not this one.
async function chooseContact(page: Page, kind: "email" | "sms", typed: string): Promise<string[]> {
  const seen = kind === "email" ? (await mailTo(typed)).map((m) => m.text.match(eightDigits)?.[1] ?? "") : [];
  const gate = byId(page, ids.gateList).locator(`li[data-kind="${kind}"]`);
  await gate.locator("input[name=typed]").fill(typed);
  await gate.locator("button[type=submit]").click();
  await expect(byId(page, ids.recoverCode)).toBeVisible();
  await settle(page);
  return seen;
}

async function prove(page: Page, code: string) {
  await byId(page, ids.recoverCode).fill(code);
  await byId(page, ids.recoverProve).click();
}

async function chooseNewPassword(page: Page) {
  await expect(page).toHaveURL(new RegExp(`${routes.recoverPassword}$`));
  await settle(page);
  await expectAccessible(page);
  await fillNewPassword(page, newPassword);
  await byId(page, ids.recoverPasswordSubmit).click();
  await expect(page).toHaveURL(/\/recover\/done\?what=reset$/);
  await settle(page);
  await expectAccessible(page);
}

for (const [locale, lang, why, done] of [
  ["en-GB", "en", "Why are you having trouble signing in?", "Your password has been reset"],
  ["it-IT", "it", "Perché non riesci ad accedere?", "La password è stata reimpostata"],
  ["zh-CN", "zh-Hans", "你为什么无法登录？", "你的密码已重置"],
] as const) {
  test.describe(`in ${lang}`, () => {
    test.use({ locale });
    test(`forgot password, one gate: a code to the alternate email, a new password, signed in again (${lang})`, async ({ page }) => {
      const person = await registeredPerson(page);
      const before = new Date();
      await open(page, routes.recover);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await byId(page, ids.recoverUserId).fill(person.email);
      await byId(page, ids.recoverStart).click();
      await expect(page).toHaveURL(new RegExp(`${routes.recoverWhy}$`));
      await expect(page.locator("h1")).toHaveText(why);
      await settle(page);
      await byId(page, ids.purposeSubmit).click();
      await expect(page).toHaveURL(new RegExp(`${routes.recoverVerify}$`));
      await settle(page);
      await expect(byId(page, ids.gateList).locator('li[data-kind="email"]')).toContainText("a•••@e•••.net");
      const seen = await chooseContact(page, "email", person.alternate);
      await prove(page, await mailedCode(person.alternate, seen));
      await chooseNewPassword(page);
      await expect(byId(page, ids.recoverDone)).toContainText(done);
      // Told at both addresses, with the "this wasn't me" link; then sign in anew.
      for (const to of [person.email, person.alternate]) {
        await waitForMail(to, (m) => m.text.includes("/recover/freeze?token="));
      }
      expect((await mailTo(person.email, before)).length).toBeGreaterThan(0);
      await signIn(page, person.email, newPassword);
      await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
      await expect(byId(page, ids.recoveryLog).locator('tr[data-event="reset"]')).toHaveCount(1);
    });
  });
}

test("an administrator proves two different methods: email, then a text message", async ({ page }) => {
  const admin = await registeredPerson(page, true);
  await startRecovery(page, admin.email);
  await expect(byId(page, ids.gateStep)).toContainText("1 of 2");
  const seen = await chooseContact(page, "email", admin.alternate);
  await prove(page, await mailedCode(admin.alternate, seen));
  await expect(page).toHaveURL(new RegExp(`${routes.recoverVerify}$`));
  await settle(page);
  await expect(byId(page, ids.gateStep)).toContainText("2 of 2");
  await expect(byId(page, ids.gateList).locator('li[data-kind="email"]')).toHaveCount(0);
  await chooseContact(page, "sms", admin.phone!);
  await prove(page, await textedCode(page, admin.phone!));
  await chooseNewPassword(page);
});

test("unlock: the account is unlocked, the password unchanged, and 'this wasn't me' freezes it", async ({ page }) => {
  const person = await registeredPerson(page);
  for (let i = 0; i < 11; i++) {
    await signIn(page, person.email, `wrong password ${i}`);
    await expect(byId(page, ids.formError)).toBeVisible();
  }
  await signIn(page, person.email, password);
  await expect(byId(page, ids.formError)).toBeVisible();
  const before = new Date();
  await startRecovery(page, person.email, "unlock");
  const seen = await chooseContact(page, "email", person.alternate);
  await prove(page, await mailedCode(person.alternate, seen));
  await expect(page).toHaveURL(/\/recover\/done\?what=unlock$/);
  await expect(byId(page, ids.recoverDone)).toContainText("unlocked");
  await signIn(page, person.email, password);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));

  const notice = await waitForMail(person.email, (m) => m.text.includes("/recover/freeze?token="));
  const link = notice.text.match(/https?:\/\/\S+\/recover\/freeze\?token=[A-Za-z0-9_-]+/)![0];
  expect(before).toBeTruthy();
  await page.context().clearCookies();
  await open(page, new URL(link).pathname + new URL(link).search);
  await expectAccessible(page);
  await byId(page, ids.freezeSubmit).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverFrozen}$`));
  await signIn(page, person.email, password);
  await expect(byId(page, ids.formError)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`${routes.login}`));
});

test("an unknown user sees the same screens, and nothing is sent", async ({ page }) => {
  const typed = `guess-${randomBytes(5).toString("hex")}@example.net`;
  // Decoys look like the organisation's accounts, and not all of them offer an email:
  // the first stranger whose decoy does.
  for (let tries = 0; ; tries++) {
    const stranger = `nobody-${randomBytes(5).toString("hex")}@example.com`;
    await startRecovery(page, stranger, "reset", false);
    if ((await byId(page, ids.gateList).locator('li[data-kind="email"]').count()) > 0) break;
    expect(tries, "no decoy with an email gate in 10").toBeLessThan(10);
  }
  await expect(byId(page, ids.gateList).locator('li[data-kind="email"]')).toContainText("•••@");
  await chooseContact(page, "email", typed);
  await prove(page, "12345678");
  await expect(byId(page, ids.formError)).toContainText("Tries left: 4");
  await page.waitForTimeout(1500);
  expect(await mailTo(typed)).toEqual([]);
});

test("five wrong codes kill the code; a resend too soon is refused with the wait", async ({ page }) => {
  const person = await registeredPerson(page);
  await startRecovery(page, person.email);
  const seen = await chooseContact(page, "email", person.alternate);
  const code = await mailedCode(person.alternate, seen);
  const wrong = code === "00000000" ? "11111111" : "00000000";
  for (const left of [4, 3, 2, 1, 0]) {
    await prove(page, wrong);
    await expect(byId(page, ids.formError)).toContainText(`Tries left: ${left}`);
    await settle(page);
  }
  await prove(page, code);
  await expect(byId(page, ids.formError)).toContainText("expired");
  await settle(page);
  await byId(page, ids.recoverResend).click();
  await expect(byId(page, ids.formError)).toContainText("seconds");
});

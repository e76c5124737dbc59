import { expect, test, type Browser, type CDPSession, type Page } from "@playwright/test";
import { ids, routes } from "./ids";
import { byId, expectAccessible, fillNewPassword, open, settle, signedInUserWithPassword, signIn, startReset, waitForMail } from "./helpers";

// Passkeys in real Chromium, with its virtual authenticator (a platform passkey with
// user verification, held by the browser profile), hydrated; and without JavaScript,
// where passkeys are not offered and the other methods work as before.

test.describe.configure({ timeout: 90_000 });

const password = "amber lanterns drift slowly";
const newPassword = "cobalt harbour sings 5521";

/// A virtual platform authenticator for `page`: discoverable credentials, user
/// verification always given, presence simulated.
async function authenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/// On the security-info page (signed in, recently): adds a passkey named `name`.
async function addPasskey(page: Page, name: string) {
  await open(page, routes.securityInfo);
  await byId(page, ids.passkeyName).fill(name);
  await byId(page, ids.addPasskey).click();
  await expect(page).toHaveURL(/\/account\/security\?done=added$/);
  await settle(page);
  await expect(byId(page, ids.methodsList).locator('li[data-kind="passkey"]').filter({ hasText: name })).toHaveCount(1);
}

async function signOut(page: Page) {
  await open(page, routes.account);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
}

/// A new user with a password and one passkey in a JavaScript-enabled context of its
/// own (without JavaScript a passkey can't be added), signed out again.
async function personWithPasskey(browser: Browser): Promise<string> {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  try {
    await authenticator(page);
    const { email } = await signedInUserWithPassword(page, password);
    await addPasskey(page, "phone");
    return email;
  } finally {
    await context.close();
  }
}

test("a passkey is added on the security-info page, signs in without a password, and is a recovery gate", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "passkeys need JavaScript");
  const { cdp, id } = await authenticator(page);
  const { email } = await signedInUserWithPassword(page, password);
  await addPasskey(page, "work laptop");
  await expect(page.locator("main").getByText("Adding a passkey needs JavaScript.")).toBeHidden();
  await expectAccessible(page);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId: id });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  expect(credentials[0].rpId).toBe("localhost");
  await waitForMail(email, (m) => m.text.includes('"work laptop" was added'));

  // Signed out, the sign-in page's button signs in with it: no user ID, no password.
  await signOut(page);
  await open(page, routes.login);
  await expectAccessible(page);
  await byId(page, ids.passkeySignIn).click();
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await expect(byId(page, ids.accountEmail)).toHaveText(email);

  // Forgot the password: the passkey is the one gate, then a new password.
  await signOut(page);
  await startReset(page, email);
  const gate = byId(page, ids.gateList).locator('li[data-kind="passkey"]');
  await expect(gate).toBeVisible();
  await expectAccessible(page);
  await gate.locator("button[type=submit]").click();
  await expect(byId(page, ids.recoverPasskey)).toBeVisible();
  await settle(page);
  await expectAccessible(page);
  await byId(page, ids.recoverPasskey).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverPassword}$`));
  await settle(page);
  await fillNewPassword(page, newPassword);
  await byId(page, ids.recoverPasswordSubmit).click();
  await expect(page).toHaveURL(/\/recover\/done\?what=reset$/);
  await signIn(page, email, newPassword);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
});

test("a passkey the browser does not hold is refused with a clear message", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "passkeys need JavaScript");
  const { cdp, id } = await authenticator(page);
  await signedInUserWithPassword(page, password);
  await addPasskey(page, "laptop");
  await signOut(page);
  // The credential is gone from the device: the browser has nothing to answer with.
  await cdp.send("WebAuthn.clearCredentials", { authenticatorId: id });
  await open(page, routes.login);
  await byId(page, ids.passkeySignIn).click();
  await expect(byId(page, ids.formError)).toContainText("passkey wasn't accepted", { timeout: 30_000 });
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await expectAccessible(page);
});

test("without JavaScript passkeys are not offered, and the other ways still are", async ({ page, browser, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, "the page without JavaScript");
  await open(page, routes.login);
  await expect(byId(page, ids.passkeySignIn)).toBeHidden();
  await expect(byId(page, ids.loginForm)).toBeVisible();

  const { email } = await signedInUserWithPassword(page, password);
  await open(page, routes.securityInfo);
  await expect(byId(page, ids.addPasskey)).toBeHidden();
  await expect(page.locator("main").getByText("Adding a passkey needs JavaScript.")).toBeVisible();
  await expect(byId(page, ids.addEmail)).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
  expect(email).toContain("@");

  // Someone whose only method is a passkey: no gate is offered without JavaScript, and
  // the page says why.
  const owner = await personWithPasskey(browser);
  await startReset(page, owner);
  await expect(byId(page, ids.gateList).locator('li[data-kind="passkey"]')).toBeHidden();
  await expect(page.locator("main").getByText("works only with JavaScript turned on")).toBeVisible();
  await expectAccessible(page);
});

import { expect, test } from "@playwright/test";
import { routes } from "./ids";
import { createUserWithTemporaryPassword, settle, signIn, submitPasswordChange, waitForMail } from "./helpers";

// The whole chain, hydrated and without JavaScript: a change of password writes the
// notice to the outbox in the same transaction, the worker delivers it through SMTP, and
// it lands in the test SMTP server's maildir with a plain-text and an HTML part.
test("changing the password sends the 'password changed' mail over SMTP", async ({ page }) => {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, user.password, "velvet comets hum past midnight");
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));

  const mail = await waitForMail(user.email, (m) => m.subject.includes("password was changed"));
  expect(mail.subject).toBe("Your Regain password was changed");
  expect(mail.text).toContain("E2E Person");
  expect(mail.text).toContain(user.email);
  expect(mail.text).toContain("Can't access your account?");
  expect(mail.html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
  expect(mail.html).toContain(">Regain</header>");
  // The text is escaped into the HTML part, not pasted.
  expect(mail.html).toContain("select &quot;Can&#39;t access your account?&quot;");
  expect(mail.html).toContain(user.email);
  // The temporary password and the new one are never in a mail.
  expect(mail.text + mail.html).not.toContain(user.password);
  expect(mail.text + mail.html).not.toContain("velvet comets");
});

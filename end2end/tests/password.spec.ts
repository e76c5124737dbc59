import { expect, test } from "@playwright/test";
import { ids, routes } from "./ids";
import {
  byId,
  createUserWithTemporaryPassword,
  expectAccessible,
  open,
  rule,
  settle,
  signIn,
  signedInUserWithPassword,
  submitPasswordChange,
} from "./helpers";

// Runs hydrated and without JavaScript: the reasons come back from the server after a
// refused submit either way, and a good password is accepted and works.
test("a weak new password is refused with its reasons; a good one is accepted and works", async ({ page }) => {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);

  await submitPasswordChange(page, user.password, "Password1234!");
  await expect(byId(page, ids.formError)).toContainText("doesn't meet the requirements");
  await expect(byId(page, ids.formError)).toContainText("too easy to guess");
  await expect(byId(page, ids.formError)).toContainText("commonly used password");
  await expect(rule(page, "hard_to_guess")).toHaveAttribute("data-state", "unmet");
  await expect(rule(page, "hard_to_guess")).toContainText("(not met)");
  await expect(rule(page, "length")).toHaveAttribute("data-state", "met");
  await expectAccessible(page);

  const good = "quiet lanterns drift over marble";
  await settle(page);
  await submitPasswordChange(page, user.password, good);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await settle(page);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await signIn(page, user.email, good);
  // No recovery method registered yet: "more information required" comes first.
  await expect(page).toHaveURL(new RegExp(`${routes.securityRequired}$`));
});

test("a signed-in user changes their password, and not back to a recent one", async ({ page }) => {
  const first = "copper kettles hum at noon";
  const { email } = await signedInUserWithPassword(page, first);
  await byId(page, ids.changePasswordLink).click();
  await expect(page).toHaveURL(new RegExp(`${routes.accountPassword}$`));
  await settle(page);
  await expectAccessible(page);

  // The user's own name and user ID count for nothing.
  await submitPasswordChange(page, first, `${email} 2026`);
  await expect(byId(page, ids.formError)).toContainText("Don't use your user ID");
  await expect(rule(page, "not_user_id")).toHaveAttribute("data-state", "unmet");
  await settle(page);
  await submitPasswordChange(page, "not my password", "granite owls read slowly");
  await expect(byId(page, ids.formError)).toContainText("current password you entered is incorrect");

  const second = "granite owls read slowly";
  await settle(page);
  await submitPasswordChange(page, first, second);
  await expect(page).toHaveURL(/\/account\?changed=password$/);
  await expect(byId(page, ids.accountNotice)).toContainText("Your password was changed");
  await settle(page);

  await open(page, routes.accountPassword);
  await submitPasswordChange(page, second, first);
  await expect(byId(page, ids.formError)).toContainText("You used this password recently");

  await open(page, routes.account);
  await byId(page, ids.signOut).click();
  await expect(page).toHaveURL(new RegExp(`${routes.login}$`));
  await signIn(page, email, second);
  // No recovery method registered yet: "more information required" comes first.
  await expect(page).toHaveURL(new RegExp(`${routes.securityRequired}$`));
});

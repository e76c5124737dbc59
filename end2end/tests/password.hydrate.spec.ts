import { expect, test } from "@playwright/test";
import { ids, routes } from "./ids";
import { byId, createUserWithTemporaryPassword, rule, settle, signIn } from "./helpers";

// Hydrated, the checklist and the strength meter follow the typing, before any submit.
test("the checklist explains a weak password while it is typed", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  // The sign-in navigates in the page: the change-password page's code (a chunk of its
  // own) and then its data are fetched after that. Only later requests are the typing's.
  await page.waitForLoadState("networkidle");
  const requests: string[] = [];
  page.on("request", (r) => r.method() === "POST" && requests.push(new URL(r.url()).pathname));

  await byId(page, ids.newPassword).pressSequentially("password");
  await expect(rule(page, "length")).toHaveAttribute("data-state", "unmet");
  await expect(rule(page, "hard_to_guess")).toHaveAttribute("data-state", "unmet");
  await expect(rule(page, "not_user_id")).toHaveAttribute("data-state", "met");
  await expect(rule(page, "confirmed")).toHaveAttribute("data-state", "pending");
  await expect(byId(page, ids.passwordChecklist).locator("xpath=..")).toContainText("commonly used password");
  await expect(byId(page, ids.passwordSummary)).toHaveText("1 of 4 requirements met.");
  await expect(byId(page, ids.passwordSummary)).toHaveAttribute("aria-live", "polite");
  await expect(byId(page, ids.strength)).toHaveAttribute("data-score", "0");
  await expect(byId(page, ids.strength)).toContainText("Very weak");
  await expect(byId(page, ids.strength)).toContainText("very common password");
  // The checklist itself is computed in the browser: only the strength estimate asks.
  expect(requests.filter((p) => p !== "/api/password/strength")).toEqual([]);

  const good = "quiet lanterns drift over marble";
  await byId(page, ids.newPassword).fill(good);
  await expect(rule(page, "length")).toHaveAttribute("data-state", "met");
  await expect(rule(page, "hard_to_guess")).toHaveAttribute("data-state", "met");
  await byId(page, ids.confirmPassword).fill(good);
  await expect(rule(page, "confirmed")).toHaveAttribute("data-state", "met");
  await expect(byId(page, ids.passwordSummary)).toHaveText("All requirements met.");
  await expect(byId(page, ids.strength)).toHaveAttribute("data-score", "4");

  // Show and hide both fields.
  await expect(byId(page, ids.newPassword)).toHaveAttribute("type", "password");
  await byId(page, ids.showPassword).click();
  await expect(byId(page, ids.showPassword)).toHaveAttribute("aria-pressed", "true");
  await expect(byId(page, ids.newPassword)).toHaveAttribute("type", "text");
  await expect(byId(page, ids.confirmPassword)).toHaveAttribute("type", "text");
  await byId(page, ids.showPassword).click();
  await expect(byId(page, ids.newPassword)).toHaveAttribute("type", "password");

  await byId(page, ids.currentPassword).fill(user.password);
  await byId(page, ids.changeSubmit).click();
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  expect(errors).toEqual([]);
});

test("the checklist speaks Italian and Chinese too", async ({ page }) => {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await page.locator(`#${ids.langSwitcher} button[value="it"]`).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "it");
  await settle(page);
  await byId(page, ids.newPassword).fill("password");
  await expect(byId(page, ids.passwordChecklist).locator("xpath=..")).toContainText("password molto usata");
  await expect(byId(page, ids.passwordSummary)).toHaveText("Requisiti soddisfatti: 1 su 4.");
  await page.locator(`#${ids.langSwitcher} button[value="zh-Hans"]`).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await settle(page);
  await byId(page, ids.newPassword).fill("password");
  await expect(byId(page, ids.passwordSummary)).toHaveText("已满足 1/4 项要求。");
});

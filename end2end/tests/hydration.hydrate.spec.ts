import { expect, test } from "@playwright/test";
import { demo, ids, routes } from "./ids";
import { byId, open } from "./helpers";

// With JavaScript the forms post through the wasm client instead of reloading the page.
test("the page hydrates and sign-in posts without a full reload", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await open(page, routes.login);
  await page.evaluate(() => ((window as any).__marker = "still here"));
  await byId(page, ids.userId).fill(demo.user.email);
  await byId(page, ids.password).fill("wrong password on purpose");
  await page.locator(`#${ids.loginForm} button[type=submit]`).click();
  await expect(byId(page, ids.formError)).toContainText("incorrect");
  expect(await page.evaluate(() => (window as any).__marker)).toBe("still here");
  // The typed user ID is kept.
  await expect(byId(page, ids.userId)).toHaveValue(demo.user.email);
  expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
});

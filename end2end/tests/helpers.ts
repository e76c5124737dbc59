import { expect, test, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { demo, ids, routes } from "./ids";

export const byId = (page: Page, id: string) => page.locator(`#${id}`);

/// What each page reported to its console, for the diagnosis when hydration fails.
const consoles = new WeakMap<Page, string[]>();
function listen(page: Page) {
  if (consoles.has(page)) return;
  const lines: string[] = [];
  consoles.set(page, lines);
  page.on("pageerror", (e) => lines.push(`pageerror: ${e}`));
  page.on("console", (m) => m.type() !== "log" && lines.push(`${m.type()}: ${m.text()}`));
}

/// Opens a page; with JavaScript on, waits until the wasm has hydrated it.
export async function open(page: Page, path: string) {
  listen(page);
  await page.goto(path);
  await settle(page);
}

export async function settle(page: Page) {
  const js = test.info().project.use.javaScriptEnabled !== false;
  if (!js) return;
  try {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  } catch (e) {
    // Seen rarely under load on the release build: say what the page had fetched by then.
    const resources = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((r) => `${r.name} at ${Math.round(r.startTime)} ms took ${Math.round(r.duration)} ms`),
    );
    const messages = consoles.get(page) ?? [];
    console.log(`not hydrated: ${page.url()}\n  ${[...resources, ...messages].join("\n  ")}`);
    throw e;
  }
}

export async function signIn(page: Page, email: string, password: string) {
  await open(page, routes.login);
  await byId(page, ids.userId).fill(email);
  await byId(page, ids.password).fill(password);
  await page.locator(`#${ids.loginForm} button[type=submit]`).click();
}

export async function signInAsDemoUser(page: Page) {
  await signIn(page, demo.user.email, demo.user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await settle(page);
}

/// axe-core on the page as it is now: zero violations. axe needs script in the page, so a
/// page loaded without JavaScript is checked as a copy of its exact HTML (scripts removed,
/// same stylesheet) in a scripted page beside it.
export async function expectAccessible(page: Page) {
  let target = page;
  let copy: Page | undefined;
  if (test.info().project.use.javaScriptEnabled === false) {
    const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, "");
    const base = new URL(page.url());
    const context = await page.context().browser()!.newContext({ javaScriptEnabled: true });
    copy = await context.newPage();
    await copy.goto(`${base.origin}/robots.txt`);
    await copy.setContent(html.replace("<head>", `<head><base href="${base.origin}/">`), { waitUntil: "load" });
    target = copy;
  }
  try {
    const results = await new AxeBuilder({ page: target }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" | ")}`)).toEqual([]);
  } finally {
    await copy?.context().close();
  }
}

/// Creates a user with a temporary password through the real CLI, as an operator would.
export function createUserWithTemporaryPassword(): { email: string; password: string } {
  const email = `e2e-${randomBytes(6).toString("hex")}@example.com`;
  const out = execFileSync(
    process.env.REGAIN_BIN!,
    ["user", "add", "--org", "demo", "--email", email, "--name", "E2E Person", "--temporary-password"],
    // REGAIN_BIN is ours, not the portal's: passed on, it would be read as a config key.
    { env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "REGAIN_BIN")), encoding: "utf8" },
  );
  const match = out.match(/temporary password[^:]*: (\S+)/);
  if (!match) throw new Error(`no temporary password in: ${out}`);
  return { email, password: match[1] };
}

/// A checklist line of the new-password component.
export const rule = (page: Page, name: string) => page.locator(`#${ids.passwordChecklist} li[data-rule="${name}"]`);

/// Fills and submits a password form: current password, new one twice.
export async function submitPasswordChange(page: Page, current: string, next: string, confirm = next) {
  await byId(page, ids.currentPassword).fill(current);
  await byId(page, ids.newPassword).fill(next);
  await byId(page, ids.confirmPassword).fill(confirm);
  await byId(page, ids.changeSubmit).click();
}

/// A fresh user who has replaced their temporary password with `password` and is signed in.
export async function signedInUserWithPassword(page: Page, password: string): Promise<{ email: string }> {
  const user = createUserWithTemporaryPassword();
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, user.password, password);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await settle(page);
  return { email: user.email };
}

import { expect, test, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
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

/// Starts a recovery for `userId` and goes on with the default purpose (a new password)
/// to the verification page.
export async function startReset(page: Page, email: string) {
  await open(page, routes.recover);
  await byId(page, ids.recoverUserId).fill(email);
  await byId(page, ids.recoverStart).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverWhy}$`));
  await settle(page);
  await byId(page, ids.purposeSubmit).click();
  await expect(page).toHaveURL(new RegExp(`${routes.recoverVerify}$`));
  await settle(page);
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
    // A lazy route sets its title once its chunk has run: wait for it (a page that never
    // gets one still fails here), so that axe does not see the moment between two titles.
    await expect(target).toHaveTitle(/\S/);
    const results = await new AxeBuilder({ page: target }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" | ")}`)).toEqual([]);
  } finally {
    await copy?.context().close();
  }
}

/// Runs the real `regain` CLI, as an operator would, against the portal's data directory.
export function regain(args: string[]): string {
  return execFileSync(process.env.REGAIN_BIN!, args, {
    // REGAIN_BIN is ours, not the portal's: passed on, it would be read as a config key.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "REGAIN_BIN")),
    encoding: "utf8",
  });
}

/// Creates a user with a temporary password through the real CLI.
export function createUserWithTemporaryPassword(org = "demo", domain = "example.com", admin = false): { email: string; password: string } {
  const email = `e2e-${randomBytes(6).toString("hex")}@${domain}`;
  const args = ["user", "add", "--org", org, "--email", email, "--name", "E2E Person", "--temporary-password"];
  const out = regain(admin ? [...args, "--admin"] : args);
  const match = out.match(/temporary password[^:]*: (\S+)/);
  if (!match) throw new Error(`no temporary password in: ${out}`);
  return { email, password: match[1] };
}

/// A checklist line of the new-password component.
export const rule = (page: Page, name: string) => page.locator(`#${ids.passwordChecklist} li[data-rule="${name}"]`);

/// Fills and submits a password form: current password, new one twice.
export async function submitPasswordChange(page: Page, current: string, next: string, confirm = next) {
  await byId(page, ids.currentPassword).fill(current);
  await fillNewPassword(page, next, confirm);
  await byId(page, ids.changeSubmit).click();
}

/// Types the new password twice and waits until both fields hold it: right after an
/// error the hydrated form may still be re-rendering, and a value typed into a field that
/// is then replaced would be lost (seen once in CI as a submit of the previous values).
export async function fillNewPassword(page: Page, next: string, confirm = next) {
  for (const [id, value] of [[ids.newPassword, next], [ids.confirmPassword, confirm]] as const) {
    await expect(async () => {
      await byId(page, id).fill(value);
      await expect(byId(page, id)).toHaveValue(value, { timeout: 500 });
    }).toPass();
  }
}

/// A fresh user who has replaced their temporary password with `password` and is signed in.
export async function signedInUserWithPassword(
  page: Page,
  password: string,
  org = "demo",
  domain = "example.com",
): Promise<{ email: string }> {
  const user = createUserWithTemporaryPassword(org, domain);
  await signIn(page, user.email, user.password);
  await expect(page).toHaveURL(new RegExp(`${routes.changePassword}$`));
  await settle(page);
  await submitPasswordChange(page, user.password, password);
  await expect(page).toHaveURL(new RegExp(`${routes.account}$`));
  await settle(page);
  return { email: user.email };
}

/// A mail the test SMTP server (aiosmtpd, started by `./dev test`) accepted.
export type Mail = { subject: string; text: string; html: string };

/// Every mail to `address` in the SMTP server's maildir (E2E_MAILDIR), oldest first;
/// with `since`, only those stored from then on.
export async function mailTo(address: string, since?: Date): Promise<Mail[]> {
  const dir = process.env.E2E_MAILDIR;
  if (!dir) throw new Error("E2E_MAILDIR is not set: run the specs through ./dev test");
  const found: { at: number; mail: Mail }[] = [];
  for (const sub of ["new", "cur"]) {
    let names: string[] = [];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      continue; // no mail yet: aiosmtpd creates the folders with the first one
    }
    for (const name of names) {
      const path = join(dir, sub, name);
      const at = (await stat(path)).mtimeMs;
      if (since && at < since.getTime() - 1000) continue;
      const { headers, body } = splitMessage(await readFile(path, "latin1"));
      const to = headers.get("to") ?? "";
      if (!to.toLowerCase().includes(address.toLowerCase())) continue;
      found.push({ at, mail: { subject: decodeWords(headers.get("subject") ?? ""), ...parts(headers, body) } });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.mail);
}

/// Polls the maildir for up to ~10 s until a mail to `address` satisfies `predicate`.
export async function waitForMail(address: string, predicate: (m: Mail) => boolean = () => true): Promise<Mail> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mail = (await mailTo(address)).find(predicate);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no matching mail to ${address} within 10 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// Header fields (lower-case names, folded lines joined) and the raw body of a MIME entity.
function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, "\n");
  const end = text.indexOf("\n\n");
  const head = end < 0 ? text : text.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
  }
  return { headers, body: end < 0 ? "" : text.slice(end + 2) };
}

/// The text/plain and text/html parts of a multipart/alternative mail (or a single part).
function parts(headers: Map<string, string>, body: string): { text: string; html: string } {
  const type = headers.get("content-type") ?? "text/plain";
  const result = { text: "", html: "" };
  const boundary = type.match(/boundary="?([^";]+)"?/i)?.[1];
  const entities = boundary
    ? body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith("--")).map((p) => splitMessage(p.replace(/^\n/, "")))
    : [{ headers, body }];
  for (const e of entities) {
    const content = decodeBody(e.body, e.headers.get("content-transfer-encoding") ?? "7bit");
    const mime = (e.headers.get("content-type") ?? "text/plain").toLowerCase();
    if (mime.startsWith("text/html")) result.html = content;
    else if (mime.startsWith("text/plain")) result.text = content;
  }
  return result;
}

/// Quoted-printable, base64 or 7bit/8bit body as UTF-8 text (the file was read as latin1,
/// one char per byte).
function decodeBody(body: string, encoding: string): string {
  const enc = encoding.trim().toLowerCase();
  let bytes: Buffer;
  if (enc === "base64") {
    bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  } else if (enc === "quoted-printable") {
    const joined = body.replace(/=\n/g, "");
    bytes = Buffer.from(joined.replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1");
  } else {
    bytes = Buffer.from(body, "latin1");
  }
  return bytes.toString("utf8").replace(/\r\n/g, "\n").replace(/\n$/, "");
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header.
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, _charset, kind, data: string) =>
      kind.toLowerCase() === "b"
        ? Buffer.from(data, "base64").toString("utf8")
        : Buffer.from(
            data.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
    );
}

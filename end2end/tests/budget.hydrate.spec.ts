import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { demo, routes } from "./ids";
import { settle, signIn } from "./helpers";

// What a browser downloads before a page is interactive, cold cache, as bytes on the wire
// (compressed body and headers, Chromium's own count). The budget lives in
// end2end/budget.json; the release run fails when a page is over it, and every run
// prints the figures. The release build also must send its wasm Brotli-compressed.
const budget = JSON.parse(readFileSync(join(__dirname, "..", "budget.json"), "utf8")) as {
  first_load_code_bytes: Record<string, number>;
  page_first_load_bytes: number;
};
const release = process.env.E2E_BUILD === "release";

type Loaded = { url: string; bytes: number; encoding?: string };

/// Opens `path` with an empty cache and returns every response it loaded until hydrated.
async function coldLoad(page: Page, path: string): Promise<Loaded[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const urls = new Map<string, { url: string; encoding?: string }>();
  const loaded: Loaded[] = [];
  // Only what this load asks for: a request the previous page sent (a lazy chunk still
  // arriving after a sign-in's navigation) may finish meanwhile, and counted once it did.
  const sent = new Set<string>();
  cdp.on("Network.requestWillBeSent", (e) => sent.add(e.requestId));
  cdp.on("Network.responseReceived", (e) => {
    if (!sent.has(e.requestId)) return;
    const h = e.response.headers as Record<string, string>;
    const encoding = Object.entries(h).find(([k]) => k.toLowerCase() === "content-encoding")?.[1];
    urls.set(e.requestId, { url: e.response.url, encoding });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = urls.get(e.requestId);
    if (r) loaded.push({ ...r, bytes: e.encodedDataLength });
  });
  await page.goto(path);
  await settle(page);
  // Let chunks the hydration asked for finish arriving.
  await page.waitForLoadState("networkidle");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  await cdp.detach();
  return loaded;
}

const isCode = (url: string) => /\.(js|wasm)(\?|$)/.test(new URL(url).pathname);
const sum = (xs: Loaded[]) => xs.reduce((n, x) => n + x.bytes, 0);

async function measure(page: Page, path: string) {
  const loaded = await coldLoad(page, path);
  const code = sum(loaded.filter((l) => isCode(l.url)));
  const total = sum(loaded);
  const files = loaded.map((l) => `${new URL(l.url).pathname} ${l.bytes} B${l.encoding ? ` ${l.encoding}` : ""}`);
  console.log(`first load of ${path} (${release ? "release" : "debug"}): ${code} B wasm+js, ${total} B in all\n  ${files.join("\n  ")}`);
  return { loaded, code, total };
}

for (const path of [routes.recover, routes.login]) {
  test(`the first load of ${path} is within its budget`, async ({ page }) => {
    const { loaded, code, total } = await measure(page, path);
    const wasm = loaded.filter((l) => new URL(l.url).pathname.endsWith(".wasm"));
    expect(wasm.length, "the page loads its wasm").toBeGreaterThan(0);
    if (release) {
      for (const w of wasm) expect(w.encoding, `${w.url} goes out compressed`).toBe("br");
      expect(code, `${path}: wasm+js bytes`).toBeLessThanOrEqual(budget.first_load_code_bytes[path]);
      expect(total, `${path}: all bytes`).toBeLessThanOrEqual(budget.page_first_load_bytes);
    }
  });
}

// The console and security info are split off: their chunks arrive only when one of those
// pages is visited, and their first load stays within the per-page budget too.
for (const [path, who] of [
  [routes.securityInfo, demo.user],
  [routes.admin, demo.admin],
] as const) {
  test(`${path} loads its own code only when visited`, async ({ page }) => {
    const login = await measure(page, routes.login);
    await signIn(page, who.email, who.password);
    await expect(page).not.toHaveURL(new RegExp(`${routes.login}$`));
    const { loaded, total } = await measure(page, path);
    const before = new Set(login.loaded.filter((l) => isCode(l.url)).map((l) => new URL(l.url).pathname));
    const own = loaded.filter((l) => isCode(l.url) && !before.has(new URL(l.url).pathname));
    expect(own.length, `${path} has code that ${routes.login} does not load`).toBeGreaterThan(0);
    if (release) expect(total, `${path}: all bytes`).toBeLessThanOrEqual(budget.page_first_load_bytes);
  });
}

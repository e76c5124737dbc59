// What a browser downloads and how soon a page answers: headless Chromium through the
// Playwright the end-to-end tests use (end2end/node_modules), Debian's /usr/bin/chromium.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { brotliCompressSync, constants as zlib } from "node:zlib";

const end2end = new URL("../../end2end/", import.meta.url);
const { chromium } = createRequire(new URL("package.json", end2end))("@playwright/test");

/// The launch options of end2end/playwright.config.ts (its `chromium` object), read from
/// there so the benchmark's browser is the tests' browser.
function launchOptions() {
  const config = readFileSync(new URL("playwright.config.ts", end2end), "utf8");
  const block = config.match(/const chromium = \{([\s\S]*?)\n\};/)?.[1];
  const executablePath = block?.match(/executablePath:\s*"([^"]+)"/)?.[1];
  const args = block?.match(/args:\s*\[([\s\S]*?)\]/)?.[1];
  if (!executablePath || !args) throw new Error("no chromium launch options found in end2end/playwright.config.ts");
  return { executablePath, args: [...args.matchAll(/"([^"]+)"/g)].map((m) => m[1]), headless: true };
}

export function launch() {
  return chromium.launch(launchOptions());
}

/// The kind of a downloaded resource, for the split of the bytes.
function kind(type, mime, url) {
  if (type === "Document") return "html";
  if (mime === "application/wasm" || /\.wasm(\?|$)/.test(url)) return "wasm";
  if (type === "Script" || /javascript/.test(mime)) return "js";
  if (type === "Stylesheet" || mime === "text/css") return "css";
  return "other";
}

const header = (headers, name) =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

/// Records every response of a page through CDP: bytes on the wire (headers plus the
/// encoded body: Network.loadingFinished's encodedDataLength), kind and encoding.
async function recordNetwork(context, page) {
  const cdp = await context.newCDPSession(page);
  const seen = new Map();
  cdp.on("Network.responseReceived", (e) =>
    seen.set(e.requestId, {
      url: e.response.url,
      kind: kind(e.type, e.response.mimeType, e.response.url),
      encoding: header(e.response.headers, "content-encoding") ?? "identity",
      status: e.response.status,
      bytes: 0,
      done: false,
    }),
  );
  cdp.on("Network.loadingFinished", (e) => {
    const r = seen.get(e.requestId);
    if (r) Object.assign(r, { bytes: e.encodedDataLength, done: true });
  });
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  return { cdp, seen };
}

/// Waits for the `data-hydrated="true"` the app puts on <body> once the wasm has hydrated.
const hydrated = (page, timeout) => page.waitForSelector('body[data-hydrated="true"]', { state: "attached", timeout });

/// Signs a browser context in through the sign-in endpoint, as the hydrated login form
/// does; the context keeps the session cookie.
async function signIn(context, base, account) {
  const res = await context.request.post(`${base}/api/auth/login`, {
    form: { user_id: account.email, password: account.password },
    headers: { accept: "application/json", "sec-fetch-site": "same-origin" },
    maxRedirects: 0,
  });
  if (res.status() >= 400) throw new Error(`sign-in as ${account.email} answered ${res.status()}: ${await res.text()}`);
}

const brotliCache = new Map();
/// The body's size at brotli quality 11 (as cargo-leptos' precompression makes it), for
/// a resource that did not come brotli-encoded.
function brotliSize(url, body) {
  if (!brotliCache.has(url)) {
    brotliCache.set(url, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length);
  }
  return brotliCache.get(url);
}

/// One page's first load in a fresh context (cold cache), optionally signed in first:
/// every response until hydration and a quiet network, summed by kind, and the errors the
/// page threw meanwhile.
export async function firstLoad(browser, base, path, account) {
  const context = await browser.newContext({ locale: "en-GB" });
  try {
    if (account) await signIn(context, base, account);
    const page = await context.newPage();
    const { cdp, seen } = await recordNetwork(context, page);
    const failed = [];
    page.on("pageerror", (e) => failed.push(`pageerror: ${e}`));
    const res = await page.goto(base + path, { waitUntil: "load", timeout: 30_000 });
    if (!res || res.status() >= 400) throw new Error(`${path} answered ${res?.status()}`);
    await hydrated(page, 30_000);
    await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => {});
    const finalPath = new URL(page.url()).pathname;
    const totals = { total: 0, html: 0, js: 0, wasm: 0, css: 0, other: 0 };
    // The same bytes had every unencoded body come brotli-encoded (quality 11).
    let brotliTotal = 0;
    const encodings = new Set();
    for (const [id, r] of seen) {
      if (!r.done) continue;
      totals[r.kind] += r.bytes;
      totals.total += r.bytes;
      encodings.add(`${r.kind}:${r.encoding}`);
      // Only an unencoded body is recompressed; brotli or gzip stay as they came.
      const { body, base64Encoded } =
        r.encoding === "identity" && r.status < 300
          ? await cdp.send("Network.getResponseBody", { requestId: id }).catch(() => ({}))
          : {};
      if (body === undefined) {
        brotliTotal += r.bytes;
      } else {
        const raw = Buffer.from(body, base64Encoded ? "base64" : "utf8");
        brotliTotal += r.bytes - raw.length + brotliSize(r.url, raw);
      }
    }
    return { path, finalPath, ...totals, brotliTotal, encodings: [...encodings].sort(), resources: seen.size, errors: failed };
  } finally {
    await context.close();
  }
}

/// Time to interactive of `path` on a slow phone network, cold cache: milliseconds from
/// navigation start until <body> gets data-hydrated="true", read in the page itself.
export async function timeToInteractive(browser, base, path) {
  const context = await browser.newContext({
    locale: "en-GB",
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    // "Slow 4G"-like: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: 200_000,
      uploadThroughput: 750_000 / 8,
    });
    // performance.now() counts from the navigation's start.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.getAttribute("data-hydrated") === "true") {
          window.__regainHydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-hydrated"] });
    });
    const res = await page.goto(base + path, { waitUntil: "commit", timeout: 60_000 });
    if (!res || res.status() >= 400) throw new Error(`${path} answered ${res?.status()}`);
    await page.waitForFunction(() => window.__regainHydratedAt !== undefined, null, { timeout: 60_000, polling: 50 });
    return await page.evaluate(() => window.__regainHydratedAt);
  } finally {
    await context.close();
  }
}

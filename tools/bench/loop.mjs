// `./dev bench loop`: the developer loop, measured. In a scratch copy of the repository
// (LOOP_DIR, made by ./dev, sharing target/ with the checkout) it starts the watch of
// `./dev run` (`./dev watch`: cargo leptos watch --split --hot-reload), opens /login in headless Chromium, and edits,
// one at a time: a text inside a `view!`, the stylesheet, and a Rust function whose
// result the page shows. For each it prints the seconds from the file's write until the
// page shows the change, and whether the page got it without a reload. Last, how long a
// restart of the watch takes with nothing changed. A benchmark: it asserts nothing about
// the figures, and fails only when a change never shows (LOOP_TIMEOUT_S, default 300).
//
// Environment: LOOP_DIR (the scratch copy), LOOP_PORT and LOOP_RELOAD_PORT (free ports,
// already written into the copy's Cargo.toml), LOOP_DATA_DIR (a fresh data directory).
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { launch } from "./browser.mjs";

const dir = process.env.LOOP_DIR;
const port = process.env.LOOP_PORT;
const dataDir = process.env.LOOP_DATA_DIR;
if (!dir || !port || !dataDir) throw new Error("LOOP_DIR, LOOP_PORT and LOOP_DATA_DIR are required");
const timeoutMs = Number(process.env.LOOP_TIMEOUT_S ?? 300) * 1000;
const base = `http://127.0.0.1:${port}`;
const loginRs = join(dir, "app/src/pages/login.rs");
const styleCss = join(dir, "style/main.css");
const log = (...a) => console.log("   ", ...a);
const seconds = (msv) => `${(msv / 1000).toFixed(2)} s`;

/// Replaces `from` (which must occur exactly once) by `to` in a file of the copy.
function edit(file, from, to) {
  const text = readFileSync(file, "utf8");
  if (text.split(from).length !== 2) throw new Error(`${file}: expected one "${from}"`);
  writeFileSync(file, text.replace(from, to));
}

// The probes, written before the first build: a literal text inside the login page's
// view!, and an element showing what a plain Rust function (outside any view!) returns.
edit(
  loginRs,
  "        <h1>{t!(i18n, login.title)}</h1>\n",
  "        <h1>{t!(i18n, login.title)}</h1>\n" +
    '        <p id="loop-view">"view-0"</p>\n' +
    '        <p id="loop-rust">{loop_probe()}</p>\n',
);
writeFileSync(loginRs, readFileSync(loginRs, "utf8") + '\nfn loop_probe() -> String {\n    format!("rust-{}", 0)\n}\n');

let watch;
const watchLog = createWriteStream(join(dataDir, "watch.log"));
function startWatch() {
  // The copy's own `./dev watch`: the very watch ./dev run starts.
  const env = { ...process.env, REGAIN_DATA_DIR: dataDir, REGAIN_ADDR: `127.0.0.1:${port}` };
  watch = spawn("./dev", ["watch"], { cwd: dir, env, detached: true });
  watch.stdout.pipe(watchLog, { end: false });
  watch.stderr.pipe(watchLog, { end: false });
}
async function stopWatch() {
  if (!watch || watch.exitCode !== null) return;
  const exited = new Promise((resolve) => watch.once("exit", resolve));
  process.kill(-watch.pid, "SIGTERM");
  await Promise.race([exited, sleep(15_000)]);
  try {
    process.kill(-watch.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
process.on("exit", () => {
  try {
    if (watch) process.kill(-watch.pid, "SIGKILL");
  } catch {
    // already gone
  }
});

/// Milliseconds until /login answers 200 (the watch has built and the server is up).
async function untilServed(since) {
  while (Date.now() - since < timeoutMs) {
    if (watch.exitCode !== null) throw new Error(`./dev watch exited (${watch.exitCode}); see ${dataDir}/watch.log`);
    try {
      const res = await fetch(`${base}/login`);
      if (res.ok) return Date.now() - since;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not come up in ${timeoutMs / 1000} s; see ${dataDir}/watch.log`);
}

/// Polls the page with `probe` (evaluated in it) until it returns true; a reload in
/// between (a destroyed context) is waited out. Returns the milliseconds since `since`.
async function until(page, since, probe, arg) {
  while (Date.now() - since < timeoutMs) {
    try {
      if (await page.evaluate(probe, arg)) return Date.now() - since;
    } catch {
      // the page is reloading
    }
    await sleep(25);
  }
  throw new Error(`the change did not show in ${timeoutMs / 1000} s; see ${dataDir}/watch.log`);
}
const textIs = ([id, text]) => document.getElementById(id)?.textContent === text;
/// A mark set in the page's window: if it is gone, the page was reloaded.
const mark = (page) => page.evaluate(() => (window.__loopMark = true));
const marked = (page) => page.evaluate(() => window.__loopMark === true).catch(() => false);
/// The watch rebuilds after every source change (a patched view too); the next
/// measurement starts once it has restarted the server and reloaded the page.
async function settled(page, since) {
  await until(page, since, () => window.__loopMark !== true && document.readyState === "complete");
  await page.waitForLoadState("networkidle");
  return Date.now() - since;
}

const rows = [];
const row = (what, ms, note) => rows.push({ what, figure: seconds(ms), note });

log("first start of the watch in the copy (compiles the workspace crates at the copy's paths)");
let t = Date.now();
startWatch();
const firstStart = await untilServed(t);
log(`served after ${seconds(firstStart)}`);

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${base}/login`, { waitUntil: "networkidle" });
  await mark(page);

  log("view! text");
  t = Date.now();
  edit(loginRs, '"view-0"', '"view-1"');
  const viewShown = await until(page, t, textIs, ["loop-view", "view-1"]);
  const viewPatched = await marked(page);
  const viewSettled = await settled(page, t);
  await until(page, t, textIs, ["loop-view", "view-1"]);
  row("`view!` text change shown", viewShown, viewPatched ? "patched, no reload" : "**page reloaded**");
  row("… then rebuilt, server restarted, page reloaded", viewSettled, "the watch rebuilds after every change");
  await mark(page);

  log("stylesheet");
  t = Date.now();
  writeFileSync(styleCss, readFileSync(styleCss, "utf8") + "\n#loop-view { outline: 3px solid rgb(1, 2, 3); }\n");
  const styleShown = await until(page, t, () => {
    const el = document.getElementById("loop-view");
    return el !== null && getComputedStyle(el).outlineColor === "rgb(1, 2, 3)";
  });
  const stylePatched = await marked(page);
  row("stylesheet change applied", styleShown, stylePatched ? "no reload" : "**page reloaded**");
  await sleep(2000);
  await mark(page);

  log("Rust function");
  t = Date.now();
  edit(loginRs, 'format!("rust-{}", 0)', 'format!("rust-{}", 1)');
  const rustShown = await until(page, t, textIs, ["loop-rust", "rust-1"]);
  const rustReloaded = !(await marked(page));
  row("Rust logic change shown", rustShown, rustReloaded ? "rebuilt, page reloaded by itself" : "**no reload**");
  await page.close();
} finally {
  await browser.close();
}

log("restart with nothing changed");
await stopWatch();
t = Date.now();
startWatch();
const restart = await untilServed(t);
row("watch restart, nothing changed, until served", restart, "cargo finds all fresh");
row("first start in the copy, until served", firstStart, "compiles the workspace crates once");
await stopWatch();

console.log("\n| change | seconds until the page shows it | how |\n| --- | --- | --- |");
for (const r of rows) console.log(`| ${r.what} | ${r.figure} | ${r.note} |`);
watchLog.end();
process.exit(0);

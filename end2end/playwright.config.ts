import { defineConfig } from "@playwright/test";

// Every spec runs twice: hydrated, and with JavaScript disabled. Specs that need
// JavaScript are named *.hydrate.spec.ts and run only hydrated.
const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"], ["./summary-reporter.ts"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    launchOptions: chromium,
    locale: "en-GB",
    trace: "off",
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false }, testIgnore: /\.hydrate\.spec\.ts$/ },
  ],
});

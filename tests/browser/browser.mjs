// Debian's chromium, headless, driven by playwright-core (no browser
// download): flags as docs/operations.md says for a closed network.
import { chromium } from "playwright-core";

export function launch() {
  const args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args });
}

// A fresh browser profile (cookies, localStorage) at a desktop size.
export function newContext(browser) {
  return browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "sv-SE" });
}

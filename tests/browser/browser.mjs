// Debian's chromium, headless, driven by playwright-core (no browser download).
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export async function launch() {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "skolnav-chromium-"));
  const args = ["--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args, viewport: { width: 1366, height: 900 },
    locale: "sv-SE",
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async () => {
    await close();
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  return ctx;
}

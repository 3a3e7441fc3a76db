// The world of the browser tests: a demo store, admin accounts made with
// `skolnav admin add`, a file source with a batch to hold, and a real
// `skolnav serve`. SKOLNAV_BIN names the binary (default build/skolnav).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
export const BIN = process.env.SKOLNAV_BIN || path.join(ROOT, "build/skolnav");
export const ARTIFACTS = path.join(HERE, "artifacts");

export function cli(...args) {
  return execFileSync(BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
}

export const lastLine = (s) => s.trim().split("\n").pop().trim();

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export function testSchool(i) {
  const hex = i.toString(16).padStart(12, "0");
  return { id: `7e570000-0000-4000-8000-${hex}`, displayName: `Testskola ${String(i).padStart(2, "0")}`, organisationType: "Skolenhet" };
}

export async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skolnav-browser-"));
  const db = path.join(dir, "hub.db");
  cli("demo", "--db", db, "--seed", "1", "--force");
  cli("admin", "settings", "--db", db, "--cookie-secure", "off");
  const accounts = {};
  for (const [user, role] of [["anna", "administrator"], ["arne", "access-manager"], ["vera", "viewer"], ["dora", "dpo"]])
    accounts[user] = lastLine(cli("admin", "add", "--db", db, user, "--role", role));
  const fullKey = lastLine(cli("client", "add", "--db", db, "Testläsare", "--full-access"));
  // A file source owning 40 schools; a snapshot of 20 of them is held.
  cli("source", "add", "--db", db, "sis", "--file");
  const all = path.join(dir, "organisations.json");
  fs.writeFileSync(all, JSON.stringify({ data: Array.from({ length: 40 }, (_, i) => testSchool(i + 1)) }));
  cli("import", "--db", db, "--source", "sis", "--full", all);
  const half = path.join(dir, "half", "organisations.json");
  fs.mkdirSync(path.dirname(half));
  fs.writeFileSync(half, JSON.stringify({ data: Array.from({ length: 20 }, (_, i) => testSchool(i + 1)) }));
  const port = await freePort();
  const log = fs.openSync(path.join(dir, "serve.log"), "w");
  const proc = spawn(BIN, ["serve", "--db", db, "--listen", "127.0.0.1:" + port], { stdio: ["ignore", log, log] });
  const base = "http://127.0.0.1:" + port;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error("serve exited:\n" + fs.readFileSync(path.join(dir, "serve.log"), "utf8"));
    try {
      if ((await fetch(base + "/health")).ok) break;
    } catch (e) {
      /* not yet listening */
    }
    if (i > 300) throw new Error("serve did not answer within 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    dir, db, base, accounts, fullKey, halfFile: half, proc,
    // The SS12000 API with a key: {status, body}.
    async ss(key, p) {
      const r = await fetch(base + "/v2.0" + p, { headers: { Authorization: "Bearer " + key } });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    async ssAll(key, p) {
      const out = [];
      let r = await this.ss(key, p);
      for (let i = 0; i < 50; i++) {
        if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${JSON.stringify(r.body)}`);
        out.push(...r.body.data);
        if (!r.body.pageToken) return out;
        r = await this.ss(key, p.split("?")[0] + "?limit=1000&pageToken=" + encodeURIComponent(r.body.pageToken));
      }
      throw new Error("too many pages");
    },
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
      fs.rmSync(dir, { recursive: true, force: true });
      return proc.exitCode;
    },
    log: () => fs.readFileSync(path.join(dir, "serve.log"), "utf8").slice(-4000),
  };
}

// Signs in through the login page.
export async function login(page, world, user) {
  await page.goto(world.base + "/admin/");
  await page.fill("#login-user", user);
  await page.fill("#login-password", world.accounts[user]);
  await page.click("[data-role=login]");
  await page.waitForSelector(".sidenav");
}

export async function shot(page, name) {
  await page.waitForSelector(".loading", { state: "detached", timeout: 10000 }).catch(() => {});
  await page.screenshot({ path: path.join(ARTIFACTS, name + ".png"), fullPage: true });
}

// Console errors and failed assertions of the page's own: CSP violations,
// uncaught exceptions, dictionary keys missing.
export function watch(page) {
  const problems = [];
  page.on("pageerror", (e) => problems.push("uncaught: " + e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (401|403|404|422)/.test(m.text())) problems.push("console: " + m.text());
  });
  return problems;
}

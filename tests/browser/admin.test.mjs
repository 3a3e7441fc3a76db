// Browser tests of the admin pages (issue 6): Debian's chromium against a
// real `skolnav serve` with the demo, signed in as each role.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext } from "./browser.mjs";
import { cli, login, setup, shot, watch } from "./harness.mjs";

let world, browser, ctx, page, problems;
const state = {};

before(async () => {
  world = await setup();
  browser = await launch();
  ctx = await newContext(browser);
  page = await ctx.newPage();
  problems = watch(page);
});

after(async () => {
  await browser?.close();
  const rc = await world?.stop();
  assert.equal(rc, 0, "serve should stop cleanly");
});

const text = (sel) => page.locator(sel).innerText();
const csrfFetch = (p, method, body, token) => page.evaluate(async ([p, method, body, token]) => {
  const headers = { "Content-Type": "application/json" };
  if (token !== null) headers["X-CSRF-Token"] = token;
  const r = await fetch("/admin/api" + p, { method, headers, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
}, [p, method, body, token]);

test("the Swedish and English dictionaries have the same keys, none empty", async () => {
  const sv = (await import("../../src/admin/ui/js/lang/sv.js")).default;
  const en = (await import("../../src/admin/ui/js/lang/en.js")).default;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(sv).sort());
  for (const d of [sv, en]) for (const [k, v] of Object.entries(d)) assert.ok(typeof v === "string" && v.trim(), k);
});

describe("admin pages", () => {
  test("pages are served with a strict policy and revalidated", async () => {
    const r = await fetch(world.base + "/admin/");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^text\/html/);
    const csp = r.headers.get("content-security-policy");
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(r.headers.get("cache-control"), "no-cache");
    const js = await fetch(world.base + "/admin/static/js/app.js");
    assert.match(js.headers.get("content-type"), /^text\/javascript/);
    const again = await fetch(world.base + "/admin/static/js/app.js", { headers: { "If-None-Match": js.headers.get("etag") } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(world.base + "/admin/static/js/none.js")).status, 404);
    assert.equal((await fetch(world.base + "/admin", { redirect: "manual" })).headers.get("location"), "/admin/");
    const html = await r.text();
    assert.doesNotMatch(html, /<script>|style=/, "no inline script or style");
  });

  test("log in: a wrong password is refused, the right one opens the explorer", async () => {
    await page.goto(world.base + "/admin/");
    await page.waitForSelector("#login-user");
    await shot(page, "01-login");
    await page.fill("#login-user", "anna");
    await page.fill("#login-password", "not-the-password");
    await page.click("[data-role=login]");
    await page.waitForSelector(".login-msg .alert-error");
    assert.match(await text(".login-msg"), /Fel användarnamn eller lösenord/);
    await login(page, world, "anna");
    await page.waitForSelector("table.tree");
    assert.match(await text(".page-head h1"), /Organisationer/);
    assert.match(await text("table.tree"), /Mittköpings kommun/);
    await shot(page, "02-explorer-tree");
    // the historical toggle brings ended organisations
    const before = await page.locator("table.tree tbody tr").count();
    await page.check("[data-role=historical]");
    await page.waitForFunction((n) => document.querySelectorAll("table.tree tbody tr").length > n, before);
  });

  test("explore to a pupil and see guardians and the raw JSON", async () => {
    await page.click("table.tree a:text-is('Almskolan')");
    await page.waitForSelector(".tabs");
    assert.match(await text(".page-head h1"), /Almskolan/);
    assert.equal(await text("[data-role=parent]"), "Grundskoleverksamheten", "the parent by name");
    await page.waitForSelector(".table-wrap table tbody a");
    await shot(page, "03-organisation");
    const pupil = page.locator(".card .table-wrap table tbody a").first();
    const name = await pupil.innerText();
    await pupil.click();
    await page.waitForSelector("[data-role=guardians]");
    assert.equal(await text(".page-head h1"), name);
    const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
    const api = (await world.ss(world.fullKey, "/persons/" + id + "?expandReferenceNames=true")).body;
    const guardians = (api.responsibles || []).map((r) => r.person.displayName).filter(Boolean);
    assert.ok(guardians.length > 0, "a young pupil of the demo has guardians");
    const shown = await page.locator("[data-role=guardians] tbody a").allInnerTexts();
    assert.deepEqual(shown.sort(), guardians.sort());
    await page.click("[data-role=raw] summary");
    const raw = await text("[data-role=raw-json]");
    assert.deepEqual(JSON.parse(raw), api.id ? JSON.parse(raw) : null);
    assert.equal(JSON.parse(raw).id, id);
    assert.ok(await page.locator("[data-role=raw-json] a.j-ref").count() > 0, "references are links");
    await shot(page, "04-person");
    state.pupil = { id, name };
    // a guardian's page says whom they are responsible for
    await page.locator("[data-role=guardians] tbody a").first().click();
    await page.waitForSelector("[data-role=responsible-for] tbody a");
    assert.ok((await page.locator("[data-role=responsible-for] tbody a").allInnerTexts()).includes(name));
  });

  test("person search by name and by civic number", async () => {
    const p = (await world.ss(world.fullKey, "/persons/" + state.pupil.id)).body;
    await page.click("[data-nav='explorer/persons']");
    await page.fill("[data-role=person-q]", p.civicNo.value);
    await page.press("[data-role=person-q]", "Enter");
    await page.waitForSelector(".table-wrap tbody a");
    assert.deepEqual(await page.locator(".table-wrap tbody a").allInnerTexts(), [state.pupil.name]);
    await page.fill("[data-role=person-q]", p.givenName);
    await page.press("[data-role=person-q]", "Enter");
    await page.waitForFunction(() => document.querySelectorAll(".table-wrap tbody tr").length > 1);
    await shot(page, "05-person-search");
  });

  test("create a vendor, grant two schools and categories, preview, save, fetch exactly that", async () => {
    await page.click("[data-nav=vendors]");
    await page.click("[data-role=new-vendor]");
    await page.fill("[data-role=vendor-name]", "Läromedel Test AB");
    await page.fill("dialog [name=vendor]", "Läromedel AB");
    await page.fill("dialog [name=purpose]", "Digitala läromedel");
    await page.click("[data-role=create-vendor]");
    const secret = page.locator("[data-role=secret]");
    await secret.waitFor();
    const key = (await secret.innerText()).trim();
    assert.ok(key.length > 30, "the key is shown once");
    await shot(page, "06-vendor-key-once");
    await page.click("dialog [data-role=close]");
    await page.waitForSelector("[data-role=org-tree] input");
    state.key = key;
    state.vendorUrl = page.url();
    // nothing granted yet: the key sees no organisation
    assert.deepEqual((await world.ss(key, "/organisations")).body.data, []);
    const orgs = await world.ssAll(world.fullKey, "/organisations?limit=1000");
    const school = (n) => orgs.find((o) => o.displayName === n);
    const [alm, hag] = [school("Almskolan"), school("Hagskolan")];
    await page.check(`[data-role=org-tree] input[data-org='${alm.id}']`);
    await page.check(`[data-role=org-tree] input[data-org='${hag.id}']`);
    await page.check("[data-cat='Students']");
    await page.check("[data-cat='Groups']");
    await page.check("[data-cat='Email school']");
    await page.click("[data-role=preview-btn]");
    await page.waitForSelector("[data-role=preview-schools]");
    const preview = await text("[data-role=preview-schools]");
    assert.match(preview, /Almskolan/);
    assert.match(preview, /Hagskolan/);
    assert.match(await text("[data-role=gained-total]"), /personer \d+/);
    await shot(page, "07-permission-preview");
    // the preview saved nothing
    assert.deepEqual((await world.ss(key, "/organisations")).body.data, []);
    await page.click("[data-role=save-permissions]");
    await page.waitForSelector("[data-role=preview] .alert-ok");
    // exactly the two schools, their groups, their pupils; nothing else
    const seen = await world.ssAll(key, "/organisations?limit=1000");
    assert.deepEqual(seen.map((o) => o.id).sort(), [alm.id, hag.id].sort());
    const groups = await world.ssAll(key, "/groups?limit=1000");
    const expectGroups = [...await world.ssAll(world.fullKey, "/groups?limit=1000&organisation=" + alm.id),
      ...await world.ssAll(world.fullKey, "/groups?limit=1000&organisation=" + hag.id)];
    assert.deepEqual(groups.map((g) => g.id).sort(), expectGroups.map((g) => g.id).sort());
    const persons = await world.ssAll(key, "/persons?limit=1000");
    assert.ok(persons.length > 0);
    for (const p of persons) {
      assert.equal(p.civicNo, undefined, "CivicNo was not granted");
      for (const e of p.enrolments || []) assert.ok([alm.id, hag.id].includes(e.enroledAt.id), "enrolments only at the granted schools");
    }
    const enrolled = new Set();
    for (const s of [alm, hag])
      for (const p of await world.ssAll(world.fullKey, `/persons?limit=1000&relationship.organisation=${s.id}&relationship.entity.type=enrolment`)) enrolled.add(p.id);
    for (const id of enrolled) assert.ok(persons.some((p) => p.id === id), "every pupil of the two schools");
    assert.equal((await world.ss(key, "/duties")).status, 403, "Duties was not granted");
    state.seenPerson = persons.find((p) => enrolled.has(p.id)).id;
    state.vendorId = decodeURIComponent(new URL(state.vendorUrl).pathname.split("/").pop());
  });

  test("view as vendor shows the same two schools", async () => {
    await page.goto(state.vendorUrl);
    await page.click("[data-role=view-as]");
    await page.waitForSelector("[data-role=viewas-orgs] table");
    assert.deepEqual((await page.locator("[data-role=viewas-orgs] tbody a").allInnerTexts()).sort(), ["Almskolan", "Hagskolan"]);
    await shot(page, "08-view-as");
    await page.click("[data-role=viewas-orgs] tbody a:text-is('Almskolan')");
    await page.waitForSelector(".card .table-wrap tbody a");
    await page.locator(".card .table-wrap tbody a").first().click();
    await page.waitForSelector("[data-role=raw-json]");
    const raw = JSON.parse(await text("[data-role=raw-json]"));
    assert.equal(raw.civicNo, undefined, "the vendor's view has no civic number");
    await shot(page, "09-view-as-person");
  });

  test("emergency stop: confirmed by name, then the API refuses the key", async () => {
    await page.goto(state.vendorUrl);
    await page.click("[data-role=stop]");
    const ok = page.locator("dialog [data-role=confirm]");
    assert.equal(await ok.isDisabled(), true, "confirm waits for the name");
    await shot(page, "10-stop-confirm");
    await page.fill("dialog input", "Läromedel Test AB");
    await ok.click();
    await page.waitForSelector("[data-role=resume]");
    assert.match(await text(".page-head [data-role=status]"), /Stoppad/);
    const r = await world.ss(state.key, "/organisations");
    assert.ok([401, 403].includes(r.status), "stopped: " + r.status);
    await shot(page, "11-vendor-stopped");
    await page.click("[data-role=resume]");
    await page.click("dialog [data-role=confirm]");
    await page.waitForSelector("[data-role=stop]");
    assert.equal((await world.ss(state.key, "/organisations")).status, 200);
  });

  test("global emergency stop, typed confirmation, lifted again", async () => {
    await page.click("[data-nav=vendors]");
    await page.waitForSelector("[data-role=global-stop]");
    await shot(page, "12-vendors");
    await page.click("[data-role=global-stop]");
    await page.fill("dialog input", "STOP ALL");
    await page.click("dialog [data-role=confirm]");
    await page.waitForSelector("[data-role=global-resume]");
    assert.ok([401, 403].includes((await world.ss(state.key, "/organisations")).status));
    assert.ok([401, 403].includes((await world.ss(world.fullKey, "/organisations")).status));
    await page.click("[data-role=global-resume]");
    await page.click("dialog [data-role=confirm]");
    await page.waitForSelector("[data-role=global-stop]");
    assert.equal((await world.ss(state.key, "/organisations")).status, 200);
  });

  test("key rotation shows the new key once and the old one still works in the grace period", async () => {
    await page.goto(state.vendorUrl);
    await page.click("[data-role=rotate]");
    await page.click("dialog [data-role=confirm]");
    const fresh = (await page.locator("[data-role=secret]").innerText()).trim();
    assert.notEqual(fresh, state.key);
    await page.click("dialog [data-role=close]");
    assert.equal((await world.ss(fresh, "/organisations")).status, 200);
    assert.equal((await world.ss(state.key, "/organisations")).status, 200);
    // revoke the old key: confirmed, then refused
    await page.waitForSelector("[data-role=revoke]");
    const rows = page.locator("[data-role=revoke]");
    assert.equal(await rows.count(), 2);
    await rows.first().click();
    await page.click("dialog [data-role=confirm]");
    await page.waitForFunction(() => document.querySelectorAll("[data-role=revoke]").length === 1);
    const codes = [(await world.ss(state.key, "/organisations")).status, (await world.ss(fresh, "/organisations")).status].sort();
    assert.deepEqual(codes, [200, 401], "one key revoked, the other works");
    state.live = (await world.ss(fresh, "/organisations")).status === 200 ? fresh : state.key;
    await shot(page, "13-vendor-keys");
  });

  test("import a mass change: held, then approved", async () => {
    await page.click("[data-nav=sources]");
    await page.click("[data-role=import][data-source=sis]");
    await page.setInputFiles("[data-role=import-file]", world.halfFile);
    await page.check("[data-role=import-full]");
    await page.click("[data-role=upload]");
    await page.waitForSelector("[data-role=import-result] [data-status]");
    assert.equal(await page.locator("[data-role=import-result] [data-status]").getAttribute("data-status"), "held");
    assert.equal(await page.locator("[data-role=import-progress]").evaluate((e) => e.value), 100);
    await shot(page, "14-import-held");
    await page.click("dialog [data-role=close]");
    await page.waitForSelector("[data-role=held] [data-held]");
    assert.match(await text("[data-role=held]"), /20 of 40 deleted/);
    assert.equal((await world.ss(world.fullKey, "/organisations/7e570000-0000-4000-8000-000000000028")).status, 200);
    await shot(page, "15-sources-held");
    await page.click("[data-role=held] [data-role=approve]");
    await page.click("dialog [data-role=confirm]");
    await page.waitForSelector("[data-role=held] .empty");
    assert.equal((await world.ss(world.fullKey, "/organisations/7e570000-0000-4000-8000-000000000028")).status, 404);
    assert.equal((await world.ss(world.fullKey, "/organisations/7e570000-0000-4000-8000-000000000001")).status, 200);
  });

  test("a pupil's disclosures are in the ledger, printable and as CSV", async () => {
    await page.goto(world.base + "/admin/explorer/persons/" + state.seenPerson);
    await page.click("[data-role=to-ledger]");
    await page.waitForSelector("[data-role=ledger] table", { timeout: 5000 }).catch(async (e) => {
      throw new Error("no ledger: " + page.url() + " " + (await text("main")));
    });
    assert.match(await text("[data-role=ledger]"), /Läromedel Test AB/);
    await shot(page, "16-ledger");
    const csv = await page.evaluate(async (href) => (await fetch(href)).text(), await page.locator("[data-role=csv]").getAttribute("href"));
    assert.match(csv.split("\n")[0], /^vendor,vendor_name,channel,categories,first,last/);
    assert.match(csv, new RegExp(state.vendorId));
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".sidenav").isVisible(), false, "the extract prints without the navigation");
    await page.emulateMedia({ media: "screen" });
  });

  test("request log, admin audit trail and the other screens", async () => {
    await page.click("[data-nav=audit]");
    await page.waitForSelector(".table-wrap tbody tr");
    assert.match(await text(".table-wrap"), /Läromedel Test AB/);
    await shot(page, "17-request-log");
    await page.click("[data-nav=admin-audit]");
    await page.waitForSelector(".table-wrap tbody tr");
    const actions = await page.locator("[data-action]").evaluateAll((els) => els.map((e) => e.dataset.action));
    for (const a of ["login", "vendor-created", "grant-changed", "vendor-stopped", "global-stop", "key-rotated", "batch-approved"])
      assert.ok(actions.includes(a), "audit trail has " + a);
    await shot(page, "18-admin-audit");
    // a vendor's report shows under reports
    const posted = await fetch(world.base + "/v2.0/log/", { method: "POST", headers: { Authorization: "Bearer " + state.live, "Content-Type": "application/json" },
      body: JSON.stringify({ message: "courseCode MAT101 kan inte mappas", messageType: "ValueMapping", severityLevel: "Warning" }) });
    assert.equal(posted.status, 201);
    await page.click("[data-nav=reports]");
    await page.waitForSelector(".table-wrap tbody tr");
    assert.match(await text(".table-wrap"), /MAT101/);
    assert.match(await text(".table-wrap"), /Läromedel Test AB/);
    for (const [nav, name] of [["reports", "20-reports"], ["quality", "19-quality"], ["accounts", "21-accounts"], ["api-docs", "22-api-docs"]]) {
      await page.click(`[data-nav='${nav}']`);
      await page.waitForSelector(".page-head h1");
      await shot(page, name);
    }
    assert.ok(await page.locator("details.op").count() > 60, "every operation of the OpenAPI document");
  });

  test("English is selectable and kept", async () => {
    await page.selectOption(".topbar [data-role=lang]", "en");
    await page.waitForSelector("[data-nav=vendors]:has-text('Vendors')");
    await page.reload();
    await page.waitForSelector("[data-nav=vendors]:has-text('Vendors')");
    await page.click("[data-nav=explorer]");
    await page.waitForSelector("table.tree");
    assert.match(await text(".page-head h1"), /Organisations/);
    await shot(page, "23-english");
    await page.selectOption(".topbar [data-role=lang]", "sv");
  });

  test("CSRF: a state change without the session's token is refused and changes nothing", async () => {
    const before = (await page.evaluate(async () => (await (await fetch("/admin/api/vendors")).json()).items.length));
    for (const token of [null, "0".repeat(64)]) {
      const r = await csrfFetch("/vendors", "POST", { name: "Smuggled" }, token);
      assert.equal(r.status, 403);
      assert.equal(r.body.code, "CSRF_TOKEN_INVALID");
    }
    const r = await csrfFetch("/stop", "POST", { on: true, confirm: "STOP ALL" }, null);
    assert.equal(r.status, 403);
    const afterN = await page.evaluate(async () => (await (await fetch("/admin/api/vendors")).json()).items.length);
    assert.equal(afterN, before);
    assert.equal((await world.ss(world.fullKey, "/organisations?limit=1")).status, 200, "no stop went through");
  });

  test("a viewer sees no controls and the API refuses changes", async () => {
    const vctx = await newContext(browser);
    const vp = await vctx.newPage();
    const vproblems = watch(vp);
    await login(vp, world, "vera");
    const navs = await vp.locator("[data-nav]").evaluateAll((els) => els.map((e) => e.dataset.nav));
    assert.deepEqual(navs.filter((n) => !["explorer", "explorer/persons", "quality", "api-docs"].includes(n)), []);
    await vp.goto(world.base + "/admin/vendors");
    await vp.waitForSelector("[data-role=forbidden]");
    assert.equal(await vp.locator("[data-role=new-vendor], [data-role=global-stop]").count(), 0);
    await shot(vp, "24-viewer-forbidden");
    await vp.goto(world.base + "/admin/explorer/persons/" + state.pupil.id);
    await vp.waitForSelector("[data-role=guardians]");
    assert.equal(await vp.locator("main button:not([type=submit]):not(.tab)").count(), 0, "no buttons that change anything");
    assert.equal(await vp.locator("[data-role=to-ledger]").count(), 0, "no link to the audit screens");
    const token = await vp.evaluate(async () => (await (await fetch("/admin/api/me")).json()).csrfToken);
    for (const [p, m, b] of [["/vendors", "POST", { name: "x" }], ["/stop", "POST", { on: true, confirm: "STOP ALL" }],
      ["/accounts", "POST", { user: "eve", role: "administrator" }], [`/vendors/${state.vendorId}/stop`, "POST", { confirm: "Läromedel Test AB" }]]) {
      const r = await vp.evaluate(async ([p, m, b, token]) => {
        const r = await fetch("/admin/api" + p, { method: m, headers: { "Content-Type": "application/json", "X-CSRF-Token": token }, body: JSON.stringify(b) });
        return { status: r.status, body: await r.json().catch(() => null) };
      }, [p, m, b, token]);
      assert.equal(r.status, 403, p);
      assert.equal(r.body.code, "FORBIDDEN");
    }
    assert.equal((await world.ss(state.live, "/organisations?limit=1")).status, 200, "the viewer stopped nothing");
    assert.deepEqual(vproblems, []);
    await vctx.close();
  });

  test("a data protection officer reads the audit screens only", async () => {
    const dctx = await newContext(browser);
    const dp = await dctx.newPage();
    await login(dp, world, "dora");
    const navs = await dp.locator("[data-nav]").evaluateAll((els) => els.map((e) => e.dataset.nav));
    assert.deepEqual(navs.sort(), ["admin-audit", "api-docs", "audit", "audit/ledger", "reports"]);
    await dctx.close();
  });

  test("session expiry: the next action asks for a new login", async () => {
    const ectx = await newContext(browser);
    const ep = await ectx.newPage();
    await login(ep, world, "arne");
    await ep.waitForSelector("table");
    cli("admin", "settings", "--db", world.db, "--idle-timeout", "1");
    try {
      await new Promise((r) => setTimeout(r, 2500));
      await ep.click("[data-nav='view-as']");
      await ep.waitForSelector("#login-user");
      assert.match(await ep.locator(".login-msg").innerText(), /gått ut/);
      await shot(ep, "25-session-expired");
    } finally {
      cli("admin", "settings", "--db", world.db, "--idle-timeout", "1800");
    }
    // signing in again lands where the user was going
    await ep.fill("#login-user", "arne");
    await ep.fill("#login-password", world.accounts.arne);
    await ep.click("[data-role=login]");
    await ep.waitForSelector(".page-head h1:has-text('Visa som leverantör')");
    await ectx.close();
  });

  test("the login page offers the municipality's identity provider when OIDC is configured", async () => {
    const octx = await newContext(browser);
    const op = await octx.newPage();
    await op.goto(world.base + "/admin/");
    await op.waitForSelector("#login-user");
    assert.equal(await op.locator("[data-role=oidc]").count(), 0, "not configured: no button");
    cli("admin", "oidc", "--db", world.db, "--issuer", "http://127.0.0.1:9/idp", "--client-id", "skolnav",
      "--redirect-uri", world.base + "/admin/api/oidc/callback", "--role-claim", "groups", "--roles", "it=administrator");
    try {
      await op.reload();
      await op.waitForSelector("[data-role=oidc]");
      assert.equal(await op.locator("[data-role=oidc]").getAttribute("href"), "/admin/api/oidc/start");
      assert.match(await op.locator("[data-role=oidc]").innerText(), /kommunens inloggning/);
      await shot(op, "26-login-oidc");
    } finally {
      cli("admin", "oidc", "--db", world.db, "--off");
    }
    await octx.close();
  });

  test("logout ends the session", async () => {
    await page.click("[data-role=logout]");
    await page.waitForSelector("#login-user");
    const r = await page.evaluate(async () => (await fetch("/admin/api/me")).status);
    assert.equal(r, 401);
  });

  test("no page error, no CSP violation, no missing translation", async () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => window.skolnavMissing), []);
  });
});

// Vendors (API clients): the list, a vendor's contract, credentials,
// the permission editor with a preview of the change, and the stops.
import { h, clear, icon, fmtTime, fmtNum } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, listTable, emptyState, errorBox, notice, loading, badge, kv, button, toast, confirmDialog, secretDialog, buildTree, errorText } from "../widgets.js";
import { state, loadMeta, go, render } from "../app.js";
import { mayChangeVendors } from "../roles.js";

const enc = encodeURIComponent;
const STATUS_KIND = { active: "ok", suspended: "danger", stopped: "danger", expired: "neutral" };
export const statusBadge = (s) => h("span", { "data-role": "status" }, badge(t("vendor.status." + s), STATUS_KIND[s] || "neutral"));
const CONTRACT = ["vendor", "contact", "dataProtectionContact", "purpose", "legalBasis", "contractEnd"];

export async function list(main) {
  const [res, stop] = await Promise.all([api("GET", "/vendors"), api("GET", "/stop")]);
  const canChange = mayChangeVendors(state.me.role);
  const stopBtn = !canChange ? null : stop.globalStop
    ? button(t("vendor.globalResume"), () => globalStop(false), { kind: "primary", icon: "play", dataset: { role: "global-resume" } })
    : button(t("vendor.globalStop"), () => globalStop(true), { kind: "danger", icon: "stop", dataset: { role: "global-stop" } });
  clear(main,
    pageHeader(t("screen.vendors"), t("vendor.listSub"),
      canChange ? button(t("vendor.new"), () => createVendor(), { kind: "primary", icon: "plus", dataset: { role: "new-vendor" } }) : null, stopBtn),
    stop.globalStop ? notice(t("vendor.globalStopOn"), "error") : null,
    card(null, listTable([
      { label: t("col.name"), cell: (v) => h("a", { href: "/admin/vendors/" + enc(v.id) }, v.name) },
      { label: t("col.vendor"), cell: (v) => v.vendor || "–" },
      { label: t("col.status"), cell: (v) => [statusBadge(v.status), v.fullAccess ? badge(t("vendor.fullAccess"), "warn") : null,
        v.serviceProvider ? badge(t("vendor.serviceProvider"), "neutral") : null] },
      { label: t("col.lastCall"), cell: (v) => fmtTime(v.lastCall), cls: "nowrap" },
      { label: t("col.requests30d"), cell: (v) => fmtNum(v.requests30d), cls: "num" },
      { label: t("col.persons30d"), cell: (v) => fmtNum(v.persons30d), cls: "num" },
      { label: t("col.failingWebhooks"), cell: (v) => (v.failingWebhooks ? badge(fmtNum(v.failingWebhooks), "danger") : "0"), cls: "num" },
    ], res.items, t("vendor.none"))));

  async function globalStop(on) {
    const ok = on
      ? await confirmDialog({ title: t("vendor.globalStopTitle"), body: h("p", t("vendor.globalStopBody")), confirmLabel: t("vendor.globalStop"), danger: true, typeToConfirm: "STOP ALL" })
      : await confirmDialog({ title: t("vendor.globalResumeTitle"), body: h("p", t("vendor.globalResumeBody")), confirmLabel: t("vendor.globalResume") });
    if (!ok) return;
    try {
      await api("POST", "/stop", on ? { on: true, confirm: "STOP ALL" } : { on: false });
      state.meta = null;
      await loadMeta().catch(() => {});
      toast(on ? t("vendor.globalStopped") : t("vendor.globalResumed"), on ? "error" : "ok");
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
}

function contractFields(v = {}) {
  return CONTRACT.map((k) => h("label.field", h("span", t("vendor.f." + k)),
    k === "purpose" || k === "legalBasis"
      ? h("textarea.input", { name: k, rows: 2 }, v[k] || "")
      : h("input.input", { name: k, type: k === "contractEnd" ? "date" : "text", value: v[k] || "" })));
}

function formValues(form) {
  const out = {};
  for (const el of form.querySelectorAll("[name]")) out[el.name] = el.value.trim() === "" ? null : el.value.trim();
  return out;
}

async function createVendor() {
  const err = h("div");
  const name = h("input.input", { name: "name", required: true, "data-role": "vendor-name" });
  const form = h("form.form", h("label.field", h("span", t("vendor.f.name") + " *"), name), contractFields());
  const d = h("dialog.dialog.dialog-wide", h("h2", t("vendor.new")), h("div.dialog-body", err, form),
    h("div.dialog-actions",
      button(t("common.cancel"), () => { d.close(); d.remove(); }),
      button(t("vendor.create"), submit, { kind: "primary", dataset: { role: "create-vendor" } })));
  document.body.appendChild(d);
  d.showModal();
  name.focus();
  async function submit() {
    const body = formValues(form);
    if (!body.name) return clear(err, notice(t("vendor.nameRequired"), "error"));
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    try {
      const res = await api("POST", "/vendors", body);
      d.close();
      d.remove();
      await secretDialog({ title: t("vendor.keyCreated"), secret: res.key, note: t("vendor.keyOnce") });
      go("vendors/" + res.id);
    } catch (e) {
      clear(err, errorBox(e));
    }
  }
}

export async function page(main, [id]) {
  const v = await api("GET", "/vendors/" + enc(id));
  const canChange = mayChangeVendors(state.me.role);
  const stopped = v.status === "suspended" || v.status === "stopped";
  const contract = h("form.form.grid-form", { "data-role": "contract" }, contractFields(v));
  if (!canChange) contract.querySelectorAll("input,textarea").forEach((x) => (x.disabled = true));
  const perm = h("div", loading());
  clear(main,
    pageHeader(v.name, v.vendor || t("vendor.pageSub"), statusBadge(v.status),
      h("a.btn", { href: "/admin/view-as/" + enc(id), "data-role": "view-as" }, icon("eye"), t("vendor.viewAs")),
      !canChange ? null : stopped
        ? button(t("vendor.resume"), resume, { kind: "primary", icon: "play", dataset: { role: "resume" } })
        : button(t("vendor.stop"), stop, { kind: "danger", icon: "stop", dataset: { role: "stop" } })),
    stopped ? notice(t("vendor.stoppedNotice"), "error") : null,
    v.fullAccess ? notice(t("vendor.fullAccessNotice"), "warn") : null,
    h("div.grid2",
      card(t("vendor.contract"), contract,
        canChange ? h("div.form-actions", button(t("common.save"), saveContract, { kind: "primary", dataset: { role: "save-contract" } })) : null,
        kv([[t("col.created"), fmtTime(v.created)], [t("col.id"), h("code", v.id)]])),
      card(t("vendor.keys"),
        listTable([
          { label: t("col.keyId"), cell: (k) => h("code", k.keyId) },
          { label: t("col.created"), cell: (k) => fmtTime(k.created) },
          { label: t("col.expires"), cell: (k) => (k.expires ? fmtTime(k.expires) : t("vendor.never")) },
          { label: t("col.status"), cell: (k) => (k.revoked ? badge(t("vendor.revoked"), "neutral") : badge(t("vendor.keyActive"), "ok")) },
          { label: "", cell: (k) => (canChange && !k.revoked ? button(t("vendor.revoke"), () => revoke(k.keyId), { kind: "danger-ghost", dataset: { role: "revoke", key: k.keyId } }) : null) },
        ], v.keys, t("vendor.noKeys")),
        canChange ? h("div.form-actions",
          button(t("vendor.newKey"), newKey, { icon: "plus", dataset: { role: "new-key" } }),
          button(t("vendor.rotate"), rotate, { icon: "refresh", dataset: { role: "rotate" } })) : null)),
    card(t("vendor.permissions"), perm),
    h("div.grid2",
      card(t("vendor.webhooks"), listTable([
        { label: t("col.name"), cell: (w) => w.name || w.id },
        { label: t("col.target"), cell: (w) => h("code", w.target) },
        { label: t("col.status"), cell: (w) => (w.failing ? [badge(t("vendor.failing"), "danger"), " ", w.lastError || ""] : badge(t("vendor.ok"), "ok")) },
      ], v.webhooks, t("vendor.noWebhooks"))),
      card(t("vendor.events"), listTable([
        { label: t("col.time"), cell: (e) => fmtTime(e.at), cls: "nowrap" },
        { label: t("col.what"), cell: (e) => e.what },
      ], v.events, t("vendor.noEvents")))));
  permissionEditor(perm, v, canChange).catch((e) => clear(perm, errorBox(e)));

  async function saveContract() {
    const body = formValues(contract);
    try {
      await api("PATCH", "/vendors/" + enc(id), body);
      toast(t("common.saved"));
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function stop() {
    const ok = await confirmDialog({ title: t("vendor.stopTitle", { name: v.name }), body: h("p", t("vendor.stopBody")), confirmLabel: t("vendor.stop"), danger: true, typeToConfirm: v.name });
    if (!ok) return;
    try {
      await api("POST", "/vendors/" + enc(id) + "/stop", { confirm: v.name });
      toast(t("vendor.stopped", { name: v.name }), "error");
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function resume() {
    if (!(await confirmDialog({ title: t("vendor.resumeTitle", { name: v.name }), body: h("p", t("vendor.resumeBody")), confirmLabel: t("vendor.resume") }))) return;
    try {
      await api("POST", "/vendors/" + enc(id) + "/resume");
      toast(t("vendor.resumed", { name: v.name }));
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function newKey() {
    try {
      const k = await api("POST", "/vendors/" + enc(id) + "/keys", { expiresAt: null });
      await secretDialog({ title: t("vendor.keyCreated"), secret: k.key, note: t("vendor.keyOnce") });
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function rotate() {
    const grace = h("select.input", { name: "grace" }, [[86400, "grace.day"], [3600, "grace.hour"], [604800, "grace.week"], [0, "grace.now"]].map(([s, k]) => h("option", { value: s }, t(k))));
    if (!(await confirmDialog({ title: t("vendor.rotateTitle"), body: [h("p", t("vendor.rotateBody")), h("label.field", h("span", t("vendor.grace")), grace)], confirmLabel: t("vendor.rotate") }))) return;
    try {
      const k = await api("POST", "/vendors/" + enc(id) + "/keys/rotate", { graceSeconds: Number(grace.value) });
      await secretDialog({ title: t("vendor.keyCreated"), secret: k.key, note: t("vendor.keyOnce") });
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function revoke(keyId) {
    if (!(await confirmDialog({ title: t("vendor.revokeTitle"), body: h("p", t("vendor.revokeBody", { key: keyId })), confirmLabel: t("vendor.revoke"), danger: true }))) return;
    try {
      await api("POST", "/vendors/" + enc(id) + "/keys/" + enc(keyId) + "/revoke");
      toast(t("vendor.keyRevoked"));
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
}

// The permission editor: organisations (each with everything below it),
// categories, protected identities, pseudonyms and writes. Save goes through
// a preview of what the vendor gains and loses.
async function permissionEditor(box, v, canChange) {
  const id = v.id;
  const [cur, meta] = await Promise.all([api("GET", "/vendors/" + enc(id) + "/permissions"), loadMeta()]);
  let orgs = null, orgErr = null;
  try {
    orgs = (await api("GET", "/explorer/organisations?historical=1")).items;
  } catch (e) {
    orgErr = e;
  }
  const picked = new Set(cur.organisations);
  const all = h("input", { type: "checkbox", checked: cur.allOrganisations, "data-role": "all-orgs", disabled: !canChange });
  const treeBox = h("div.checktree", { "data-role": "org-tree" });
  const boxes = new Map();
  if (orgs) {
    const walk = (nodes, depth, parentPicked) => nodes.map((n) => {
      const cb = h("input", { type: "checkbox", value: n.org.id, checked: picked.has(n.org.id) || parentPicked, disabled: !canChange || parentPicked, dataset: { org: n.org.id, name: n.org.displayName || "" } });
      boxes.set(n.org.id, { cb, node: n });
      cb.addEventListener("change", () => {
        if (cb.checked) picked.add(n.org.id);
        else picked.delete(n.org.id);
        refreshTree();
      });
      return h("li", h("label.check", cb, h("span", n.org.displayName || n.org.id), h("span.muted", " " + tOr("orgType.", n.org.organisationType || ""))),
        n.children.length ? h("ul", walk(n.children, depth + 1, picked.has(n.org.id) || parentPicked)) : null);
    });
    treeBox.append(h("ul", walk(buildTree(orgs, (o) => o.parent), 0, false)));
  } else {
    treeBox.append(notice(t("perm.noTree") + " " + errorText(orgErr), "warn"),
      listTable([{ label: t("col.id"), cell: (x) => h("code", x) }], cur.organisations, t("perm.noOrgs")));
  }
  // A checked organisation includes everything below it: shown checked and fixed.
  function refreshTree() {
    const mark = (nodes, above) => nodes.forEach((n) => {
      const b = boxes.get(n.org.id);
      b.cb.checked = above || picked.has(n.org.id);
      b.cb.disabled = !canChange || above || all.checked;
      mark(n.children, above || picked.has(n.org.id));
    });
    if (orgs) mark(buildTree(orgs, (o) => o.parent), all.checked);
  }
  all.addEventListener("change", refreshTree);
  const cats = meta.categories.map((c) => h("label.check", h("input", { type: "checkbox", value: c, checked: c.toUpperCase() === "STANDARD" || cur.categories.includes(c), disabled: !canChange || c.toUpperCase() === "STANDARD", dataset: { cat: c } }), h("span", tOr("cat.", c))));
  const prot = h("select.input", { "data-role": "protected", disabled: !canChange }, ["exclude", "alias", "full"].map((m) => h("option", { value: m, selected: cur.protectedIdentities === m }, t("perm.protected." + m))));
  const pseud = h("input", { type: "checkbox", checked: cur.pseudonyms, "data-role": "pseudonyms", disabled: !canChange });
  const writes = h("input", { type: "checkbox", checked: cur.writes, "data-role": "writes", disabled: !canChange });
  const result = h("div", { "data-role": "preview" });
  clear(box,
    h("div.perm-grid",
      h("div", h("h3", t("perm.organisations")), h("p.hint", t("perm.orgHint")),
        h("label.check.strong", all, h("span", t("perm.allOrgs"))), treeBox),
      h("div",
        h("h3", t("perm.categories")), h("div.checkgrid", { "data-role": "categories" }, cats),
        h("h3", t("perm.options")),
        h("label.field", h("span", t("perm.protectedLabel")), prot),
        h("label.check", pseud, h("span", t("perm.pseudonyms"))),
        h("label.check", writes, h("span", t("perm.writes"))))),
    canChange ? h("div.form-actions", button(t("perm.preview"), preview, { kind: "primary", icon: "eye", dataset: { role: "preview-btn" } })) : notice(t("perm.readOnly")),
    result);
  refreshTree();

  function grant() {
    return {
      allOrganisations: all.checked,
      organisations: all.checked ? [] : [...picked],
      categories: cats.map((l) => l.querySelector("input")).filter((x) => x.checked).map((x) => x.value),
      protectedIdentities: prot.value,
      pseudonyms: pseud.checked,
      writes: writes.checked,
    };
  }
  async function preview() {
    const g = grant();
    clear(result, loading());
    let p;
    try {
      p = await api("POST", "/vendors/" + enc(id) + "/permissions/preview", g);
    } catch (e) {
      return clear(result, errorBox(e));
    }
    // only the kinds that change somewhere, persons and groups first
    const order = ["persons", "groups", "organisations"];
    const kinds = [...new Set(p.schools.flatMap((s) => [...Object.entries(s.gained || {}), ...Object.entries(s.lost || {})].filter(([, n]) => n).map(([k]) => k)))]
      .sort((a, b) => ((order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99)) || a.localeCompare(b));
    const change = (n, sign) => (n ? h("span." + (sign > 0 ? "gain" : "loss"), (sign > 0 ? "+" : "−") + fmtNum(n)) : h("span.muted", "0"));
    const tot = (side) => Object.entries(p.totals[side] || {}).filter(([, n]) => n).map(([k, n]) => tOr("kind.", k) + " " + fmtNum(n)).join(", ") || t("perm.nothing");
    const big = g.allOrganisations || (p.totals.gained.persons || 0) > 1000;
    clear(result, h("div.preview",
      h("h3", t("perm.previewTitle")),
      big ? notice(t("perm.bigWarning"), "warn") : null,
      kv([[t("perm.gains"), h("span", { "data-role": "gained-total" }, tot("gained"))], [t("perm.loses"), h("span", { "data-role": "lost-total" }, tot("lost"))],
        [t("perm.catsGained"), (p.categories.gained || []).map((c) => tOr("cat.", c)).join(", ") || t("perm.nothing")],
        [t("perm.catsLost"), (p.categories.lost || []).map((c) => tOr("cat.", c)).join(", ") || t("perm.nothing")],
        [t("perm.fieldsGained"), h("span", { "data-role": "fields-gained" }, (p.fields.gained || []).join(", ") || t("perm.nothing"))],
        [t("perm.fieldsLost"), (p.fields.lost || []).join(", ") || t("perm.nothing")]]),
      p.schools.length ? h("div.table-wrap", h("table.table", { "data-role": "preview-schools" },
        h("thead", h("tr", h("th", t("col.school")), kinds.map((k) => h("th.num", tOr("kind.", k))))),
        h("tbody", p.schools.map((s) => h("tr", h("td", s.displayName || s.id),
          kinds.map((k) => h("td.num", change((s.gained || {})[k], 1), " ", change((s.lost || {})[k], -1)))))))) : emptyState(t("perm.noSchools")),
      h("div.form-actions",
        button(t("common.cancel"), () => clear(result)),
        button(t("perm.save"), save, { kind: "primary", dataset: { role: "save-permissions" } }))));
    async function save() {
      try {
        await api("PUT", "/vendors/" + enc(id) + "/permissions", g);
        toast(t("perm.saved"));
        clear(result, notice(t("perm.saved"), "ok"));
      } catch (e) {
        clear(result, errorBox(e));
      }
    }
  }
}

// View as vendor: the SS12000 API exactly as one vendor sees it, through
// its access view (GET /admin/api/vendors/{id}/view-as, nothing recorded).
import { h, clear, icon } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, listTable, emptyState, errorBox, notice, loading, button, jsonView, dataTable } from "../widgets.js";
import { orgTreeTable } from "./explorer.js";
import { statusBadge } from "./vendors.js";

const enc = encodeURIComponent;
const base = (vid) => "/admin/view-as/" + enc(vid);

// One API call as the vendor: {status, body}.
export function asVendor(vid, path) {
  return api("GET", "/vendors/" + enc(vid) + "/view-as?path=" + enc(path));
}

function apiRefusal(res) {
  const b = res.body || {};
  return h("div", { "data-role": "api-status" }, notice(t("viewas.refused", { status: res.status }) + " " + (b.code || "") + (b.message ? ": " + b.message : ""), "error"));
}

async function header(main, vid, sub) {
  const v = await api("GET", "/vendors/" + enc(vid));
  const pathForm = h("a.btn", { href: base(vid) + "/path" }, icon("doc"), t("viewas.anyPath"));
  main.append(pageHeader(t("viewas.title", { name: v.name }), sub, statusBadge(v.status),
    h("a.btn", { href: base(vid) }, icon("tree"), t("viewas.orgs")), pathForm),
  notice(t("viewas.notice"), "info"));
  return v;
}

export async function choose(main) {
  const res = await api("GET", "/vendors");
  clear(main, pageHeader(t("screen.view-as"), t("viewas.chooseSub")),
    card(null, listTable([
      { label: t("col.name"), cell: (v) => h("a", { href: base(v.id), dataset: { vendor: v.id } }, v.name) },
      { label: t("col.vendor"), cell: (v) => v.vendor || "–" },
      { label: t("col.status"), cell: (v) => statusBadge(v.status) },
    ], res.items, t("vendor.none"))));
}

// Every page of a list (the organisations), bounded.
async function walk(vid, path, max = 20) {
  const out = [];
  let res = await asVendor(vid, path);
  for (let i = 0; ; i++) {
    if (res.status !== 200) return { res };
    out.push(...(res.body.data || []));
    if (!res.body.pageToken || i >= max) break;
    res = await asVendor(vid, path.split("?")[0] + "?pageToken=" + enc(res.body.pageToken));
  }
  return { items: out };
}

export async function orgs(main, [vid]) {
  clear(main);
  await header(main, vid, t("viewas.orgsSub"));
  const { res, items } = await walk(vid, "/organisations?limit=1000");
  if (res) return main.append(card(null, apiRefusal(res)));
  const flat = items.map((o) => ({ ...o, parent: o.parentOrganisation ? o.parentOrganisation.id : null }));
  main.append(card(t("viewas.orgCount", { n: items.length }), h("div", { "data-role": "viewas-orgs" },
    items.length ? orgTreeTable(flat, (o) => base(vid) + "/organisations/" + enc(o.id), (o) => o.parent) : emptyState(t("viewas.noOrgs")))));
}

// A list through page tokens: previous pages kept on a stack.
function tokenList(vid, first, columns, empty) {
  const box = h("div");
  const pages = [first];
  let at = 0;
  async function load() {
    clear(box, loading());
    const res = await asVendor(vid, pages[at]).catch((e) => ({ error: e }));
    if (res.error) return clear(box, errorBox(res.error));
    if (res.status !== 200) return clear(box, apiRefusal(res));
    const items = res.body.data || [];
    if (!items.length && at === 0) return clear(box, emptyState(empty));
    const next = res.body.pageToken;
    if (next) pages[at + 1] = first.split("?")[0] + "?limit=25&pageToken=" + enc(next);
    clear(box, h("div.table-wrap", dataTable(columns, items)),
      at > 0 || next ? h("nav.pager",
        button(t("pager.prev"), () => { at--; load(); }, { disabled: at === 0 }),
        button(t("pager.next"), () => { at++; load(); }, { disabled: !next })) : null);
  }
  load();
  return box;
}

export async function org(main, [vid, oid]) {
  clear(main);
  await header(main, vid, t("viewas.orgSub"));
  const res = await asVendor(vid, "/organisations/" + oid);
  if (res.status !== 200) return main.append(card(null, apiRefusal(res)));
  const o = res.body;
  const pcols = [
    { label: t("col.name"), cell: (p) => h("a", { href: base(vid) + "/persons/" + enc(p.id) }, [p.givenName, p.familyName].filter(Boolean).join(" ") || p.id) },
    { label: t("col.civicNo"), cell: (p) => (p.civicNo && p.civicNo.value) || "–", cls: "mono" },
  ];
  main.append(h("h2.section", o.displayName),
    card(t("viewas.persons"), tokenList(vid, "/persons?limit=25&relationship.organisation=" + enc(oid), pcols, t("viewas.noPersons"))),
    card(t("viewas.groups"), tokenList(vid, "/groups?limit=25&organisation=" + enc(oid), [
      { label: t("col.group"), cell: (g) => g.displayName || g.id },
      { label: t("col.groupType"), cell: (g) => g.groupType || "–" }], t("viewas.noGroups"))),
    card(t("explorer.raw"), jsonView(o, (kind, id) => (kind === "organisations" ? base(vid) + "/organisations/" + enc(id) : kind === "persons" ? base(vid) + "/persons/" + enc(id) : base(vid) + "/path?p=" + enc("/" + kind + "/" + id)))));
}

export async function person(main, [vid, pid]) {
  clear(main);
  await header(main, vid, t("viewas.personSub"));
  const res = await asVendor(vid, "/persons/" + pid + "?expandReferenceNames=true");
  if (res.status !== 200) return main.append(card(null, apiRefusal(res)));
  const p = res.body;
  main.append(h("h2.section", [p.givenName, p.familyName].filter(Boolean).join(" ") || p.id),
    card(t("explorer.raw"), jsonView(p, (kind, id) => (kind === "organisations" ? base(vid) + "/organisations/" + enc(id) : kind === "persons" ? base(vid) + "/persons/" + enc(id) : base(vid) + "/path?p=" + enc("/" + kind + "/" + id)))));
}

export async function path(main, [vid], query) {
  clear(main);
  await header(main, vid, t("viewas.pathSub"));
  const input = h("input.input.mono", { value: query.get("p") || "/persons?limit=5", "aria-label": t("viewas.path"), "data-role": "viewas-path" });
  const out = h("div");
  const run = async () => {
    history.replaceState(null, "", base(vid) + "/path?p=" + enc(input.value));
    clear(out, loading());
    try {
      const res = await asVendor(vid, input.value);
      clear(out, h("p", t("viewas.status"), " ", h("strong", { "data-role": "api-status" }, String(res.status))),
        jsonView(res.body, (kind, id) => base(vid) + "/path?p=" + enc("/" + kind + "/" + id)));
    } catch (e) {
      clear(out, errorBox(e));
    }
  };
  main.append(card(t("viewas.path"), h("form.searchbar", { onsubmit: (e) => { e.preventDefault(); run(); } },
    h("span.prefix", "GET"), input, button(t("viewas.run"), null, { type: "submit", kind: "primary" })), out));
  if (query.get("p")) run();
}

// Audit: the request log with filters, and a person's disclosure ledger
// ("who received this pupil's data") with a printable and exportable extract.
import { h, clear, icon, fmtTime, fmtNum } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, pagedTable, listTable, emptyState, errorBox, loading, badge, button, kv } from "../widgets.js";

const enc = encodeURIComponent;

export async function requests(main, _p, query) {
  let vendors = [];
  try {
    vendors = (await api("GET", "/vendors")).items;
  } catch (e) {
    /* a dpo may not list vendors: the filter takes an id then */
  }
  const f = {
    vendor: vendors.length
      ? h("select.input", { name: "vendor" }, h("option", { value: "" }, t("audit.allVendors")), vendors.map((v) => h("option", { value: v.id, selected: query.get("vendor") === v.id }, v.name)))
      : h("input.input", { name: "vendor", value: query.get("vendor") || "", placeholder: t("audit.vendorId") }),
    from: h("input.input", { name: "from", type: "datetime-local", value: query.get("from") || "" }),
    to: h("input.input", { name: "to", type: "datetime-local", value: query.get("to") || "" }),
    method: h("select.input", { name: "method" }, ["", "GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => h("option", { value: m, selected: query.get("method") === m }, m || t("audit.allMethods")))),
    path: h("input.input", { name: "path", value: query.get("path") || "", placeholder: "/persons" }),
    status: h("input.input", { name: "status", value: query.get("status") || "", inputmode: "numeric", placeholder: "200" }),
  };
  const table = h("div");
  const form = h("form.filters", { onsubmit: (e) => { e.preventDefault(); apply(); } },
    Object.entries(f).map(([k, el]) => h("label.field", h("span", t("audit.f." + k)), el)),
    h("div.filter-actions", button(t("audit.apply"), null, { type: "submit", kind: "primary", icon: "search" })));
  clear(main, pageHeader(t("screen.audit"), t("audit.sub")), card(null, form, table));
  apply();
  function apply() {
    const qs = new URLSearchParams();
    for (const [k, el] of Object.entries(f)) {
      let v = el.value.trim();
      if (!v) continue;
      if ((k === "from" || k === "to") && !isNaN(new Date(v))) v = new Date(v).toISOString();
      qs.set(k, v);
    }
    history.replaceState(null, "", "/admin/audit" + (qs.toString() ? "?" + qs : ""));
    clear(table, pagedTable({
      columns: [
        { label: t("col.time"), cell: (r) => fmtTime(r.at), cls: "nowrap" },
        { label: t("col.vendor"), cell: (r) => r.vendorName || r.vendor },
        { label: t("audit.f.method"), cell: (r) => h("code", r.method) },
        { label: t("audit.f.path"), cell: (r) => h("code.wrap", r.path + (r.query ? "?" + r.query : "")) },
        { label: t("audit.f.status"), cell: (r) => badge(String(r.status), r.status < 300 ? "ok" : r.status < 500 ? "warn" : "danger") },
        { label: t("audit.items"), cell: (r) => fmtNum(r.items), cls: "num" },
        { label: t("audit.ms"), cell: (r) => fmtNum(r.durationMs), cls: "num" },
      ],
      fetchPage: (off, lim) => api("GET", "/audit/requests?" + qs + (qs.toString() ? "&" : "") + `offset=${off}&limit=${lim}`),
      empty: t("audit.noRequests"),
    }));
  }
}

export async function ledger(main, _p, query) {
  const input = h("input.input", { name: "person", value: query.get("person") || "", placeholder: t("ledger.placeholder"), "aria-label": t("ledger.placeholder"), "data-role": "ledger-q" });
  const out = h("div");
  clear(main, pageHeader(t("screen.audit/ledger"), t("ledger.sub")),
    card(null, h("form.searchbar.no-print", { onsubmit: (e) => { e.preventDefault(); show(); } }, input, button(t("common.search"), null, { type: "submit", kind: "primary", icon: "search" })), out));
  if (input.value) show();
  else out.append(emptyState(t("ledger.hint")));
  async function show() {
    // a civic number may be written YYYYMMDD-NNNN; an id keeps its dashes
    let who = input.value.trim();
    if (/^[\d\s-]+$/.test(who)) who = who.replace(/[-\s]/g, "");
    if (!who) return;
    history.replaceState(null, "", "/admin/audit/ledger?person=" + enc(who));
    clear(out, loading());
    let l;
    try {
      l = await api("GET", "/audit/ledger/" + enc(who));
    } catch (e) {
      return clear(out, errorBox(e));
    }
    clear(out, h("div.extract", { "data-role": "ledger" },
      h("div.extract-head", h("h2", t("ledger.extractTitle")),
        kv([[t("ledger.person"), l.displayName || l.person], [t("col.id"), h("code", l.person)], [t("ledger.printed"), fmtTime(new Date().toISOString())]])),
      listTable([
        { label: t("col.vendor"), cell: (d) => d.vendorName || d.vendor },
        { label: t("ledger.channel"), cell: (d) => tOr("channel.", d.channel) },
        { label: t("ledger.categories"), cell: (d) => (d.categories || []).map((c) => tOr("cat.", c)).join(", ") },
        { label: t("ledger.first"), cell: (d) => fmtTime(d.first), cls: "nowrap" },
        { label: t("ledger.last"), cell: (d) => fmtTime(d.last), cls: "nowrap" },
      ], l.disclosures, t("ledger.none")),
      h("div.form-actions.no-print",
        button(t("ledger.print"), () => window.print(), { icon: "print", dataset: { role: "print" } }),
        h("a.btn", { href: "/admin/api/audit/ledger/" + enc(who) + "?format=csv", download: "ledger-" + who + ".csv", "data-role": "csv" }, icon("download"), t("ledger.csv")))));
  }
}

// The data explorer as the municipality sees it: the organisation tree,
// an organisation's people and groups, person search and a person's page.
import { h, clear, icon, fmtNum } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { state } from "../app.js";
import { may } from "../roles.js";
import { pageHeader, card, pagedTable, listTable, emptyState, errorBox, loading, badge, kv, jsonView, tabs, buildTree, button } from "../widgets.js";

const enc = encodeURIComponent;
export const orgHref = (id) => "/admin/explorer/organisations/" + enc(id);
export const personHref = (id) => "/admin/explorer/persons/" + enc(id);
export function entityHref(kind, id) {
  if (kind === "organisations") return orgHref(id);
  if (kind === "persons") return personHref(id);
  return "/admin/explorer/entities/" + enc(kind) + "/" + enc(id);
}
const period = (s, e) => (s || "…") + " – " + (e || "");

// An organisation tree with the columns of the screen; href(org) links a row.
export function orgTreeTable(items, href, parentOf) {
  const roots = buildTree(items, parentOf);
  if (!roots.length) return emptyState(t("explorer.noOrgs"));
  const rows = [];
  const walk = (nodes, depth) => nodes.forEach((n) => {
    const o = n.org;
    rows.push(h("tr", { dataset: { org: o.id }, class: o.active === false ? "inactive" : null },
      h("td", h("span.indent.d" + Math.min(depth, 6)), n.children.length ? icon("folder") : icon("school"),
        h("a", { href: href(o) }, o.displayName || o.id),
        o.active === false ? badge(t("explorer.ended"), "neutral") : null),
      h("td", tOr("orgType.", o.organisationType || "")),
      h("td", (o.schoolTypes || []).join(", ")),
      h("td.mono.nowrap", [o.schoolUnitCode, o.organisationCode, o.municipalityCode].filter(Boolean).join(" · ")),
      h("td.nowrap", o.startDate || "–"), h("td.nowrap", o.endDate || "–")));
    walk(n.children, depth + 1);
  });
  walk(roots, 0);
  return h("div.table-wrap", h("table.table.tree",
    h("thead", h("tr", [t("col.name"), t("col.type"), t("col.schoolTypes"), t("col.codes"), t("col.start"), t("col.end")].map((c) => h("th", c)))),
    h("tbody", rows)));
}

export async function orgTree(main, _p, query) {
  const historical = query.get("historical") === "1";
  const res = await api("GET", "/explorer/organisations?historical=" + (historical ? 1 : 0));
  const toggle = h("label.switch", h("input", { type: "checkbox", checked: historical, "data-role": "historical",
    onchange: (e) => { history.replaceState(null, "", "/admin/explorer" + (e.target.checked ? "?historical=1" : "")); clear(main, loading()); orgTree(main, _p, new URLSearchParams(e.target.checked ? "historical=1" : "")).catch((er) => clear(main, errorBox(er))); } }),
    h("span", t("explorer.historical")));
  clear(main, pageHeader(t("screen.explorer"), t("explorer.treeSub", { n: fmtNum(res.items.length) }), toggle),
    card(null, orgTreeTable(res.items, (o) => orgHref(o.id), (o) => o.parent)));
}

export async function orgPage(main, [id]) {
  const res = await api("GET", "/explorer/organisations/" + enc(id));
  const o = res.organisation, c = res.counts || {};
  // the stored reference has no name: the parent's own record gives it
  let parent = o.parentOrganisation || null;
  if (parent && !parent.displayName)
    parent = await api("GET", "/explorer/entities/organisations/" + enc(parent.id)).then((p) => ({ id: p.id, displayName: p.displayName }), () => parent);
  const lists = {
    pupils: [t("col.pupil"), t("col.enrolment")],
    staff: [t("col.name"), t("col.dutyRole")],
    groups: [t("col.group"), t("col.groupType")],
    activities: [t("col.activity"), t("col.activityType")],
  };
  const area = h("div");
  const show = (which) => {
    const [nameCol, detailCol] = lists[which];
    clear(area, pagedTable({
      columns: [
        { label: nameCol, cell: (it) => h("a", { href: entityHref(it.kind || (which === "pupils" || which === "staff" ? "persons" : which), it.id) }, it.displayName || it.id) },
        { label: detailCol, cell: (it) => it.detail || "–" },
      ],
      fetchPage: (off, lim) => api("GET", `/explorer/organisations/${enc(id)}/${which}?offset=${off}&limit=${lim}`),
      empty: t("explorer.empty." + which),
    }));
  };
  clear(main,
    pageHeader(o.displayName, tOr("orgType.", o.organisationType || ""),
      h("a.btn", { href: "/admin/explorer" }, icon("tree"), t("explorer.backToTree"))),
    h("div.grid2",
      card(t("explorer.orgFacts"), kv([
        [t("col.type"), tOr("orgType.", o.organisationType || "")],
        [t("col.schoolTypes"), (o.schoolTypes || []).join(", ")],
        [t("col.schoolUnitCode"), o.schoolUnitCode],
        [t("col.organisationCode"), o.organisationCode],
        [t("col.municipalityCode"), o.municipalityCode],
        [t("col.parent"), parent ? h("a", { href: orgHref(parent.id), "data-role": "parent" }, parent.displayName || parent.id) : null],
        [t("col.period"), period(o.startDate, o.endDate)],
      ])),
      card(t("explorer.counts"), h("div.stats", ["pupils", "staff", "groups", "activities"].map((k) =>
        h("div.stat", h("div.stat-num", fmtNum(c[k] || 0)), h("div.stat-label", t("explorer.tab." + k))))))),
    card(null, tabs(["pupils", "staff", "groups", "activities"].map((k) => [k, t("explorer.tab." + k) + " (" + fmtNum(c[k] || 0) + ")"]), show, "pupils"), area),
    card(t("explorer.raw"), jsonView(o, entityHref)));
  show("pupils");
}

export async function personSearch(main, _p, query) {
  const q = query.get("q") || "";
  const input = h("input.input", { type: "search", name: "q", value: q, placeholder: t("explorer.searchPlaceholder"), "aria-label": t("explorer.searchPlaceholder"), "data-role": "person-q" });
  const results = h("div");
  const form = h("form.searchbar", { onsubmit: (e) => { e.preventDefault(); history.replaceState(null, "", "/admin/explorer/persons?q=" + enc(input.value)); run(input.value); } },
    input, button(t("common.search"), null, { type: "submit", kind: "primary", icon: "search" }));
  clear(main, pageHeader(t("screen.explorer/persons"), t("explorer.searchSub")), card(null, form, results));
  input.focus();
  function run(text) {
    text = text.trim();
    if (text.length < 2) {
      clear(results, emptyState(t("explorer.searchHint")));
      return;
    }
    clear(results, pagedTable({
      columns: [
        { label: t("col.name"), cell: (p) => [h("a", { href: personHref(p.id) }, p.displayName || p.id), p.protected ? badge(t("person.protected"), "danger") : null] },
        { label: t("col.civicNo"), cell: (p) => p.civicNo || "–", cls: "mono" },
        { label: t("col.eppn"), cell: (p) => p.eppn || "–" },
      ],
      fetchPage: (off, lim) => api("GET", `/explorer/persons?q=${enc(text)}&offset=${off}&limit=${lim}`),
      empty: t("explorer.noPersons", { q: text }),
    }));
  }
  run(q);
}

export async function personPage(main, [id]) {
  const r = await api("GET", "/explorer/persons/" + enc(id));
  const idn = r.identity || {};
  const name = [idn.givenName, idn.familyName].filter(Boolean).join(" ") || r.person.displayName || id;
  const pref = (o) => (o && o.id ? h("a", { href: personHref(o.id) }, o.displayName || o.id) : "–");
  const oref = (o) => (o && o.id ? h("a", { href: orgHref(o.id) }, o.displayName || o.id) : "–");
  clear(main,
    pageHeader(name, t("person.sub"),
      r.protected ? h("span.badge.badge-danger.badge-lg", { "data-role": "protected" }, icon("shield"), t("person.protected"), r.securityMarking ? " (" + r.securityMarking + ")" : "") : null,
      may(state.me.role, "audit") ? h("a.btn", { href: "/admin/audit/ledger?person=" + enc(id), "data-role": "to-ledger" }, icon("book"), t("person.ledger")) : null),
    h("div.grid2",
      card(t("person.identity"), kv([
        [t("col.givenName"), idn.givenName], [t("col.familyName"), idn.familyName],
        [t("col.civicNo"), idn.civicNo], [t("col.birthDate"), idn.birthDate], [t("col.eppn"), idn.eppn],
        [t("col.emails"), (idn.emails || []).join(", ")],
        [t("person.marking"), r.protected ? (r.securityMarking || t("person.protected")) : t("person.noMarking")],
      ])),
      h("div",
        card(t("person.guardians"), h("div", { "data-role": "guardians" }, listTable([
          { label: t("col.name"), cell: pref }, { label: t("col.relation"), cell: (g) => tOr("relation.", g.relationType || "") }], r.guardians, t("person.noGuardians")))),
        card(t("person.responsibleFor"), h("div", { "data-role": "responsible-for" }, listTable([
          { label: t("col.name"), cell: pref }, { label: t("col.relation"), cell: (g) => tOr("relation.", g.relationType || "") }], r.responsibleFor, t("person.noResponsibleFor")))))),
    card(t("person.enrolments"), listTable([
      { label: t("col.school"), cell: (e) => oref(e.schoolUnit) },
      { label: t("col.schoolType"), cell: (e) => e.schoolType || "–" },
      { label: t("col.schoolYear"), cell: (e) => e.schoolYear ?? "–" },
      { label: t("col.programme"), cell: (e) => (e.programme ? h("a", { href: entityHref("programmes", e.programme.id) }, e.programme.displayName || e.programme.id) : "–") },
      { label: t("col.period"), cell: (e) => period(e.startDate, e.endDate) }], r.enrolments, t("person.noEnrolments"))),
    h("div.grid2",
      card(t("person.placements"), listTable([
        { label: t("col.organisation"), cell: (p) => oref(p.organisation) },
        { label: t("col.period"), cell: (p) => h("a", { href: entityHref("placements", p.id) }, period(p.startDate, p.endDate)) }], r.placements, t("person.noPlacements"))),
      card(t("person.duties"), listTable([
        { label: t("col.organisation"), cell: (d) => oref(d.organisation) },
        { label: t("col.dutyRole"), cell: (d) => h("a", { href: entityHref("duties", d.id) }, d.dutyRole || d.id) },
        { label: t("col.period"), cell: (d) => period(d.startDate, d.endDate) }], r.duties, t("person.noDuties")))),
    card(t("person.groups"), listTable([
      { label: t("col.group"), cell: (g) => h("a", { href: entityHref("groups", g.id) }, g.displayName || g.id) },
      { label: t("col.groupType"), cell: (g) => g.groupType || "–" },
      { label: t("col.organisation"), cell: (g) => oref(g.organisation) }], r.groups, t("person.noGroups"))),
    h("details.card.raw", { "data-role": "raw" }, h("summary", t("explorer.raw")), jsonView(r.person, entityHref)));
}

export async function entityPage(main, [kind, id]) {
  const e = await api("GET", "/explorer/entities/" + enc(kind) + "/" + enc(id));
  clear(main, pageHeader(e.displayName || e.id, tOr("kind.", kind)), card(t("explorer.raw"), jsonView(e, entityHref)));
}

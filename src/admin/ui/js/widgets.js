// The building blocks every screen shares: page header, cards, tables that
// page, empty states, errors, dialogs, toasts and the JSON viewer.
import { h, clear, icon, fmtNum } from "./dom.js";
import { t, has } from "./i18n.js";

export function pageHeader(title, sub, ...actions) {
  return h("header.page-head", h("div", h("h1", title), sub ? h("p.sub", sub) : null), h("div.actions", actions));
}

export function card(title, ...body) {
  return h("section.card", title ? h("h2", title) : null, body);
}

export function emptyState(text, hint) {
  return h("div.empty", icon("inbox"), h("p", text), hint ? h("p.hint", hint) : null);
}

// The message a person can act on, from an ApiError or any error.
export function errorText(e) {
  if (!e) return "";
  if (e.code === "NETWORK") return t("err.network");
  const head = has("err." + e.code) ? t("err." + e.code) : t("err.generic", { status: e.status || "?" });
  return e.message ? head + " " + e.message : head;
}

export function errorBox(e) {
  return h("div.alert.alert-error", { role: "alert" }, icon("alert"), h("span", errorText(e)));
}

export function notice(text, kind = "info") {
  return h("div.alert.alert-" + kind, { role: "status" }, icon(kind === "warn" ? "alert" : "info"), h("span", text));
}

export function loading() {
  return h("div.loading", { "aria-busy": "true" }, h("span.spinner"), t("common.loading"));
}

export function badge(text, kind = "neutral") {
  return h("span.badge.badge-" + kind, text);
}

export function button(label, onclick, opts = {}) {
  return h("button.btn" + (opts.kind ? ".btn-" + opts.kind : ""),
    { type: opts.type || "button", onclick, disabled: opts.disabled, title: opts.title, dataset: opts.dataset },
    opts.icon ? icon(opts.icon) : null, label);
}

export function kv(pairs) {
  return h("dl.kv", pairs.filter(Boolean).map(([k, v]) => [h("dt", k), h("dd", v === null || v === undefined || v === "" ? "–" : v)]));
}

let toastBox;
export function toast(text, kind = "ok") {
  if (!toastBox) toastBox = document.body.appendChild(h("div.toasts", { "aria-live": "polite" }));
  const el = toastBox.appendChild(h("div.toast.toast-" + kind, text));
  setTimeout(() => el.remove(), 5000);
}

// A modal dialog; resolves true when confirmed. With typeToConfirm the
// confirm button stays disabled until that exact text is typed.
export function confirmDialog({ title, body, confirmLabel, danger, typeToConfirm }) {
  return new Promise((resolve) => {
    const input = typeToConfirm ? h("input.input", { type: "text", autocomplete: "off", "aria-label": t("dialog.typeToConfirm", { text: typeToConfirm }) }) : null;
    const ok = button(confirmLabel || t("common.confirm"), () => close(true), { kind: danger ? "danger" : "primary", disabled: !!typeToConfirm });
    ok.dataset.role = "confirm";
    const d = h("dialog.dialog", { "aria-labelledby": "dlg-title" },
      h("h2", { id: "dlg-title" }, title),
      h("div.dialog-body", body,
        input ? h("label.field", h("span", t("dialog.typeToConfirm", { text: typeToConfirm })), input) : null),
      h("div.dialog-actions", button(t("common.cancel"), () => close(false), { dataset: { role: "cancel" } }), ok));
    if (input) input.addEventListener("input", () => (ok.disabled = input.value !== typeToConfirm));
    function close(v) {
      d.close();
      d.remove();
      resolve(v && (!input || input.value === typeToConfirm) ? (input ? input.value : true) : false);
    }
    d.addEventListener("cancel", (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.appendChild(d);
    d.showModal();
    (input || ok).focus();
  });
}

// A secret (an API key, a password) shown once, with a copy button.
export function secretDialog({ title, secret, note }) {
  return new Promise((resolve) => {
    const out = h("code.secret", { "data-role": "secret" }, secret);
    const copied = h("span.copied", { "aria-live": "polite" });
    const copy = button(t("common.copy"), async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copied.textContent = t("common.copied");
      } catch (e) {
        const r = document.createRange();
        r.selectNodeContents(out);
        getSelection().removeAllRanges();
        getSelection().addRange(r);
        copied.textContent = t("common.copyManually");
      }
    }, { icon: "copy", dataset: { role: "copy" } });
    const d = h("dialog.dialog", h("h2", title),
      h("div.dialog-body", notice(note || t("secret.once"), "warn"), h("div.secret-row", out, copy, copied)),
      h("div.dialog-actions", button(t("secret.saved"), () => { d.close(); d.remove(); resolve(); }, { kind: "primary", dataset: { role: "close" } })));
    d.addEventListener("cancel", (e) => e.preventDefault());
    document.body.appendChild(d);
    d.showModal();
  });
}

// A table of columns [{label, cell(item) -> node|string, cls}] over
// fetchPage(offset, limit) -> {items, total}. Pages with previous/next.
export function pagedTable({ columns, fetchPage, pageSize = 25, empty, rowAttrs }) {
  const wrap = h("div.table-wrap");
  let offset = 0;
  async function load() {
    clear(wrap, loading());
    let res;
    try {
      res = await fetchPage(offset, pageSize);
    } catch (e) {
      clear(wrap, errorBox(e));
      return;
    }
    const items = res.items || [];
    const total = res.total === undefined ? items.length : res.total;
    if (!items.length && offset === 0) {
      clear(wrap, emptyState(empty || t("common.noItems")));
      return;
    }
    const table = dataTable(columns, items, rowAttrs);
    const last = Math.min(offset + items.length, total);
    const pager = h("nav.pager", { "aria-label": t("pager.label") },
      h("span.pager-info", t("pager.info", { from: fmtNum(offset + 1), to: fmtNum(last), total: fmtNum(total) })),
      button(t("pager.prev"), () => { offset = Math.max(0, offset - pageSize); load(); }, { disabled: offset === 0, dataset: { role: "prev" } }),
      button(t("pager.next"), () => { offset += pageSize; load(); }, { disabled: last >= total, dataset: { role: "next" } }));
    clear(wrap, table, total > pageSize || offset > 0 ? pager : null);
  }
  wrap.reload = () => { offset = 0; return load(); };
  load();
  return wrap;
}

export function dataTable(columns, items, rowAttrs) {
  return h("table.table",
    h("thead", h("tr", columns.map((c) => h("th", { class: c.cls }, c.label)))),
    h("tbody", items.map((it) => h("tr", rowAttrs ? rowAttrs(it) : null, columns.map((c) => h("td", { class: c.cls }, c.cell(it)))))));
}

// A static list shown as a table, or an empty state.
export function listTable(columns, items, empty) {
  if (!items || !items.length) return emptyState(empty || t("common.noItems"));
  return h("div.table-wrap", dataTable(columns, items));
}

export function tabs(list, onSelect, selected) {
  const bar = h("div.tabs", { role: "tablist" });
  for (const [key, label] of list) {
    bar.appendChild(h("button.tab", {
      type: "button", role: "tab", "aria-selected": key === selected ? "true" : "false", dataset: { tab: key },
      onclick: () => {
        for (const b of bar.children) b.setAttribute("aria-selected", b.dataset.tab === key ? "true" : "false");
        onSelect(key);
      },
    }, label));
  }
  return bar;
}

// Reference keys of SS12000 JSON and the kind each refers to, so the viewer
// links along every reference.
const REF_KINDS = {
  parentOrganisation: "organisations", organisation: "organisations", enroledAt: "organisations",
  schoolUnit: "organisations", owner: "organisations", dutyAt: "organisations", offeredAt: "organisations",
  placedAt: "organisations", person: "persons", child: "persons", owners: "persons", gradingTeacher: "persons",
  registeredBy: "persons", reporter: "persons", student: "persons", activity: "activities",
  parentActivity: "activities", calendarEvent: "calendarEvents", content: "syllabuses", syllabus: "syllabuses",
  offeredSyllabuses: "syllabuses", duty: "duties", group: "groups", groups: "groups", programme: "programmes",
  parentProgramme: "programmes", offeredProgrammes: "programmes", placement: "placements",
  resources: "resources", rooms: "rooms",
};

// Pretty JSON with every reference id a link: link(kind, id) -> href.
export function jsonView(value, link) {
  const pre = h("pre.json", { "data-role": "raw-json" });
  render(pre, value, 0, null);
  return pre;
  function render(out, v, depth, refKind) {
    const pad = "  ".repeat(depth);
    if (Array.isArray(v)) {
      if (!v.length) return out.append("[]");
      out.append("[\n");
      v.forEach((x, i) => {
        out.append(pad + "  ");
        render(out, x, depth + 1, refKind);
        out.append(i < v.length - 1 ? ",\n" : "\n");
      });
      out.append(pad + "]");
    } else if (v && typeof v === "object") {
      const keys = Object.keys(v);
      if (!keys.length) return out.append("{}");
      out.append("{\n");
      keys.forEach((k, i) => {
        out.append(pad + "  ", h("span.j-key", JSON.stringify(k)), ": ");
        if (k === "id" && refKind && typeof v[k] === "string" && link) {
          out.append(h("a.j-ref", { href: link(refKind, v[k]) }, JSON.stringify(v[k])));
        } else {
          render(out, v[k], depth + 1, REF_KINDS[k] || null);
        }
        out.append(i < keys.length - 1 ? ",\n" : "\n");
      });
      out.append(pad + "}");
    } else if (typeof v === "string") {
      out.append(h("span.j-str", JSON.stringify(v)));
    } else {
      out.append(h("span.j-lit", JSON.stringify(v)));
    }
  }
}

// Organisations (flat, with parent) as a nested tree: [{org, children}].
export function buildTree(items, parentOf) {
  const byId = new Map(items.map((o) => [o.id, { org: o, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const p = parentOf(node.org);
    if (p && byId.has(p)) byId.get(p).children.push(node);
    else roots.push(node);
  }
  const sort = (list) => {
    list.sort((a, b) => String(a.org.displayName || "").localeCompare(String(b.org.displayName || ""), "sv"));
    list.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

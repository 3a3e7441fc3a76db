// The server's own OpenAPI document (GET <base path>/openapi.json) as a
// readable page: operations by tag with parameters and responses, schemas.
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { getJson } from "../api.js";
import { pageHeader, card, badge, kv } from "../widgets.js";
import { state } from "../app.js";

const METHODS = ["get", "post", "put", "patch", "delete"];

function refName(s) {
  if (!s) return "–";
  if (s.$ref) return s.$ref.split("/").pop();
  if (s.type === "array") return refName(s.items) + "[]";
  return s.type || (s.oneOf || s.anyOf || s.allOf ? "…" : "–");
}

function schemaLink(s) {
  const n = refName(s);
  const base = n.replace(/\[\]$/, "");
  return s && (s.$ref || (s.items && s.items.$ref)) ? h("a", { href: "#schema-" + base }, n) : n;
}

export async function page(main) {
  const url = (state.config.basePath || "/v2.0") + "/openapi.json";
  const doc = await getJson(url);
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || t("docs.other");
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method: m, op, common: item.parameters || [] });
    }
  }
  const resolveParam = (p) => (p.$ref ? (doc.components.parameters || {})[p.$ref.split("/").pop()] || { name: p.$ref } : p);
  const toc = h("nav.docs-toc", h("h3", t("docs.contents")), h("ul", [...byTag.keys()].map((tag) => h("li", h("a", { href: "#tag-" + tag.replace(/\W/g, "_") }, tag)))),
    h("ul", h("li", h("a", { href: "#schemas" }, t("docs.schemas")))));
  const ops = [...byTag.entries()].map(([tag, list]) => h("section.card", { id: "tag-" + tag.replace(/\W/g, "_") }, h("h2", tag),
    list.map(({ path, method, op, common }) => {
      const params = [...common, ...(op.parameters || [])].map(resolveParam);
      const body = op.requestBody && op.requestBody.content && Object.values(op.requestBody.content)[0];
      return h("details.op", { dataset: { op: method.toUpperCase() + " " + path } },
        h("summary", h("span.method.m-" + method, method.toUpperCase()), h("code", path), h("span.op-sum", op.summary || op.operationId || "")),
        op.description ? h("p", op.description) : null,
        params.length ? h("table.table.small", h("thead", h("tr", h("th", t("docs.param")), h("th", t("docs.in")), h("th", t("docs.type")), h("th", t("docs.description")))),
          h("tbody", params.map((p) => h("tr", h("td", h("code", p.name), p.required ? h("span.req", " *") : null), h("td", p.in), h("td", schemaLink(p.schema)), h("td", p.description || ""))))) : null,
        body ? h("p", h("strong", t("docs.body") + ": "), schemaLink(body.schema)) : null,
        h("table.table.small", h("thead", h("tr", h("th", t("docs.status")), h("th", t("docs.description")), h("th", t("docs.type")))),
          h("tbody", Object.entries(op.responses || {}).map(([code, r]) => {
            const c = r.content && Object.values(r.content)[0];
            return h("tr", h("td", badge(code, code < "300" ? "ok" : code < "500" ? "warn" : "danger")), h("td", r.description || ""), h("td", c ? schemaLink(c.schema) : "–"));
          }))));
    })));
  const schemas = Object.entries((doc.components && doc.components.schemas) || {});
  clear(main, pageHeader(t("screen.api-docs"), (doc.info && doc.info.title) + " " + ((doc.info && doc.info.version) || ""),
    h("a.btn", { href: url, target: "_blank", rel: "noopener" }, "openapi.json")),
  h("div.docs",
    toc,
    h("div.docs-body",
      card(t("docs.about"), doc.info && doc.info.description ? h("p", doc.info.description) : null,
        kv([[t("docs.baseUrl"), h("code", location.origin + (state.config.basePath || "/v2.0"))], [t("docs.auth"), t("docs.authText")], [t("docs.operations"), String(byTag.size ? [...byTag.values()].reduce((n, l) => n + l.length, 0) : 0)]])),
      ops,
      h("section.card", { id: "schemas" }, h("h2", t("docs.schemas")),
        schemas.map(([name, s]) => h("details.schema", { id: "schema-" + name }, h("summary", h("code", name), s.description ? h("span.op-sum", s.description) : null),
          s.properties ? h("table.table.small", h("thead", h("tr", h("th", t("docs.field")), h("th", t("docs.type")), h("th", t("docs.description")))),
            h("tbody", Object.entries(s.properties).map(([f, p]) => h("tr", h("td", h("code", f), (s.required || []).includes(f) ? h("span.req", " *") : null),
              h("td", schemaLink(p), p.enum ? h("div.muted.small", p.enum.join(", ")) : null), h("td", p.description || ""))))) : h("p.muted", s.enum ? s.enum.join(", ") : refName(s))))))));
}

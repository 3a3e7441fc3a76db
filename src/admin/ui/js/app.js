// The admin pages: a light client in plain ES modules (docs/architecture.md).
// The server serves this one page for every path below /admin/; the client
// routes by path and asks the admin API (docs/admin-api.md) for data.
import { h, clear, icon } from "./dom.js";
import { t, getLang, setLang, LANGS } from "./i18n.js";
import { api, setCsrf, whenSessionLost } from "./api.js";
import { errorBox, loading, pageHeader, emptyState } from "./widgets.js";
import { may, firstScreen } from "./roles.js";
import * as login from "./screens/login.js";
import * as explorer from "./screens/explorer.js";
import * as vendors from "./screens/vendors.js";
import * as viewas from "./screens/viewas.js";
import * as sources from "./screens/sources.js";
import * as quality from "./screens/quality.js";
import * as audit from "./screens/audit.js";
import * as reports from "./screens/reports.js";
import * as accounts from "./screens/accounts.js";
import * as adminaudit from "./screens/adminaudit.js";
import * as apidocs from "./screens/apidocs.js";

const root = document.getElementById("app");
export const state = { me: null, meta: null, config: { basePath: "/v2.0" }, lostReason: null };

// Routes: [pattern, screen area (roles.js), render(main, params, query)].
const ROUTES = [
  [/^explorer$/, "explorer", explorer.orgTree],
  [/^explorer\/organisations\/([^/]+)$/, "explorer", explorer.orgPage],
  [/^explorer\/persons$/, "explorer", explorer.personSearch],
  [/^explorer\/persons\/([^/]+)$/, "explorer", explorer.personPage],
  [/^explorer\/entities\/([^/]+)\/([^/]+)$/, "explorer", explorer.entityPage],
  [/^vendors$/, "vendors", vendors.list],
  [/^vendors\/([^/]+)$/, "vendors", vendors.page],
  [/^view-as$/, "viewas", viewas.choose],
  [/^view-as\/([^/]+)$/, "viewas", viewas.orgs],
  [/^view-as\/([^/]+)\/organisations\/([^/]+)$/, "viewas", viewas.org],
  [/^view-as\/([^/]+)\/persons\/([^/]+)$/, "viewas", viewas.person],
  [/^view-as\/([^/]+)\/path$/, "viewas", viewas.path],
  [/^sources$/, "sources", sources.page],
  [/^quality$/, "quality", quality.page],
  [/^audit$/, "audit", audit.requests],
  [/^audit\/ledger$/, "audit", audit.ledger],
  [/^reports$/, "reports", reports.page],
  [/^accounts$/, "accounts", accounts.page],
  [/^admin-audit$/, "adminaudit", adminaudit.page],
  [/^api-docs$/, "apidocs", apidocs.page],
];

const NAV = [
  ["nav.explore", [["explorer", "explorer", "tree"], ["explorer/persons", "explorer", "search"], ["quality", "quality", "check"]]],
  ["nav.share", [["vendors", "vendors", "key"], ["view-as", "viewas", "eye"]]],
  ["nav.sources", [["sources", "sources", "database"]]],
  ["nav.audit", [["audit", "audit", "list"], ["audit/ledger", "audit", "book"], ["reports", "reports", "inbox"], ["admin-audit", "adminaudit", "shield"]]],
  ["nav.system", [["accounts", "accounts", "users"], ["api-docs", "apidocs", "doc"]]],
];

export function go(path, replace) {
  const url = "/admin/" + path;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

function currentPath() {
  return decodeURIComponent(location.pathname.replace(/^\/admin\/?/, "").replace(/\/$/, ""));
}

// Links below /admin/ (not the API) stay in the page.
document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[href]");
  if (!a || a.target || a.hasAttribute("download") || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const u = new URL(a.href, location.href);
  if (u.pathname === location.pathname && u.hash) return;
  if (u.origin !== location.origin || !u.pathname.startsWith("/admin/") || u.pathname.startsWith("/admin/api/")) return;
  e.preventDefault();
  history.pushState(null, "", u.pathname + u.search);
  render();
});
window.addEventListener("popstate", () => render());

whenSessionLost((code) => {
  if (!state.me) return;
  state.me = null;
  setCsrf(null);
  state.lostReason = code === "SESSION_EXPIRED" ? "login.expired" : "login.signedOut";
  const here = currentPath();
  go("login" + (here && here !== "login" ? "?next=" + encodeURIComponent(here + location.search) : ""), true);
});

export function signedIn(me) {
  state.me = me;
  state.lostReason = null;
  setCsrf(me.csrfToken);
}

async function boot() {
  try {
    state.config = await (await fetch("/admin/config.json")).json();
  } catch (e) {
    /* the default base path */
  }
  try {
    signedIn(await api("GET", "/me", null, { noSessionCheck: true }));
    await loadMeta();
  } catch (e) {
    /* signed out, or meta failed: the screens say why */
  }
  render();
}

export async function loadMeta() {
  if (!state.meta) state.meta = await api("GET", "/meta");
  return state.meta;
}

let renderSeq = 0;
export async function render() {
  const path = currentPath();
  const seq = ++renderSeq;
  if (!state.me) {
    if (path !== "login") history.replaceState(null, "", "/admin/login" + (path ? "?next=" + encodeURIComponent(path + location.search) : ""));
    root.className = "login-root";
    clear(root);
    login.page(root, { reason: state.lostReason });
    return;
  }
  if (path === "" || path === "login") {
    const next = new URLSearchParams(location.search).get("next");
    return go(next && !next.startsWith("login") ? next : firstScreen(state.me.role), true);
  }
  root.className = "shell";
  const main = h("main.main", { id: "main", tabindex: "-1" });
  clear(root, topBar(), h("div.body", sideNav(path), main));
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    main.append(pageHeader(t("notFound.title")), emptyState(t("notFound.text")));
    return;
  }
  const [re, area, fn] = route;
  if (!may(state.me.role, area)) {
    main.append(pageHeader(t("forbidden.title")), h("div", { "data-role": "forbidden" }, emptyState(t("forbidden.text"))));
    return;
  }
  main.append(loading());
  try {
    const params = path.match(re).slice(1);
    await fn(main, params, new URLSearchParams(location.search));
    if (seq === renderSeq) main.querySelector(".loading:first-child")?.remove();
  } catch (e) {
    if (seq === renderSeq) clear(main, errorBox(e));
  }
}

function topBar() {
  const langSel = h("select.lang", { "aria-label": t("top.language"), "data-role": "lang", onchange: (e) => { setLang(e.target.value); render(); } },
    LANGS.map((l) => h("option", { value: l, selected: l === getLang() }, t("lang." + l))));
  return h("header.topbar",
    h("a.brand", { href: "/admin/" }, h("img", { src: "/admin/static/icons/favicon.svg", alt: "" }), h("span", "skolnav"), h("span.brand-sub", t("top.admin"))),
    h("div.top-right",
      state.meta && state.meta.globalStop ? h("span.badge.badge-danger", { "data-role": "global-stop-badge" }, t("top.globalStop")) : null,
      langSel,
      h("span.user", { "data-role": "user" }, icon("user"), state.me.user, h("span.role", t("role." + state.me.role))),
      h("button.btn.btn-ghost", { type: "button", "data-role": "logout", onclick: logout }, t("top.logout"))));
}

function sideNav(path) {
  const nav = h("nav.sidenav", { "aria-label": t("nav.label") });
  for (const [title, items] of NAV) {
    const allowed = items.filter(([, area]) => may(state.me.role, area));
    if (!allowed.length) continue;
    nav.append(h("div.nav-group", h("div.nav-title", t(title)),
      allowed.map(([p, , ic]) => {
        const active = path === p || (path.startsWith(p + "/") && !allowed.some(([q]) => q !== p && path.startsWith(q)));
        return h("a.nav-item" + (active ? ".active" : ""), { href: "/admin/" + p, "aria-current": active ? "page" : null, dataset: { nav: p } }, icon(ic), t("screen." + p));
      })));
  }
  return nav;
}

async function logout() {
  try {
    await api("POST", "/logout");
  } catch (e) {
    /* the session is gone either way */
  }
  state.me = null;
  state.meta = null;
  setCsrf(null);
  state.lostReason = "login.signedOut";
  go("login", true);
}

boot();

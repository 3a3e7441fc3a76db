// Sign in: a local account, or the municipality's identity provider (OIDC).
import { h } from "../dom.js";
import { t, getLang, setLang, LANGS } from "../i18n.js";
import { api } from "../api.js";
import { errorText, notice, button } from "../widgets.js";
import { signedIn, loadMeta, render } from "../app.js";

export function page(root, { reason }) {
  const user = h("input.input", { id: "login-user", name: "user", autocomplete: "username", required: true });
  const pass = h("input.input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("div.login-msg", reason ? notice(t(reason), "warn") : null);
  const submit = h("button.btn.btn-primary.btn-block", { type: "submit", "data-role": "login" }, t("login.submit"));
  const oidcBox = h("div.oidc");
  const form = h("form.login-form", { onsubmit: onSubmit, novalidate: true },
    h("label.field", { for: "login-user" }, h("span", t("login.user")), user),
    h("label.field", { for: "login-password" }, h("span", t("login.password")), pass),
    submit);
  root.append(h("div.login-card",
    h("div.login-brand", h("img", { src: "/admin/static/icons/favicon.svg", alt: "" }), h("div", h("h1", "skolnav"), h("p", t("login.tagline")))),
    h("h2", t("login.title")), msg, form, oidcBox,
    h("div.login-foot", h("select.lang", { "aria-label": t("top.language"), "data-role": "lang", onchange: (e) => { setLang(e.target.value); render(); } },
      LANGS.map((l) => h("option", { value: l, selected: l === getLang() }, t("lang." + l)))))));
  user.focus();
  api("GET", "/oidc", null, { noSessionCheck: true }).then((o) => {
    if (o && o.enabled)
      oidcBox.append(h("div.divider", h("span", t("login.or"))),
        h("a.btn.btn-block", { href: "/admin/api/oidc/start", "data-role": "oidc" }, t("login.oidc")));
  }).catch(() => {});
  const err = new URLSearchParams(location.search).get("error");
  if (err) msg.append(notice(t("login.oidcFailed"), "error"));

  async function onSubmit(e) {
    e.preventDefault();
    if (!user.value || !pass.value) {
      msg.replaceChildren(notice(t("login.missing"), "error"));
      return;
    }
    submit.disabled = true;
    try {
      const me = await api("POST", "/login", { user: user.value, password: pass.value }, { noSessionCheck: true });
      signedIn(me);
      try {
        await loadMeta();
      } catch (e2) {
        /* the screens say why */
      }
      render();
    } catch (ex) {
      let text = errorText(ex);
      if (ex.code === "INVALID_CREDENTIALS") text = t("login.invalid");
      if (ex.status === 429) text = t("login.throttled", { seconds: ex.retryAfter || "?" });
      msg.replaceChildren(notice(text, "error"));
      pass.value = "";
      pass.focus();
    } finally {
      submit.disabled = false;
    }
  }
}

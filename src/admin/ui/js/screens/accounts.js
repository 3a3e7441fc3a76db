// Admin accounts and their roles (administrators only).
import { h, clear, fmtTime } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, listTable, badge, button, toast, confirmDialog, secretDialog, errorText, notice, errorBox } from "../widgets.js";
import { state, render } from "../app.js";

const ROLES = ["administrator", "access-manager", "viewer", "dpo"];
const enc = encodeURIComponent;

export async function page(main) {
  const res = await api("GET", "/accounts");
  clear(main, pageHeader(t("screen.accounts"), t("accounts.sub"), button(t("accounts.new"), create, { kind: "primary", icon: "plus", dataset: { role: "new-account" } })),
    card(null, listTable([
      { label: t("accounts.user"), cell: (a) => [h("strong", a.user), a.oidc ? badge("OIDC", "neutral") : null] },
      { label: t("accounts.role"), cell: (a) => roleSelect(a) },
      { label: t("col.status"), cell: (a) => (a.disabled ? badge(t("accounts.disabled"), "neutral") : badge(t("accounts.active"), "ok")) },
      { label: t("col.created"), cell: (a) => fmtTime(a.created) },
      { label: t("accounts.lastLogin"), cell: (a) => fmtTime(a.lastLogin) },
      { label: "", cell: (a) => (a.user === state.me.user ? h("span.muted", t("accounts.you")) : h("div.row-actions",
        button(a.disabled ? t("accounts.enable") : t("accounts.disable"), () => toggle(a), { kind: a.disabled ? null : "danger-ghost" }),
        a.oidc ? null : button(t("accounts.resetPassword"), () => reset(a)))) },
    ], res.items, t("accounts.none"))),
    card(t("accounts.rolesTitle"), h("ul.roles", ROLES.map((r) => h("li", h("strong", t("role." + r)), " – ", t("roleDesc." + r))))));

  function roleSelect(a) {
    const sel = h("select.input.input-sm", { disabled: a.user === state.me.user, "aria-label": t("accounts.role") }, ROLES.map((r) => h("option", { value: r, selected: r === a.role }, t("role." + r))));
    sel.addEventListener("change", async () => {
      try {
        await api("PATCH", "/accounts/" + enc(a.user), { role: sel.value });
        toast(t("accounts.roleChanged", { user: a.user, role: t("role." + sel.value) }));
      } catch (e) {
        toast(errorText(e), "error");
        sel.value = a.role;
      }
    });
    return sel;
  }
  async function toggle(a) {
    if (!a.disabled && !(await confirmDialog({ title: t("accounts.disableTitle", { user: a.user }), body: h("p", t("accounts.disableBody")), confirmLabel: t("accounts.disable"), danger: true }))) return;
    try {
      await api("PATCH", "/accounts/" + enc(a.user), { disabled: !a.disabled });
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function reset(a) {
    if (!(await confirmDialog({ title: t("accounts.resetTitle", { user: a.user }), body: h("p", t("accounts.resetBody")), confirmLabel: t("accounts.resetPassword"), danger: true }))) return;
    try {
      const r = await api("POST", "/accounts/" + enc(a.user) + "/password");
      await secretDialog({ title: t("accounts.newPassword", { user: a.user }), secret: r.password, note: t("accounts.passwordOnce") });
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  function create() {
    const err = h("div");
    const user = h("input.input", { name: "user", pattern: "[A-Za-z0-9._@-]{1,64}", required: true, "data-role": "account-user" });
    const role = h("select.input", { name: "role", "data-role": "account-role" }, ROLES.map((r) => h("option", { value: r, selected: r === "viewer" }, t("role." + r))));
    const d = h("dialog.dialog", h("h2", t("accounts.new")),
      h("div.dialog-body", err, h("label.field", h("span", t("accounts.user")), user), h("p.hint", t("accounts.userHint")), h("label.field", h("span", t("accounts.role")), role)),
      h("div.dialog-actions", button(t("common.cancel"), () => { d.close(); d.remove(); }), button(t("accounts.create"), submit, { kind: "primary", dataset: { role: "create-account" } })));
    document.body.appendChild(d);
    d.showModal();
    user.focus();
    async function submit() {
      if (!/^[A-Za-z0-9._@-]{1,64}$/.test(user.value)) return clear(err, notice(t("accounts.userHint"), "error"));
      try {
        const r = await api("POST", "/accounts", { user: user.value, role: role.value });
        d.close();
        d.remove();
        await secretDialog({ title: t("accounts.created", { user: r.user }), secret: r.password, note: t("accounts.passwordOnce") });
        render();
      } catch (e) {
        clear(err, errorBox(e));
      }
    }
  }
}

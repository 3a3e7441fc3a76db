// The admin audit trail: every admin action, newest first.
import { h, clear, fmtTime } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, pagedTable } from "../widgets.js";

export async function page(main) {
  clear(main, pageHeader(t("screen.admin-audit"), t("adminaudit.sub")),
    card(null, pagedTable({
      columns: [
        { label: t("col.time"), cell: (r) => fmtTime(r.at), cls: "nowrap" },
        { label: t("adminaudit.user"), cell: (r) => r.user || "–" },
        { label: t("adminaudit.action"), cell: (r) => h("span", { dataset: { action: r.action } }, tOr("action.", r.action)) },
        { label: t("adminaudit.target"), cell: (r) => r.target || "–" },
        { label: t("adminaudit.address"), cell: (r) => r.address || "–", cls: "mono" },
        { label: t("adminaudit.detail"), cell: (r) => (r.detail ? h("code.wrap", JSON.stringify(r.detail)) : "–") },
      ],
      fetchPage: (off, lim) => api("GET", `/admin-audit?offset=${off}&limit=${lim}`),
      empty: t("adminaudit.none"),
    })));
}

// What vendors posted to /log and /statistics.
import { h, clear, fmtTime } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, pagedTable, tabs, badge } from "../widgets.js";

export async function page(main) {
  const area = h("div");
  const show = (channel) => clear(area, pagedTable({
    columns: [
      { label: t("col.time"), cell: (r) => fmtTime(r.at), cls: "nowrap" },
      { label: t("col.vendor"), cell: (r) => r.vendorName || r.vendor },
      { label: t("reports.channel"), cell: (r) => badge(t("channel." + r.channel), "neutral") },
      { label: t("reports.body"), cell: (r) => h("pre.json.small", JSON.stringify(r.body, null, 2)) },
    ],
    fetchPage: (off, lim) => api("GET", "/reports?" + (channel ? "channel=" + channel + "&" : "") + `offset=${off}&limit=${lim}`),
    empty: t("reports.none"),
  }));
  clear(main, pageHeader(t("screen.reports"), t("reports.sub")),
    card(null, tabs([["", t("reports.all")], ["log", t("channel.log")], ["statistics", t("channel.statistics")]], show, ""), area));
  show("");
}

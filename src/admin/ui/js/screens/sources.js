// Sources: health, held batches (approve/discard), pull now, file import.
import { h, clear, icon, fmtTime, fmtNum } from "../dom.js";
import { t } from "../i18n.js";
import { api, upload } from "../api.js";
import { pageHeader, card, listTable, emptyState, errorBox, notice, badge, kv, button, toast, confirmDialog, jsonView, errorText } from "../widgets.js";
import { render } from "../app.js";

const enc = encodeURIComponent;
const RESULT_KIND = { ok: "ok", applied: "ok", held: "warn", rejected: "danger", failed: "danger" };

const counts = (r) => (r ? ["created", "updated", "deleted", "unchanged"].map((k) => t("src." + k) + " " + fmtNum(r[k] || 0)).join(" · ") : "–");

// A run's errors: a count, or the message of what stopped it.
function runErrors(run) {
  const e = run && run.errors;
  if (!e) return "0";
  return typeof e === "number" ? h("span.loss", fmtNum(e)) : h("span.small.muted", String(e));
}

export async function page(main) {
  const [src, held] = await Promise.all([api("GET", "/sources"), api("GET", "/held")]);
  clear(main, pageHeader(t("screen.sources"), t("src.sub")),
    card(t("src.held"), h("div", { "data-role": "held" }, held.items.length ? held.items.map(heldCard) : emptyState(t("src.noHeld"), t("src.noHeldHint")))),
    card(t("src.health"), listTable([
      { label: t("col.name"), cell: (s) => h("strong", s.name) },
      { label: t("col.type"), cell: (s) => t("src.type." + s.type) },
      { label: t("src.entities"), cell: (s) => fmtNum(s.entities), cls: "num" },
      { label: t("src.lastRun"), cell: (s) => (s.lastRun ? [fmtTime(s.lastRun.finished || s.lastRun.started), " ", badge(t("src.result." + s.lastRun.result), RESULT_KIND[s.lastRun.result] || "neutral")] : t("src.never")) },
      { label: t("src.counts"), cell: (s) => counts(s.lastRun) },
      { label: t("src.errors"), cell: (s) => runErrors(s.lastRun) },
      { label: t("src.heldCount"), cell: (s) => (s.held ? badge(String(s.held), "warn") : "0"), cls: "num" },
      { label: "", cell: (s) => h("div.row-actions",
        s.type === "pull" ? button(t("src.pullNow"), () => pull(s.name), { icon: "refresh", dataset: { role: "pull", source: s.name } }) : null,
        button(t("src.import"), () => importFile(s.name), { icon: "upload", dataset: { role: "import", source: s.name } })) },
    ], src.items, t("src.none"))));

  function heldCard(b) {
    const sum = b.summary || {};
    return h("div.held", { dataset: { held: b.id } },
      h("div.held-head", icon("alert"), h("strong", t("src.heldFrom", { source: b.source })), h("span.muted", " " + fmtTime(b.created)), b.full ? badge(t("src.full"), "neutral") : null),
      sum.reason ? h("p", sum.reason) : null,
      sum.kinds ? listTable([
        { label: t("col.kind"), cell: ([k]) => k },
        { label: t("src.before"), cell: ([, v]) => fmtNum(v.before), cls: "num" },
        { label: t("src.created"), cell: ([, v]) => fmtNum(v.created), cls: "num" },
        { label: t("src.updated"), cell: ([, v]) => fmtNum(v.updated), cls: "num" },
        { label: t("src.deleted"), cell: ([, v]) => h("span.loss", fmtNum(v.deleted)), cls: "num" },
        { label: t("src.unchanged"), cell: ([, v]) => fmtNum(v.unchanged), cls: "num" },
      ], Object.entries(sum.kinds)) : null,
      h("details", h("summary", t("src.summaryRaw")), jsonView(sum)),
      h("div.form-actions",
        button(t("src.discard"), () => discard(b), { kind: "danger-ghost", dataset: { role: "discard" } }),
        button(t("src.approve"), () => approve(b), { kind: "primary", dataset: { role: "approve" } })));
  }
  async function approve(b) {
    if (!(await confirmDialog({ title: t("src.approveTitle"), body: h("p", t("src.approveBody", { source: b.source })), confirmLabel: t("src.approve") }))) return;
    try {
      const r = await api("POST", "/held/" + enc(b.id) + "/approve");
      toast(t("src.approved", { status: t("src.result." + r.status) }) + " " + counts(r), r.status === "applied" ? "ok" : "error");
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function discard(b) {
    if (!(await confirmDialog({ title: t("src.discardTitle"), body: h("p", t("src.discardBody", { source: b.source })), confirmLabel: t("src.discard"), danger: true }))) return;
    try {
      await api("POST", "/held/" + enc(b.id) + "/discard");
      toast(t("src.discarded"));
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  async function pull(name) {
    toast(t("src.pulling", { source: name }), "info");
    try {
      const r = await api("POST", "/sources/" + enc(name) + "/pull", { full: false });
      toast(r.ok ? t("src.pulled") + " " + counts(r) + (r.held ? " " + t("src.nowHeld") : "") : t("src.pullFailed", { error: r.error || "" }), r.ok ? "ok" : "error");
      render();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }
  function importFile(name) {
    const file = h("input", { type: "file", accept: ".json,.gz,.csv,application/json,text/csv", "data-role": "import-file" });
    const full = h("input", { type: "checkbox", "data-role": "import-full" });
    const bar = h("progress.progress", { max: 100, value: 0, "data-role": "import-progress" });
    const out = h("div", { "data-role": "import-result" });
    const go = button(t("src.upload"), send, { kind: "primary", dataset: { role: "upload" } });
    const d = h("dialog.dialog", h("h2", t("src.importTitle", { source: name })),
      h("div.dialog-body", h("p", t("src.importBody")), h("label.field", h("span", t("src.file")), file),
        h("label.check", full, h("span", t("src.importFull"))), h("p.hint", t("src.importFullHint")), bar, out),
      h("div.dialog-actions", button(t("common.close"), () => { d.close(); d.remove(); render(); }, { dataset: { role: "close" } }), go));
    document.body.appendChild(d);
    d.showModal();
    const problems = (list) => (list && list.length ? listTable([{ label: t("src.problem"), cell: (p) => (typeof p === "string" ? p : [p.field, p.message].filter(Boolean).join(": ")) }], list) : null);
    async function send() {
      if (!file.files.length) return clear(out, notice(t("src.pickFile"), "error"));
      go.disabled = true;
      bar.value = 0;
      clear(out, notice(t("src.uploading"), "info"));
      const f = file.files[0];
      try {
        const r = await upload("/sources/" + enc(name) + "/import?filename=" + enc(f.name) + "&full=" + (full.checked ? 1 : 0), f, (x) => (bar.value = Math.round(x * 100)));
        bar.value = 100;
        clear(out, h("div", { dataset: { status: r.status } }, notice(t("src.result." + r.status) + ": " + counts(r) + (r.status === "held" ? " " + t("src.heldExplain") : ""), r.status === "applied" ? "ok" : "warn")), problems(r.problems));
      } catch (e) {
        if (e.body && e.body.status) clear(out, h("div", { dataset: { status: e.body.status } }, notice(t("src.result." + e.body.status) + ". " + (e.body.message || ""), "error")), problems(e.body.problems));
        else clear(out, errorBox(e));
      } finally {
        go.disabled = false;
      }
    }
  }
}

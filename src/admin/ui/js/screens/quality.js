// Data quality: findings by school and rule, each entity a link.
import { h, clear, fmtNum } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { api } from "../api.js";
import { pageHeader, card, emptyState, badge, listTable } from "../widgets.js";
import { entityHref } from "./explorer.js";

// The model's kind names (as `skolnav quality` prints them) to API paths.
const KIND_PATH = {
  Organisation: "organisations", Person: "persons", Placement: "placements", Duty: "duties", Group: "groups",
  Programme: "programmes", StudyPlan: "studyplans", Syllabus: "syllabuses", SchoolUnitOffering: "schoolUnitOfferings",
  Activity: "activities", CalendarEvent: "calendarEvents", Attendance: "attendances", AttendanceEvent: "attendanceEvents",
  AttendanceSchedule: "attendanceSchedule", Absence: "absences", Grade: "grades", Resource: "resources", Room: "rooms",
};

export async function page(main, _p, query) {
  const school = query.get("school");
  const [q, orgs] = await Promise.all([api("GET", "/quality" + (school ? "?school=" + encodeURIComponent(school) : "")),
    api("GET", "/explorer/organisations?historical=1").catch(() => ({ items: [] }))]);
  const orgName = new Map(orgs.items.map((o) => [o.id, o.displayName]));
  const findings = q.findings || [];
  const bySchool = new Map();
  for (const f of findings) {
    const key = f.school && typeof f.school === "object" ? f.school.id : f.school || "";
    if (!bySchool.has(key)) bySchool.set(key, { school: f.school, rules: [] });
    bySchool.get(key).rules.push(f);
  }
  const rules = new Map((q.rules || []).map((r) => (typeof r === "string" ? [r, r] : [r.rule, r.description || r.rule])));
  const schoolName = (s) => (s && typeof s === "object" ? s.displayName || s.id : s ? orgName.get(s) || s : t("quality.noSchool"));
  const total = findings.reduce((n, f) => n + (f.entities || []).length, 0);
  clear(main, pageHeader(t("screen.quality"), t("quality.sub", { n: fmtNum(total) })),
    !findings.length ? card(null, emptyState(t("quality.none"), t("quality.noneHint"))) : null,
    [...bySchool.values()].map(({ school: s, rules: fs }) => card(schoolName(s),
      fs.map((f) => h("div.finding", { dataset: { rule: f.rule } },
        h("h3", tOr("rule.", f.rule) === f.rule ? rules.get(f.rule) || f.rule : tOr("rule.", f.rule), " ", badge(fmtNum((f.entities || []).length), "warn")),
        listTable([
          { label: t("col.entity"), cell: (e) => h("a", { href: entityHref(KIND_PATH[e.kind] || e.kind, e.id) }, e.displayName || e.id) },
          { label: t("col.kind"), cell: (e) => tOr("kind.", KIND_PATH[e.kind] || e.kind) },
          { label: t("col.detail"), cell: (e) => e.detail || "–" },
        ], (f.entities || []).slice(0, 200)))))));
}

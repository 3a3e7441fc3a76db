// What each role may see (docs/admin-api.md "Roles"); the server enforces
// the same, the pages only hide what would be refused.
const AREAS = {
  administrator: ["explorer", "quality", "vendors", "viewas", "sources", "audit", "reports", "adminaudit", "accounts", "apidocs"],
  "access-manager": ["vendors", "viewas", "apidocs"],
  viewer: ["explorer", "quality", "apidocs"],
  dpo: ["audit", "reports", "adminaudit", "apidocs"],
};

export function may(role, area) {
  return (AREAS[role] || []).includes(area);
}

// Whether the role may change vendors (access-manager, administrator).
export function mayChangeVendors(role) {
  return role === "administrator" || role === "access-manager";
}

export function firstScreen(role) {
  return { administrator: "explorer", "access-manager": "vendors", viewer: "explorer", dpo: "audit" }[role] || "api-docs";
}

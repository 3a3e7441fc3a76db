/* Admin roles (docs/admin.md): a bit each, so an endpoint names the roles
 * it admits as a mask. */
#ifndef SKOLNAV_ADMIN_ROLES_H
#define SKOLNAV_ADMIN_ROLES_H

enum {
    ROLE_ADMINISTRATOR = 1u << 0, /* everything */
    ROLE_ACCESS_MANAGER = 1u << 1, /* vendors and permissions */
    ROLE_VIEWER = 1u << 2,        /* read-only data explorer */
    ROLE_DPO = 1u << 3,           /* audit and ledger, read only */
};
#define ROLE_ALL (ROLE_ADMINISTRATOR | ROLE_ACCESS_MANAGER | ROLE_VIEWER | ROLE_DPO)

/* The role's bit for its name, 0 when there is no such role. */
unsigned role_by_name(const char *name);
const char *role_name(unsigned role);
/* "administrator, access-manager, viewer or dpo" */
const char *role_list(void);

#endif

/*
 * The admin audit trail: who did what, from where, to which target. Written
 * in the transaction of the action itself, so an action without its trail
 * row does not happen (logins: in their own small transaction).
 */
#ifndef SKOLNAV_ADMIN_AUDIT_H
#define SKOLNAV_ADMIN_AUDIT_H

#include <jansson.h>

#include "store/store.h"

/* detail: JSON or NULL, taken (decref'd) in every case. */
int admin_audit_write(store *st, const char *account, const char *address, const char *action, const char *target,
                      json_t *detail);
/* Newest first; *out = {"items": [...], "offset", "limit", "total"}. */
int admin_audit_list(store *st, long offset, long limit, json_t **out);

#endif

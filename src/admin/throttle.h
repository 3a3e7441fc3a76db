/*
 * The login throttle: failed logins are counted per account name and per
 * client address in a sliding window (admin_settings); past either limit
 * every attempt is refused, the right password included, until the oldest
 * failure leaves the window. Kept in the store, so every node of a
 * cluster counts the same failures.
 */
#ifndef SKOLNAV_ADMIN_THROTTLE_H
#define SKOLNAV_ADMIN_THROTTLE_H

#include "admin/sessions.h"
#include "store/store.h"

/* 1 when a login for account from address is refused now (*retry_s: when
 * to try again), 0 when allowed, -1 on a store error. */
int throttle_blocked(store *st, const admin_settings *cfg, const char *account, const char *address, long *retry_s);
/* Records a failure (and forgets failures older than the window). */
int throttle_fail(store *st, const admin_settings *cfg, const char *account, const char *address);
/* A successful login forgets the account's failures. */
int throttle_clear(store *st, const char *account);

#endif

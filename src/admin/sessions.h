/*
 * Admin sessions. The cookie carries 256 random bits (hex); the store keeps
 * only their hash, so a copy of the database opens no session. A session
 * ends after an idle time and at an absolute lifetime (settings below),
 * at logout, and when its account is disabled.
 *
 * Settings (store settings, read on every request, `skolnav admin settings`):
 *   admin_cookie_secure      1 (default) or 0: the Secure cookie attribute;
 *                            0 only for plain-http on localhost
 *   admin_idle_timeout       seconds, default 1800
 *   admin_session_lifetime   seconds, default 43200
 */
#ifndef SKOLNAV_ADMIN_SESSIONS_H
#define SKOLNAV_ADMIN_SESSIONS_H

#include <stdint.h>

#include "store/store.h"

#define SESSION_COOKIE "skolnav_admin"
#define SESSION_ID_LEN 65 /* hex and NUL */
#define SESSION_IDLE_DEFAULT_S 1800
#define SESSION_LIFETIME_DEFAULT_S 43200

enum { SESSION_EXPIRED = 3 }; /* after the STORE_* codes */

typedef struct admin_settings {
    int secure;
    int64_t idle_ms, lifetime_ms;
    long throttle_account, throttle_address; /* failed logins allowed per window */
    int64_t throttle_window_ms;
} admin_settings;

int admin_settings_load(store *st, admin_settings *s);

typedef struct session {
    char id[SESSION_ID_LEN]; /* the cookie value */
    char account[65];
    char via[16];            /* "password" or "oidc" */
    int64_t created, seen;
} session;

/* A new session for account; writes the cookie value into s->id. */
int session_create(store *st, const char *account, const char *via, session *s);
/* The session of a cookie value: STORE_OK (seen updated), STORE_NOTFOUND,
 * SESSION_EXPIRED (and deleted), STORE_ERR. */
int session_lookup(store *st, const char *id, const admin_settings *cfg, session *s);
int session_delete(store *st, const char *id);
int session_delete_account(store *st, const char *account);
/* The session id from a Cookie header, or 0 when absent. */
int session_cookie_value(const char *cookie_header, char id[SESSION_ID_LEN]);
/* The Set-Cookie value for id ("" clears the cookie). */
void session_set_cookie(const char *id, const admin_settings *cfg, char *out, size_t outlen);

#endif

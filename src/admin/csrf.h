/*
 * CSRF tokens: derived from the session id with a keyed hash, so the token
 * is bound to its session, needs no storage, and a page can read it from
 * GET /me (the cookie itself is HttpOnly). Sent back in X-CSRF-Token on
 * every state-changing request; SameSite=Strict is the second wall.
 */
#ifndef SKOLNAV_ADMIN_CSRF_H
#define SKOLNAV_ADMIN_CSRF_H

#define CSRF_HEADER "X-CSRF-Token"
#define CSRF_TOKEN_LEN 65

void csrf_token(const char *session_id, char out[CSRF_TOKEN_LEN]);
/* 0 when header is the session's token (compared in constant time). */
int csrf_check(const char *session_id, const char *header);

#endif

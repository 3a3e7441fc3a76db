/*
 * OpenID Connect sign-in for admins: the authorization code flow with PKCE
 * (S256), state and nonce. The configuration (issuer, client, redirect
 * URI, which claim carries the role and how its values map to roles) is
 * the store setting admin_oidc, set by `skolnav admin oidc`. The provider's
 * endpoints come from its discovery document; the id_token is checked for
 * its signature (jwt.c, the provider's JWKS), iss, aud, exp and nonce.
 */
#ifndef SKOLNAV_ADMIN_OIDC_H
#define SKOLNAV_ADMIN_OIDC_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

typedef struct oidc_config {
    const char *issuer, *client_id, *client_secret, *redirect_uri;
    const char *role_claim; /* e.g. "groups" or "role" */
    const char *roles;      /* "VALUE=ROLE,VALUE=ROLE": claim values to roles, first match wins */
    const char *user_claim; /* the account name; default preferred_username */
} oidc_config;

int oidc_config_check(const oidc_config *c, char *err, size_t errlen);
/* NULL turns OIDC off. Inside the caller's transaction. */
int oidc_config_save(store *st, const oidc_config *c);
/* The saved configuration as JSON (caller decrefs), STORE_NOTFOUND when off. */
int oidc_config_load(store *st, json_t **cfg);

/* The provider's authorization URL for a new sign-in (malloc'd); the
 * state, nonce and PKCE verifier are kept for the callback. */
int oidc_begin(store *st, json_t *cfg, char **url, char *err, size_t errlen);

enum { OIDC_OK = 0, OIDC_FAILED = -1, OIDC_NO_ROLE = -2 };
/* Completes a sign-in: the account name and role from the verified
 * id_token. */
int oidc_finish(store *st, json_t *cfg, const char *code, const char *state, char user[65], unsigned *role, char *err,
                size_t errlen);

#endif

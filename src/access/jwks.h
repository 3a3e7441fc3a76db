/*
 * Where a trusted issuer's keys come from (issuer.c): a JWKS document in a
 * file, read on every use (a key rollover is a file write), or at an
 * https:// URL (http:// on the loopback only, for local key services),
 * fetched and cached per process:
 *   - a cached copy is used for JWKS_TTL_S;
 *   - a token naming a kid the copy lacks fetches again (a rollover
 *     published upstream), at most once per JWKS_REFETCH_S, so tokens with
 *     made-up kids cannot make the hub hammer the issuer;
 *   - when a fetch fails, the last good copy is kept and used.
 */
#ifndef SKOLNAV_JWKS_H
#define SKOLNAV_JWKS_H

#include <jansson.h>
#include <stddef.h>

#define JWKS_TTL_S 300
#define JWKS_REFETCH_S 5
#define JWKS_TIMEOUT_MS 5000

/* 1 when where is a URL (else a file path). */
int jwks_is_url(const char *where);
/* 0 when a URL may be fetched (https, or http on the loopback); else -1
 * with why. */
int jwks_url_ok(const char *url, char *why, size_t whylen);
/* The JWKS document ({"keys": [...]}; caller decrefs) for a token naming
 * kid (NULL: any), or NULL with why in err. */
json_t *jwks_get(const char *where, const char *kid, char *err, size_t errlen);

#endif

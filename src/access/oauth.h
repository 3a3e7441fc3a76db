/*
 * OAuth2 client credentials (RFC 6749 §4.4) for the SS12000 API:
 * POST /oauth/token with grant_type=client_credentials, the client's id
 * and one of its API keys as the secret (HTTP Basic or form body), answers
 * a short-lived JWT (RFC 7519, HS256 under a key kept in the store, so
 * every node accepts every node's tokens). The JWT names the client and
 * the key it was issued for; it stops working when that key is rotated
 * out, revoked or expired, or when the client is removed, and the access
 * view's stops and grants apply to it as to the key itself.
 */
#ifndef SKOLNAV_OAUTH_H
#define SKOLNAV_OAUTH_H

#include <stddef.h>

#include "store/clients.h"
#include "util/buf.h"

#define OAUTH_TOKEN_SECONDS 3600
#define OAUTH_ISSUER "skolnav"
#define OAUTH_AUDIENCE "ss12000"
#define OAUTH_KEYLEN 32

/* The signing key from the store, created when missing (create != 0). */
int oauth_key(store *st, unsigned char key[OAUTH_KEYLEN], int create);

/* Answers a token request: *status and the JSON body (RFC 6749 §5.1 or
 * §5.2); *www_auth is set for a 401. */
void oauth_token_request(store *st, const unsigned char key[OAUTH_KEYLEN], const char *authorization,
                         const char *content_type, const char *body, size_t bodylen, int *status, buf *out,
                         const char **www_auth);

/* 1 when s has the form of a JWT (three dot-separated parts). */
int oauth_is_jwt(const char *s);
/* STORE_OK with *c filled when jwt is a genuine, unexpired token of ours
 * for a live key; STORE_NOTFOUND otherwise (no hint which part failed). */
int oauth_verify(store *st, const unsigned char key[OAUTH_KEYLEN], const char *jwt, client *c);

#endif

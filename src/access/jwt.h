/*
 * Signed JWTs (JWS compact form) checked against a JWKS document: RS256
 * (RSA, at least 2048 bits) and ES256 (P-256). Only the signature and the
 * form are checked here; the claims are the caller's (the admin's OpenID
 * Connect sign-in, trusted external issuers).
 */
#ifndef SKOLNAV_JWT_H
#define SKOLNAV_JWT_H

#include <jansson.h>
#include <stddef.h>

#define JWT_MAX 16384

/* 0 with *claims (the payload object; caller decrefs) when jwt is signed
 * by a key of jwks; else -1 with why in err. alg: the one algorithm the
 * caller accepts, or NULL for RS256 or ES256 (the algorithm is never the
 * token's choice alone: the key's type must match it). need_kid: the
 * token must name its key. */
int jwt_verify(const char *jwt, json_t *jwks, const char *alg, int need_kid, json_t **claims, char *err,
               size_t errlen);
/* The payload of a JWT read without checking anything (to find its
 * issuer before its keys), or NULL. */
json_t *jwt_peek_claims(const char *jwt);
/* The kid of the token's header ("" when none). */
void jwt_kid(const char *jwt, char *out, size_t outlen);

#endif

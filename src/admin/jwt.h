/*
 * Signed JWTs (JWS compact form) checked against a JWKS document: RS256
 * (RSA, at least 2048 bits) and ES256 (P-256). Only the signature and the
 * form are checked here; the claims are the caller's (oidc.c).
 */
#ifndef SKOLNAV_ADMIN_JWT_H
#define SKOLNAV_ADMIN_JWT_H

#include <jansson.h>
#include <stddef.h>

#define JWT_MAX 16384

/* 0 with *claims (the payload object; caller decrefs) when jwt is signed
 * by a key of jwks; else -1 with why in err. */
int jwt_verify(const char *jwt, json_t *jwks, json_t **claims, char *err, size_t errlen);

#endif

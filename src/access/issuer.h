/*
 * Externally issued JWTs, as Skolverket's DNP client and federations
 * present them: a trusted issuer (table issuer) has a JWKS file, claim
 * rules (audience; optionally a location that must appear in
 * requested_access[type=ss12000-api].locations, and an organization_id)
 * and the client its tokens act as. RS256 only (OpenSSL). The keys come
 * from a JWKS file (read on every token, so replacing it takes effect at
 * once) or URL (cached, fetched again for a kid it lacks): jwks.h.
 */
#ifndef SKOLNAV_ISSUER_H
#define SKOLNAV_ISSUER_H

#include "store/clients.h"

/* STORE_OK with *c filled when jwt is signed by a trusted issuer's key and
 * meets its rules; STORE_NOTFOUND otherwise (no hint why). */
int issuer_verify(store *st, const char *jwt, client *c);

typedef struct issuer_def {
    const char *iss, *jwks_file, *audience, *location, *organization_id, *client_id;
} issuer_def;

/* Adds or replaces an issuer. */
int issuer_put(store *st, const issuer_def *d);
int issuer_remove(store *st, const char *iss);

#endif

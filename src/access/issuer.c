#include "access/issuer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/jwks.h"
#include "access/jwt.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MAX_JWT 16384
#define LEEWAY_S 60 /* clock skew allowed on exp and nbf */

static int aud_ok(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return !strcmp(json_string_value(aud), want);
    size_t i;
    json_t *a;
    json_array_foreach(aud, i, a) {
        if (json_is_string(a) && !strcmp(json_string_value(a), want))
            return 1;
    }
    return 0;
}

/* requested_access[type=ss12000-api].locations holds the location. */
static int location_ok(json_t *ra, const char *loc)
{
    size_t i, j;
    json_t *a, *l;
    json_array_foreach(ra, i, a) {
        const char *t = json_string_value(json_object_get(a, "type"));
        if (!t || strcmp(t, "ss12000-api"))
            continue;
        json_array_foreach(json_object_get(a, "locations"), j, l) {
            if (json_is_string(l) && !strcmp(json_string_value(l), loc))
                return 1;
        }
    }
    return 0;
}

int issuer_verify(store *st, const char *jwt, client *c)
{
    if (strlen(jwt) > MAX_JWT)
        return STORE_NOTFOUND;
    /* The issuer claim names the keys; nothing is trusted before they verify it. */
    json_t *peek = jwt_peek_claims(jwt), *p = NULL;
    const char *iss = json_string_value(json_object_get(peek, "iss"));
    int rc = STORE_NOTFOUND;
    store_stmt *s = NULL;
    if (!iss)
        goto out;
    if (store_prepare(st, "SELECT jwks_file, audience, coalesce(location,''), coalesce(organization_id,''), client"
                          " FROM issuer WHERE iss=?", &s)) {
        rc = STORE_ERR;
        goto out;
    }
    store_bind_text(s, 1, iss);
    if (store_step(s) != 1)
        goto out;
    char err[300], kid[64];
    jwt_kid(jwt, kid, sizeof kid);
    json_t *jwks = jwks_get(store_col_text(s, 0), kid[0] ? kid : NULL, err, sizeof err);
    if (!jwks)
        log_msg(LOG_WARN, "the keys of issuer %s cannot be read: %s", iss, err);
    /* The algorithm is the issuer's (RS256), never the token's choice. */
    int bad = !jwks || jwt_verify(jwt, jwks, "RS256", 1, &p, err, sizeof err);
    json_decref(jwks);
    if (bad || !json_equal(json_object_get(p, "iss"), json_object_get(peek, "iss")))
        goto out;
    int64_t now = time_now_ms() / 1000;
    json_t *exp = json_object_get(p, "exp"), *nbf = json_object_get(p, "nbf");
    const char *loc = store_col_text(s, 2), *org = store_col_text(s, 3);
    const char *orgc = json_string_value(json_object_get(p, "organization_id"));
    int ok = json_is_integer(exp) && json_integer_value(exp) + LEEWAY_S > now &&
             (!nbf || (json_is_integer(nbf) && json_integer_value(nbf) - LEEWAY_S <= now)) &&
             aud_ok(json_object_get(p, "aud"), store_col_text(s, 1)) &&
             (!*loc || location_ok(json_object_get(p, "requested_access"), loc)) &&
             (!*org || (orgc && !strcmp(orgc, org)));
    if (!ok)
        goto out;
    /* The client id is copied and the statement closed before
     * clients_find: a PostgreSQL connection runs one statement at a time. */
    char client_id[UUID_STR_LEN + 64];
    snprintf(client_id, sizeof client_id, "%s", store_col_text(s, 4));
    store_finalize(s);
    s = NULL;
    rc = clients_find(st, client_id, c);
    if (rc == STORE_OK) {
        snprintf(c->key_id, sizeof c->key_id, "jwt:%.11s", kid);
    }
out:
    store_finalize(s);
    json_decref(peek);
    json_decref(p);
    return rc == STORE_ERR ? STORE_ERR : rc == STORE_OK ? STORE_OK : STORE_NOTFOUND;
}

int issuer_put(store *st, const issuer_def *d)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO issuer(iss, jwks_file, audience, location, organization_id, client, created)"
                          " VALUES(?,?,?,?,?,?,?) ON CONFLICT(iss) DO UPDATE SET jwks_file=excluded.jwks_file,"
                          " audience=excluded.audience, location=excluded.location,"
                          " organization_id=excluded.organization_id, client=excluded.client", &s))
        return STORE_ERR;
    store_bind_text(s, 1, d->iss);
    store_bind_text(s, 2, d->jwks_file);
    store_bind_text(s, 3, d->audience);
    if (d->location)
        store_bind_text(s, 4, d->location);
    else
        store_bind_null(s, 4);
    if (d->organization_id)
        store_bind_text(s, 5, d->organization_id);
    else
        store_bind_null(s, 5);
    store_bind_text(s, 6, d->client_id);
    store_bind_int(s, 7, time_now_ms());
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int issuer_remove(store *st, const char *iss)
{
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM issuer WHERE iss=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, iss);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

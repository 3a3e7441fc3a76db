/*
 * API clients, their credentials and their grants, as stored. A key is
 * shown once when created and stored only as a hash; keys are 256 random
 * bits, so a fast hash is enough (there is nothing to brute-force). A
 * client may hold several keys at once (rotation without a gap), each with
 * an optional expiry. What a grant means is the access view's business
 * (src/access/access.h); this file only keeps it.
 */
#ifndef SKOLNAV_CLIENTS_H
#define SKOLNAV_CLIENTS_H

#include <stdint.h>

#include "store/store.h"
#include "util/uuid.h"

#define CLIENT_KEY_LEN 64
#define CLIENT_KEYID_LEN 17

/* How a client sees persons with a protected identity. */
typedef enum { PROTECT_EXCLUDE = 0, PROTECT_ALIAS, PROTECT_FULL } protect_mode;

typedef struct client {
    char id[UUID_STR_LEN];
    char name[128];
    char key_id[CLIENT_KEYID_LEN]; /* the credential this request came with */
    int full_access;   /* the foundation's --full-access: everything, unfiltered */
    int suspended;     /* emergency stop for this client */
    int stopped_all;   /* the global emergency stop is on */
    int expired;       /* the contract end date has passed */
    int all_orgs;
    uint32_t cats;     /* bit per field_category */
    protect_mode protect;
    int pseudonyms;
    int writes;
    int64_t created;
    char contract_end[11]; /* YYYY-MM-DD or "" */
} client;

/* Free-text details of a client; NULL members are left as they are. */
typedef struct client_details {
    const char *vendor, *contact, *dpo, *purpose, *legal_basis, *contract_end;
} client_details;

/* Creates a client with one key (expires_ms 0: never); writes its id and
 * the key (NUL-terminated). A client without full access sees nothing
 * until granted. */
int clients_add(store *st, const char *name, int full_access, char id[UUID_STR_LEN], char key[CLIENT_KEY_LEN]);
/* Adds a key to a client. */
int clients_add_key(store *st, const char *client_id, int64_t expires_ms, char key[CLIENT_KEY_LEN],
                    char key_id[CLIENT_KEYID_LEN]);
/* Sets the expiry of every other unrevoked key of the client to at_ms
 * (at most), for a rotation; at_ms <= now revokes them at once. */
int clients_expire_keys(store *st, const char *client_id, const char *keep_key_id, int64_t at_ms);
/* Revokes one key of the client now: STORE_NOTFOUND when it has no such
 * unrevoked key. */
int clients_revoke_key(store *st, const char *client_id, const char *key_id);
int clients_set_details(store *st, const char *client_id, const client_details *d);

/* STORE_OK with *c filled when key is a live key of a client (suspension,
 * the global stop and the contract end are reported in *c, not refused
 * here), else STORE_NOTFOUND. */
int clients_auth(store *st, const char *key, client *c);
/* Like clients_auth, for a key given with its client id (OAuth2 client
 * credentials) or for a key known by its id (an OAuth2 access token). */
int clients_auth_secret(store *st, const char *client_id, const char *key, client *c);
int clients_auth_key_id(store *st, const char *client_id, const char *key_id, client *c);
/* By id or by unique name: STORE_OK, STORE_NOTFOUND, CLIENTS_AMBIGUOUS
 * (several clients have that name), or STORE_ERR. */
#define CLIENTS_AMBIGUOUS 3 /* after the STORE_* codes */
int clients_find(store *st, const char *id_or_name, client *c);
/* Calls fn for every client. */
int clients_list(store *st, void (*fn)(void *ctx, const client *c, int64_t created), void *ctx);

/* Grants: all organisations or the listed ones (added to the present
 * ones), categories added, protection mode and pseudonyms when >= 0. */
int clients_grant(store *st, const char *client_id, int all_orgs, const char *const *orgs, size_t norgs,
                  uint32_t cats, int protect, int pseudonyms, int writes);
/* Takes back organisations and categories (all_orgs: the "all" flag). */
int clients_revoke(store *st, const char *client_id, int all_orgs, const char *const *orgs, size_t norgs,
                   uint32_t cats);
/* The client's organisations: fn for each. */
int clients_orgs(store *st, const char *client_id, void (*fn)(void *ctx, const char *org), void *ctx);
int clients_set_suspended(store *st, const char *client_id, int suspended);
int clients_remove(store *st, const char *client_id);

/* The global emergency stop. */
int clients_stop_all(store *st, int on);
/* Appends to the access event log (grants, stops, rotations). */
int clients_event(store *st, const char *client_id, const char *what);

#endif

/*
 * API clients and their keys. A key is shown once when created and stored
 * only as a hash; keys are 256 random bits, so a fast hash is enough (there
 * is nothing to brute-force).
 */
#ifndef SKOLNAV_CLIENTS_H
#define SKOLNAV_CLIENTS_H

#include "store/store.h"
#include "util/uuid.h"

#define CLIENT_KEY_LEN 64

typedef struct client {
    char id[UUID_STR_LEN];
    char name[128];
    int full_access;
} client;

/* Creates a client; writes its id and its new key (NUL-terminated). */
int clients_add(store *st, const char *name, int full_access, char id[UUID_STR_LEN], char key[CLIENT_KEY_LEN]);
/* STORE_OK with *c filled when key belongs to an enabled client, else STORE_NOTFOUND. */
int clients_auth(store *st, const char *key, client *c);
/* Calls fn for every client. */
int clients_list(store *st, void (*fn)(void *ctx, const client *c, int64_t created), void *ctx);

#endif

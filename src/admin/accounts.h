/*
 * Admin accounts: a user name, a role, a password kept only as an
 * argon2id hash (libsodium crypto_pwhash_str), a disabled flag. Accounts
 * that sign in through OpenID Connect have no password (oidc = 1) and get
 * their role from the provider's claim at every sign-in.
 */
#ifndef SKOLNAV_ADMIN_ACCOUNTS_H
#define SKOLNAV_ADMIN_ACCOUNTS_H

#include <stdint.h>

#include "store/store.h"

#define ACCOUNT_NAME_MAX 64
#define ACCOUNT_PASSWORD_LEN 21 /* 20 characters and the NUL */

typedef struct account {
    char name[ACCOUNT_NAME_MAX + 1];
    unsigned role; /* ROLE_* (roles.h) */
    int disabled;
    int oidc;
    int64_t created, last_login; /* last_login 0: never */
} account;

/* 0 when name is 1..64 characters of A-Za-z0-9._@- */
int account_name_valid(const char *name);
/* Creates a password account with a new random password (written to
 * password). STORE_ERR also when the name is taken: *exists is set then. */
int accounts_create(store *st, const char *name, unsigned role, char password[ACCOUNT_PASSWORD_LEN], int *exists);
/* STORE_OK when name is an enabled password account and password is its
 * password (*a filled); STORE_NOTFOUND for any other failure, taking about
 * as long (no oracle for which names exist). */
int accounts_verify(store *st, const char *name, const char *password, account *a);
int accounts_get(store *st, const char *name, account *a);
int accounts_list(store *st, void (*fn)(void *ctx, const account *a), void *ctx);
int accounts_set_role(store *st, const char *name, unsigned role);
int accounts_set_disabled(store *st, const char *name, int disabled);
int accounts_reset_password(store *st, const char *name, char password[ACCOUNT_PASSWORD_LEN]);
int accounts_touch_login(store *st, const char *name);
/* An OIDC account: created or given its role from the claim now.
 * STORE_NOTFOUND when the name is a password account or disabled. */
int accounts_oidc_upsert(store *st, const char *name, unsigned role, account *a);

#endif

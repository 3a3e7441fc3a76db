#include "admin/accounts.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/roles.h"
#include "util/timefmt.h"

int account_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > ACCOUNT_NAME_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '@' || c == '-'))
            return -1;
    }
    return 0;
}

/* 20 characters from an alphabet without look-alikes: about 115 bits. */
static void new_password(char out[ACCOUNT_PASSWORD_LEN])
{
    static const char alpha[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < ACCOUNT_PASSWORD_LEN - 1; i++)
        out[i] = alpha[randombytes_uniform((uint32_t)(sizeof alpha - 1))];
    out[ACCOUNT_PASSWORD_LEN - 1] = 0;
}

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

static int exec1(store *st, const char *sql, const char *a, const char *b, int64_t i, int nint)
{
    store_stmt *s;
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    int k = 1;
    if (a)
        store_bind_text(s, k++, a);
    if (nint)
        store_bind_int(s, k++, i);
    if (b)
        store_bind_text(s, k++, b);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int accounts_create(store *st, const char *name, unsigned role, char password[ACCOUNT_PASSWORD_LEN], int *exists)
{
    *exists = 0;
    account a;
    int rc = accounts_get(st, name, &a);
    if (rc == STORE_OK)
        *exists = 1;
    if (rc != STORE_NOTFOUND)
        return STORE_ERR;
    char h[crypto_pwhash_STRBYTES];
    new_password(password);
    if (hash_password(password, h))
        return STORE_ERR;
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO admin_account(name, role, hash, created) VALUES (?, ?, ?, ?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, name);
    store_bind_text(s, 2, role_name(role));
    store_bind_text(s, 3, h);
    store_bind_int(s, 4, time_now_ms());
    rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static void fill(store_stmt *s, account *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", store_col_text(s, 0));
    a->role = role_by_name(store_col_text(s, 1));
    a->disabled = (int)store_col_int(s, 2);
    a->oidc = (int)store_col_int(s, 3);
    a->created = store_col_int(s, 4);
    a->last_login = store_col_is_null(s, 5) ? 0 : store_col_int(s, 5);
}

#define ACCOUNT_COLS "name, role, disabled, oidc, created, last_login"

int accounts_get(store *st, const char *name, account *a)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT " ACCOUNT_COLS " FROM admin_account WHERE name=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, name);
    int rc = store_step(s);
    if (rc == 1)
        fill(s, a);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : rc == 1 ? STORE_OK : STORE_NOTFOUND;
}

/* A hash of nothing in particular, so an unknown name costs a verify too;
 * made once, whichever worker thread logs in first. */
static char dummy[crypto_pwhash_STRBYTES];
static int dummy_failed;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    dummy_failed = hash_password("skolnav-no-such-account", dummy) != 0;
}

int accounts_verify(store *st, const char *name, const char *password, account *a)
{
    pthread_once(&dummy_once, make_dummy);
    if (dummy_failed)
        return STORE_ERR;
    store_stmt *s;
    if (store_prepare(st, "SELECT " ACCOUNT_COLS ", coalesce(hash, '') FROM admin_account WHERE name=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, name);
    int rc = store_step(s);
    char h[crypto_pwhash_STRBYTES] = "";
    if (rc == 1) {
        fill(s, a);
        snprintf(h, sizeof h, "%s", store_col_text(s, 6));
    }
    store_finalize(s);
    if (rc < 0)
        return STORE_ERR;
    int ok = crypto_pwhash_str_verify(h[0] ? h : dummy, password, strlen(password)) == 0;
    return ok && rc == 1 && h[0] && !a->disabled && a->role ? STORE_OK : STORE_NOTFOUND;
}

int accounts_list(store *st, void (*fn)(void *ctx, const account *a), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT " ACCOUNT_COLS " FROM admin_account ORDER BY name", &s))
        return STORE_ERR;
    int rc;
    account a;
    while ((rc = store_step(s)) == 1) {
        fill(s, &a);
        fn(ctx, &a);
    }
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int accounts_set_role(store *st, const char *name, unsigned role)
{
    return exec1(st, "UPDATE admin_account SET role=? WHERE name=?", role_name(role), name, 0, 0);
}

int accounts_set_disabled(store *st, const char *name, int disabled)
{
    return exec1(st, "UPDATE admin_account SET disabled=? WHERE name=?", NULL, name, disabled, 1);
}

int accounts_reset_password(store *st, const char *name, char password[ACCOUNT_PASSWORD_LEN])
{
    char h[crypto_pwhash_STRBYTES];
    new_password(password);
    if (hash_password(password, h))
        return STORE_ERR;
    return exec1(st, "UPDATE admin_account SET hash=?, oidc=0 WHERE name=?", h, name, 0, 0);
}

int accounts_touch_login(store *st, const char *name)
{
    return exec1(st, "UPDATE admin_account SET last_login=? WHERE name=?", NULL, name, time_now_ms(), 1);
}

int accounts_oidc_upsert(store *st, const char *name, unsigned role, account *a)
{
    int rc = accounts_get(st, name, a);
    if (rc == STORE_ERR)
        return rc;
    if (rc == STORE_OK) {
        if (!a->oidc || a->disabled)
            return STORE_NOTFOUND;
        if (accounts_set_role(st, name, role))
            return STORE_ERR;
    } else {
        store_stmt *s;
        if (store_prepare(st, "INSERT INTO admin_account(name, role, oidc, created) VALUES (?, ?, 1, ?)", &s))
            return STORE_ERR;
        store_bind_text(s, 1, name);
        store_bind_text(s, 2, role_name(role));
        store_bind_int(s, 3, time_now_ms());
        rc = store_step(s);
        store_finalize(s);
        if (rc < 0)
            return STORE_ERR;
    }
    return accounts_get(st, name, a);
}

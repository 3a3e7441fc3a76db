#include "admin/throttle.h"

#include "util/timefmt.h"

/* Failures of one column's value in the window: count and the oldest. */
static int count(store *st, const char *col_sql, const char *v, int64_t since, int64_t *n, int64_t *oldest)
{
    store_stmt *s;
    if (store_prepare(st, col_sql, &s))
        return -1;
    store_bind_text(s, 1, v);
    store_bind_int(s, 2, since);
    int rc = store_step(s);
    if (rc == 1) {
        *n = store_col_int(s, 0);
        *oldest = store_col_is_null(s, 1) ? 0 : store_col_int(s, 1);
    }
    store_finalize(s);
    return rc == 1 ? 0 : -1;
}

static int over(store *st, const char *sql, const char *v, long limit, int64_t now, int64_t window, long *retry_s)
{
    int64_t n = 0, oldest = 0;
    if (count(st, sql, v, now - window, &n, &oldest))
        return -1;
    if (n < limit)
        return 0;
    long r = (long)((oldest + window - now + 999) / 1000);
    if (r < 1)
        r = 1;
    if (r > *retry_s)
        *retry_s = r;
    return 1;
}

int throttle_blocked(store *st, const admin_settings *cfg, const char *account, const char *address, long *retry_s)
{
    int64_t now = time_now_ms();
    *retry_s = 0;
    int a = over(st, "SELECT count(*), min(at) FROM admin_login_fail WHERE account=? AND at>?", account,
                 cfg->throttle_account, now, cfg->throttle_window_ms, retry_s);
    int b = over(st, "SELECT count(*), min(at) FROM admin_login_fail WHERE address=? AND at>?", address,
                 cfg->throttle_address, now, cfg->throttle_window_ms, retry_s);
    if (a < 0 || b < 0)
        return -1;
    return a || b;
}

int throttle_fail(store *st, const admin_settings *cfg, const char *account, const char *address)
{
    int64_t now = time_now_ms();
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM admin_login_fail WHERE at<?", &s))
        return -1;
    store_bind_int(s, 1, now - cfg->throttle_window_ms);
    int rc = store_step(s);
    store_finalize(s);
    if (rc < 0 || store_prepare(st, "INSERT INTO admin_login_fail(account, address, at) VALUES (?, ?, ?)", &s))
        return -1;
    store_bind_text(s, 1, account);
    store_bind_text(s, 2, address);
    store_bind_int(s, 3, now);
    rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

int throttle_clear(store *st, const char *account)
{
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM admin_login_fail WHERE account=?", &s))
        return -1;
    store_bind_text(s, 1, account);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

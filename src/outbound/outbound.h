/*
 * SS12000 subscriptions and their webhooks (DIGEST §2.13).
 *
 * A subscription names entity kinds and a target URL. A dispatcher thread
 * in the server follows the store's change feed: for each subscription it
 * turns the changes after the subscription's cursor into one pending
 * notification in a durable outbox table, in the same transaction that
 * advances the cursor, so a crash or restart loses nothing and sends
 * nothing twice for the same change. Changes that arrive while a
 * notification is pending are merged into it (coalescing). Deliveries run
 * concurrently through libcurl with a timeout each, so a slow receiver
 * holds up only its own subscription; failures are retried with
 * exponential backoff and jitter for a bounded period, after which the
 * subscription is marked failing until it is renewed (PATCH).
 *
 * What a client hears of is decided by the access view (access.h), as for
 * its API requests: a change to an entity outside its organisations,
 * categories or protected-identity mode is not notified, a person it
 * received who leaves its view is notified as a deletion, and nothing is
 * delivered while the client is stopped, suspended or past its contract
 * (the notifications wait in the outbox).
 *
 * Each delivery is signed: X-Skolnav-Timestamp (Unix seconds) and
 * X-Skolnav-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp "." body)),
 * with the per-subscription secret returned once when it is created.
 */
#ifndef SKOLNAV_OUTBOUND_H
#define SKOLNAV_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/uuid.h"

#define SUB_NAME_MAX 200
#define SUB_TARGET_MAX 2000
#define SUB_SECRET_HEX 65 /* 32 bytes as hex + NUL */

typedef struct outbound_opts {
    int64_t ttl_ms;          /* lifetime of a subscription (and of a renewal); default 30 days */
    int64_t retry_for_ms;    /* how long a notification is retried before failing; default 24 h */
    long timeout_ms;         /* per delivery attempt, connect included; default 10 s */
    int64_t coalesce_ms;     /* a notification waits this long for more changes; default 300 ms */
    int allow_http_loopback; /* http:// targets on 127.0.0.1/localhost/[::1] (tests, local receivers) */
} outbound_opts;

/* The server sets these once before it serves (defaults otherwise). */
void outbound_configure(const outbound_opts *o);
const outbound_opts *outbound_config(void);

typedef struct subscription {
    char id[UUID_STR_LEN];
    char client[UUID_STR_LEN];
    char name[SUB_NAME_MAX + 1];
    char target[SUB_TARGET_MAX + 1];
    uint32_t kinds;    /* bit per kind_id */
    int64_t expires, created;
    int failing;
    char last_error[256];
} subscription;

/* 0 when target may receive webhooks; otherwise -1 with the reason. */
int subs_target_ok(const char *target, char *why, size_t whylen);

/* Creates s (name, target, kinds, client filled in): assigns id, expiry and
 * a new secret (hex, shown once). Its cursor starts at the feed's end. */
int subs_create(store *st, subscription *s, char secret[SUB_SECRET_HEX]);
/* STORE_OK, STORE_NOTFOUND (also when it belongs to another client) or STORE_ERR. */
int subs_get(store *st, const char *client, const char *id, subscription *out);
/* The client's subscriptions after `after_id` ("" for the start), by id. */
int subs_list(store *st, const char *client, const char *after_id, long limit,
              int (*fn)(void *ctx, const subscription *s), void *ctx);
/* Extends the expiry by the configured lifetime and clears failing. */
int subs_renew(store *st, const char *client, const char *id, subscription *out);
int subs_delete(store *st, const char *client, const char *id);
/* The Subscription wire JSON (malloc'd). */
char *subs_json(const subscription *s);

/* The dispatcher thread, with its own store connection to `db`. */
int outbound_start(const char *db);
void outbound_stop(void);

#endif

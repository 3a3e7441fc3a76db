/*
 * Per-client request rate limits: a token bucket per client, per node
 * (nodes do not share buckets, so N nodes allow N times the rate; put the
 * limit per node accordingly). Thread-safe; the server holds one.
 */
#ifndef SKOLNAV_RATELIMIT_H
#define SKOLNAV_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit ratelimit;

typedef struct rl_result {
    int allowed;
    long limit;      /* bucket size (requests) */
    long remaining;  /* requests left in the bucket after this one */
    long reset_s;    /* seconds until the bucket is full again */
    long retry_s;    /* when refused: seconds until one request is allowed */
} rl_result;

ratelimit *rl_new(void);
void rl_free(ratelimit *rl);
/* Takes one request from client's bucket (rate per second, burst size). */
void rl_take(ratelimit *rl, const char *client, double rate, double burst, int64_t now_ms, rl_result *out);

#endif

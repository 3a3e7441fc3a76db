#include "api/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/strmap.h"

typedef struct bucket {
    double tokens;
    int64_t at_ms;
} bucket;

struct ratelimit {
    pthread_mutex_t mu;
    strmap buckets; /* client id -> bucket */
};

ratelimit *rl_new(void)
{
    ratelimit *rl = xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->mu, NULL);
    strmap_init(&rl->buckets);
    return rl;
}

void rl_free(ratelimit *rl)
{
    if (!rl)
        return;
    strmap_free(&rl->buckets, free);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

void rl_take(ratelimit *rl, const char *client, double rate, double burst, int64_t now_ms, rl_result *out)
{
    pthread_mutex_lock(&rl->mu);
    bucket *b = strmap_get(&rl->buckets, client);
    if (!b) {
        b = xcalloc(1, sizeof *b);
        b->tokens = burst;
        b->at_ms = now_ms;
        strmap_put(&rl->buckets, client, b);
    }
    if (now_ms > b->at_ms) {
        b->tokens = fmin(burst, b->tokens + rate * (double)(now_ms - b->at_ms) / 1000.0);
        b->at_ms = now_ms;
    }
    out->allowed = b->tokens >= 1.0;
    if (out->allowed)
        b->tokens -= 1.0;
    out->limit = (long)burst;
    out->remaining = (long)floor(b->tokens);
    out->reset_s = (long)ceil((burst - b->tokens) / rate);
    out->retry_s = out->allowed ? 0 : (long)ceil((1.0 - b->tokens) / rate);
    if (!out->allowed && out->retry_s < 1)
        out->retry_s = 1;
    pthread_mutex_unlock(&rl->mu);
}

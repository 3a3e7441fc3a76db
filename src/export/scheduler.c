/*
 * The server's export scheduler: one thread with its own store connection
 * that, every few seconds, claims a due schedule (files.h: the claim is a
 * compare-and-set, so nodes sharing a database do not both run it) and
 * produces that client's export. A failed run is reported in the
 * schedule's last_result and retried at its next time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "export/export.h"
#include "export/files.h"
#include "util/log.h"
#include "util/timefmt.h"

#define TICK_MS 1000

static pthread_t thread;
static int running;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stopping;
static char *dburl;

static void run_one(store *st, const export_sched *x)
{
    client cl;
    char result[1024];
    int rc = clients_find(st, x->client, &cl);
    if (rc != STORE_OK) {
        snprintf(result, sizeof result, "error: the client %s %s", x->client,
                 rc == STORE_NOTFOUND ? "no longer exists" : "cannot be read");
    } else {
        export_opts o = { .dir = x->dir, .keep = x->keep };
        export_result r;
        char err[512];
        if (export_client(st, &cl, &o, &r, err, sizeof err))
            snprintf(result, sizeof result, "error: %s", err);
        else
            snprintf(result, sizeof result, "ok: %s (%lld entities, %lld bytes)", r.path, (long long)r.entities,
                     (long long)r.bytes);
    }
    log_msg(strncmp(result, "ok", 2) ? LOG_ERR : LOG_INFO, "scheduled export for client %s: %s", x->client, result);
    if (export_sched_result(st, x->client, time_now_ms(), result))
        log_msg(LOG_ERR, "recording the export result for %s: %s", x->client, store_errmsg(st));
}

static int wait_tick(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += TICK_MS / 1000;
    pthread_mutex_lock(&mu);
    if (!stopping)
        pthread_cond_timedwait(&cv, &mu, &ts);
    int stop = stopping;
    pthread_mutex_unlock(&mu);
    return stop;
}

static void *loop(void *arg)
{
    (void)arg;
    store *st = NULL;
    while (!wait_tick()) {
        char err[512];
        if (!st && store_open(dburl, 0, &st, err, sizeof err)) {
            log_msg(LOG_ERR, "export scheduler: %s", err);
            st = NULL;
            continue;
        }
        export_sched x;
        int rc = export_sched_claim(st, time_now_ms(), &x);
        if (rc == STORE_OK) {
            run_one(st, &x);
            export_sched_free(&x);
        } else if (rc == STORE_ERR) {
            log_msg(LOG_ERR, "export scheduler: %s", store_errmsg(st));
            store_close(st); /* reconnect at the next tick */
            st = NULL;
        }
    }
    store_close(st);
    return NULL;
}

int export_scheduler_start(const char *db)
{
    dburl = strdup(db);
    stopping = 0;
    if (!dburl || pthread_create(&thread, NULL, loop, NULL))
        return -1;
    running = 1;
    return 0;
}

void export_scheduler_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = 0;
    free(dburl);
    dburl = NULL;
}

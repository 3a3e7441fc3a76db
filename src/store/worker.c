#include "store/worker.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"

/* Waits until the next turn is due, kicked or stopping; 1 when stopping. */
static int wait_turn(worker *w)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += w->period_ms / 1000;
    until.tv_nsec += (long)(w->period_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stopping) && !w->kicked)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    w->kicked = 0;
    int stop = atomic_load(&w->stopping);
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *run(void *arg)
{
    worker *w = arg;
    store *st = NULL;
    do {
        char err[512];
        if (!st && store_open(w->db, 0, &st, err, sizeof err)) {
            log_msg(LOG_ERR, "%s: %s", w->name, err);
            st = NULL;
            continue;
        }
        if (w->turn(st, w)) {
            store_close(st); /* a new connection at the next turn */
            st = NULL;
        }
    } while (!wait_turn(w));
    store_close(st);
    return NULL;
}

int worker_start(worker *w, const char *db)
{
    if (w->started)
        return 0;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
        pthread_cond_init(&w->cv, &ca)) {
        pthread_condattr_destroy(&ca);
        return -1;
    }
    pthread_condattr_destroy(&ca);
    if (pthread_mutex_init(&w->mu, NULL)) {
        pthread_cond_destroy(&w->cv);
        return -1;
    }
    w->db = xstrdup(db);
    atomic_store(&w->stopping, 0);
    w->kicked = 0;
    if (pthread_create(&w->thread, NULL, run, w)) {
        free(w->db);
        w->db = NULL;
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        return -1;
    }
    w->started = 1;
    return 0;
}

void worker_kick(worker *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int worker_stopping(worker *w)
{
    return atomic_load(&w->stopping);
}

const atomic_int *worker_cancel_flag(worker *w)
{
    return &w->stopping;
}

int worker_running(worker *w)
{
    return w->started;
}

void worker_stop(worker *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stopping, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->db);
    w->db = NULL;
    w->started = 0;
}

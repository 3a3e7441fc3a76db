/*
 * A background worker: one thread with its own store connection that calls
 * turn() every period_ms until stopped, at once when kicked. The server's
 * schedulers and the ledger's folder are workers; what they do differs,
 * how they start, wait, reconnect and stop does not.
 *
 *   static worker w = { .name = "scheduled pulls", .period_ms = 5000, .turn = turn };
 *   worker_start(&w, db);  ...  worker_kick(&w);  ...  worker_stop(&w);
 *
 * turn() returns 0, or -1 when the connection looks broken: the worker then
 * closes it and opens a new one at the next turn. A turn that runs long
 * checks worker_stopping() between its steps.
 */
#ifndef SKOLNAV_WORKER_H
#define SKOLNAV_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

typedef struct worker worker;
struct worker {
    const char *name; /* in log lines: "scheduled pulls: ..." */
    int period_ms;
    int (*turn)(store *st, worker *w);
    void *arg;        /* the turn's own */
    /* private */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *db;
    atomic_int stopping;
    int started, kicked;
};

/* 0 when the thread runs (or already ran); -1 when it cannot start. */
int worker_start(worker *w, const char *db);
/* Wakes the worker for a turn now (a turn already running is not repeated
 * twice: kicks while it runs make one more turn). */
void worker_kick(worker *w);
/* 1 once worker_stop was called: a long turn returns early. */
int worker_stopping(worker *w);
/* The same as a flag, for code that takes a cancel flag of its own
 * (pull_opts.cancel). */
const atomic_int *worker_cancel_flag(worker *w);
/* 1 when the worker's thread runs. */
int worker_running(worker *w);
/* Ends the turn in progress at its next check, joins the thread. */
void worker_stop(worker *w);

#endif

/* The HTTP server: libmicrohttpd with a pool of worker threads, each with
 * its own store connection. */
#ifndef SKOLNAV_SERVER_H
#define SKOLNAV_SERVER_H

#include "outbound/outbound.h"

typedef struct server_opts {
    const char *db;        /* store URL */
    const char *listen;    /* "127.0.0.1:8080" */
    const char *base_path; /* "/v2.0" */
    int threads;           /* 0 = a sensible default */
    outbound_opts webhooks; /* zeros = the defaults of outbound.h */
    int no_ledger;         /* benchmarks only: no request log, no disclosure ledger */
    int no_scheduled_pulls; /* this node does not run the pull sources' schedules */
    int no_scheduled_provisioning; /* ... nor the EGIL service providers' */
    double rate_limit;     /* requests per second per client and node; 0: RATE_LIMIT_DEFAULT */
    const char *ingest_listen; /* the push ingest API's address, NULL = off */
    long long ingest_max_body; /* its body limit in bytes, 0 = INGEST_DEFAULT_MAX_BODY */
    int no_export_schedule;    /* this node does not run export schedules */
} server_opts;

#define RATE_LIMIT_DEFAULT 100.0
/* A client may burst this many seconds' worth of requests above the rate. */
#define RATE_LIMIT_BURST_SECONDS 10
#define INGEST_DEFAULT_MAX_BODY (256LL * 1024 * 1024)

/* Serves until SIGINT or SIGTERM, then finishes in-flight requests.
 * Returns 0 on a clean stop, 1 when the server could not start. */
int server_run(const server_opts *o);

#endif

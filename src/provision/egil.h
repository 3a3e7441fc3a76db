/*
 * EGIL provisioning: the hub pushes SS 12000:2018 SCIM objects to service
 * providers (SPs). An SP is a client (src/store/clients.h) with a target;
 * everything it receives is read through that client's access view.
 *
 *   egil_load    the client's view mapped to EGIL objects (map.c)
 *   sent_*       what was last sent to the SP, per object (sent.c)
 *   plan_build   the diff against the sent state, in the profile's order,
 *                with the safety checks (plan.c)
 *   apply_run    the plan sent with the EGIL HTTP semantics, the sent state
 *                written after every successful request (apply.c)
 *   md_*         signed federation metadata (metadata.c)
 *
 * The wire format follows what EgilSCIM sends (docs/provisioning.md), so an
 * SP that EgilSCIM provisioned sees no churn when the hub takes over.
 */
#ifndef SKOLNAV_EGIL_H
#define SKOLNAV_EGIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/clients.h"
#include "store/store.h"
#include "util/strmap.h"
#include "util/uuid.h"

/* The profile's send order: creates and updates in this order, deletes in
 * reverse. The numbers are stored in the sent state: append only. */
typedef enum {
    EG_ORGANISATION = 0,
    EG_SCHOOLUNITGROUP,
    EG_SCHOOLUNIT,
    EG_STUDENT,
    EG_TEACHER,
    EG_EMPLOYMENT,
    EG_STUDENTGROUP,
    EG_ACTIVITY,
    EG__COUNT
} egil_type;

const char *egil_type_name(int t);  /* "Organisation", ... */
const char *egil_endpoint(int t);   /* "Organisations", "Users", ... */
int egil_type_by_name(const char *s); /* -1 when unknown (case-insensitive) */

/* ---- UUIDv5 (uuid5.c), as EgilSCIM derives its generated objects:
 * SHA-1 name-based in the OID namespace over the plain concatenation of
 * the parts (lower-case UUID strings), no separator. */
void egil_uuid5(const char *name, char out[UUID_STR_LEN]);
/* Employment of a teacher at a school unit: uuid5(unit + person). */
void egil_employment_uuid(const char *unit, const char *person, char out[UUID_STR_LEN]);
/* Activity generated for a student group: uuid5(group + unit). */
void egil_activity_uuid(const char *group, const char *unit, char out[UUID_STR_LEN]);

/* One object as it goes on the wire. */
typedef struct egil_obj {
    int type;
    char uuid[UUID_STR_LEN];
    char *json;      /* canonical rendering (fixed key order, sorted arrays) */
    char hash[65];   /* SHA-256 of json, hex */
    char **persons;  /* hub persons the object discloses (for the ledger) */
    size_t npersons;
} egil_obj;

typedef struct egil_set {
    egil_obj *v;
    size_t n, cap;
    strmap ledger_cats; /* person -> categories the view noted (uintptr_t) */
    long skipped[EG__COUNT]; /* in the view but not sendable (a user without userName or name) */
} egil_set;

void egil_set_free(egil_set *s);
/* Sorts by (type, uuid): the order a plan walks. */
void egil_set_sort(egil_set *s);

/* Mapping options of an SP. */
typedef struct egil_opts {
    int activities_per_group; /* EgilSCIM's reference configuration: one Activity per group */
    const char *today;        /* YYYY-MM-DD for date windows (NULL: today) */
} egil_opts;

/* Reads everything cl may see (channel "scim", not recorded: the ledger is
 * written per object pushed) and maps it. -1 with err on failure. */
int egil_load(store *st, const client *cl, const egil_opts *o, egil_set *out, char *err, size_t errlen);

/* ---- sent state (sent.c) */
typedef struct sent_obj {
    int type;
    char uuid[UUID_STR_LEN];
    char hash[65];
    char *json;
} sent_obj;

typedef struct sent_set {
    sent_obj *v;
    size_t n, cap;
} sent_set;

int sent_load(store *st, const char *client_id, sent_set *out);
void sent_set_free(sent_set *s);
/* Records (upserts) an object as sent, in its own transaction. */
int sent_put(store *st, const char *client_id, const egil_obj *o);
int sent_delete(store *st, const char *client_id, const char *uuid);
int sent_clear(store *st, const char *client_id);

/* ---- the SP's settings (sp.c) */
typedef struct provision_sp {
    client cl;
    char *url, *ca, *cert, *key, *pin, *api_header, *api_key;
    char *metadata, *jwks, *entity_id, *tag; /* federated mode */
    char *md_cache;    /* last good verified metadata (the JWS) */
    int64_t md_fetched;
    long max_create, max_update, max_delete; /* per type and run; -1: no limit */
    int activities_per_group;
    long timeout_ms;
    int retries;
    char *health;      /* JSON of the last run */
} provision_sp;

void provision_sp_free(provision_sp *sp);
/* By client id or name: STORE_OK, STORE_NOTFOUND (no such SP), STORE_ERR. */
int provision_sp_find(store *st, const char *name, provision_sp *sp);

/* One run of an SP at a time, on every node and from every command: a run
 * holds the lease provision.<client id> (store_lease) for its length. The
 * server's schedule takes it and hands its holder to the run it starts
 * (provision run --lease-holder). Longer than a run; a dead node's lease
 * lapses. */
#define PROVISION_LEASE_MS (2 * 3600 * 1000LL)
#define PROVISION_LEASE_LEN (sizeof "provision." + UUID_STR_LEN)
#define PROVISION_HOLDER_LEN 320
void provision_lease_name(const char *client_id, char out[PROVISION_LEASE_LEN]);
/* A new holder: "<host>/<pid>/<uuid>", so that a run on the same machine
 * can tell a holder whose process has died. */
void provision_lease_holder(char out[PROVISION_HOLDER_LEN]);
/* Takes the SP's run lease for *holder: STORE_OK, STORE_NOTFOUND when a
 * live run holds it, STORE_ERR. A lease held by a process of this machine
 * that no longer runs (a run killed with -9) is taken over at once, and
 * *holder becomes the taker's own; elsewhere a dead holder's lease lapses
 * after PROVISION_LEASE_MS. */
int provision_lease_take(store *st, const char *lease, char holder[PROVISION_HOLDER_LEN]);
/* Inserts or replaces the SP row of sp->cl.id. */
int provision_sp_save(store *st, const provision_sp *sp);
int provision_sp_list(store *st, void (*fn)(void *ctx, const provision_sp *sp), void *ctx);
int provision_sp_set_health(store *st, const char *client_id, const char *json);
int provision_sp_set_md(store *st, const char *client_id, const char *jws, int64_t fetched);
int provision_sp_remove(store *st, const char *client_id);

/* ---- plan (plan.c) */
enum { PLAN_CREATE = 0, PLAN_UPDATE, PLAN_DELETE };

typedef struct plan_op {
    int op, type;
    const egil_obj *obj;  /* create/update */
    const sent_obj *sent; /* update/delete */
} plan_op;

typedef struct plan {
    plan_op *ops;
    size_t n, cap;
    long count[EG__COUNT][3];
    long unchanged[EG__COUNT];
    long had[EG__COUNT], now[EG__COUNT];
    long skipped[EG__COUNT]; /* copied from the set */
    int held;             /* a threshold or the empty-kind rule tripped */
    json_t *reasons;      /* array of strings */
} plan;

typedef struct plan_limits {
    long max[3];     /* per type, per op; -1 no limit */
    int allow_empty; /* a type down to zero objects may be deleted */
    int force;       /* this run only: thresholds off */
} plan_limits;

/* Diffs cur against sent. Both are left in place (ops point into them). */
void plan_build(const egil_set *cur, const sent_set *sent, const plan_limits *lim, plan *p);
void plan_free(plan *p);
/* The plan as JSON (ops listed when with_ops). */
json_t *plan_json(const plan *p, const char *sp_name, int with_ops);

/* ---- apply (apply.c) */
typedef struct apply_result {
    long done[EG__COUNT][3];
    long failed;
    long not_sent;      /* left when the run stopped */
    int stopped;        /* emergency stop seen between requests */
    int aborted;        /* connection, TLS or pin failure; or too many timeouts */
    char abort_reason[512];
    json_t *failures;   /* [{op, type, id, status, answer}] */
    long requests;
} apply_result;

/* The target as apply_run connects to it (from the SP's settings or the
 * verified metadata). Strings are borrowed. */
typedef struct apply_target {
    const char *url, *ca_file, *ca_pem, *cert, *key, *pins, *api_header, *api_key;
    long timeout_ms;
    int retries;
} apply_target;

int apply_run(store *st, const provision_sp *sp, const apply_target *t, const plan *p, const egil_set *cur,
              apply_result *r);
void apply_result_free(apply_result *r);

/* ---- federation metadata (metadata.c) */
typedef struct md_server {
    char *base_uri;
    char *pins;    /* "sha256//A;sha256//B" for CURLOPT_PINNEDPUBLICKEY */
    char *ca_pem;  /* the entity's issuers, concatenated */
} md_server;

/* Verifies a JWS (general JSON serialization) against a JWKS (ES256 keys)
 * at now (seconds): the signature, exp (and nbf); on success *payload is the
 * parsed metadata and *exp its expiry. -1 with err otherwise. */
int md_verify(const char *jws, size_t jwslen, const char *jwks, size_t jwkslen, int64_t now, json_t **payload,
              int64_t *exp, char *err, size_t errlen);
/* The server of entity_id whose tag set is exactly {tag}. */
int md_select(json_t *payload, const char *entity_id, const char *tag, md_server *out, char *err, size_t errlen);
void md_server_free(md_server *s);
/* cache_ttl of the payload (seconds; 3600 when absent). */
int64_t md_cache_ttl(json_t *payload);

/* ---- the schedule (scheduler.c)
 * An SP may be run by the server every N seconds (a setting per SP:
 * PROVISION_EVERY_KEY + client id); `skolnav provision schedule` sets it.
 * The server's scheduler runs a due SP (its last run started N seconds
 * ago or more, or it never ran) as `skolnav provision run`, one node of
 * many under a store lease. */
#define PROVISION_EVERY_KEY "provision.every."
#define PROVISION_EVERY_MIN 60
int provision_schedule_get(store *st, const char *client_id, long *every_s); /* 0: no schedule */
int provision_schedule_set(store *st, const char *client_id, long every_s);  /* 0: none */
int provision_scheduler_start(const char *db);
void provision_scheduler_stop(void);

#endif

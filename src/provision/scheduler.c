/*
 * Scheduled provisioning (see egil.h): a thread in the server runs each
 * service provider whose schedule is due, as `skolnav provision run` in a
 * child process of this same binary. A run is the CLI's own code path,
 * with its exit codes and health record, and a crash or leak in one run
 * cannot touch the server. Under a store lease per SP ("provision.<id>"),
 * so of several nodes one runs it; whether it is due is decided again
 * under the lease from the SP's health (the start of its last run).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provision/egil.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#define TURN_MS 5000

extern char **environ;

static pthread_t thread;
static atomic_int stopping;
static int started;
static char *db_url;
static char exe[4096];
static char holder[PROVISION_HOLDER_LEN];

int provision_schedule_get(store *st, const char *client_id, long *every_s)
{
    char key[128], *v = NULL;
    snprintf(key, sizeof key, PROVISION_EVERY_KEY "%s", client_id);
    *every_s = 0;
    int rc = store_setting_get(st, key, &v);
    if (rc == STORE_OK)
        *every_s = strtol(v, NULL, 10);
    free(v);
    return rc == STORE_ERR ? STORE_ERR : STORE_OK;
}

int provision_schedule_set(store *st, const char *client_id, long every_s)
{
    char key[128], v[32];
    snprintf(key, sizeof key, PROVISION_EVERY_KEY "%s", client_id);
    snprintf(v, sizeof v, "%ld", every_s > 0 ? every_s : 0);
    return store_setting_set(st, key, v);
}

/* The start of the SP's last run (its health's "at"), 0 when none. */
static int64_t last_run(const provision_sp *sp)
{
    json_t *h = sp->health ? json_loads(sp->health, 0, NULL) : NULL;
    int64_t at = 0;
    const char *s = json_string_value(json_object_get(h, "at"));
    if (s && time_parse_datetime(s, &at))
        at = 0;
    json_decref(h);
    return at;
}

typedef struct names {
    char (*v)[UUID_STR_LEN];
    size_t n, cap;
} names;

static void collect(void *ctx, const provision_sp *sp)
{
    names *d = ctx;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    snprintf(d->v[d->n++], UUID_STR_LEN, "%s", sp->cl.id);
}

/* Runs the child to its end; on shutdown it is asked to stop (SIGTERM:
 * the sent state is recorded after every request, so nothing is lost). */
void provision_lease_name(const char *client_id, char out[PROVISION_LEASE_LEN])
{
    snprintf(out, PROVISION_LEASE_LEN, "provision.%s", client_id);
}

void provision_lease_holder(char out[PROVISION_HOLDER_LEN])
{
    char host[256] = "", id[UUID_STR_LEN];
    gethostname(host, sizeof host - 1);
    uuid_random(id);
    snprintf(out, PROVISION_HOLDER_LEN, "%s/%ld/%s", host, (long)getpid(), id);
}

/* 1 when holder names a process of this machine that no longer runs. */
static int holder_gone(const char *holder)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    size_t hl = strlen(host);
    if (!hl || strncmp(holder, host, hl) || holder[hl] != '/')
        return 0;
    char *end;
    long pid = strtol(holder + hl + 1, &end, 10);
    if (pid <= 0 || *end != '/' || pid == (long)getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int provision_lease_take(store *st, const char *lease, char holder[PROVISION_HOLDER_LEN])
{
    int rc = store_lease(st, lease, holder, PROVISION_LEASE_MS);
    if (rc != STORE_NOTFOUND)
        return rc;
    char *cur = store_lease_holder(st, lease);
    if (cur && holder_gone(cur)) {
        char mine[PROVISION_HOLDER_LEN];
        provision_lease_holder(mine);
        rc = store_lease_steal(st, lease, cur, mine, PROVISION_LEASE_MS);
        if (rc == STORE_OK)
            snprintf(holder, PROVISION_HOLDER_LEN, "%s", mine);
    }
    free(cur);
    return rc;
}

static int run_child(const char *name)
{
    char *argv[] = { exe, "provision", "run", "--db", db_url, "--lease-holder", holder, (char *)name, NULL };
    pid_t pid;
    int err = posix_spawn(&pid, exe, NULL, NULL, argv, environ);
    if (err) {
        log_msg(LOG_ERR, "scheduled provisioning of %s: cannot start %s: %s", name, exe, strerror(err));
        return -1;
    }
    int status = 0, signalled = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (atomic_load(&stopping) && !signalled) {
            kill(pid, SIGTERM);
            signalled = 1;
        }
        usleep(100 * 1000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 1 when the SP has a schedule and is due (sp filled; the caller frees
 * it), 0 when not or on error. */
static int due(store *st, const char *client_id, provision_sp *sp)
{
    long every = 0;
    if (provision_schedule_get(st, client_id, &every) || every <= 0)
        return 0;
    if (provision_sp_find(st, client_id, sp) != STORE_OK) {
        provision_sp_free(sp);
        return 0;
    }
    if (time_now_ms() - last_run(sp) >= (int64_t)every * 1000)
        return 1;
    provision_sp_free(sp);
    return 0;
}

static void run_if_due(store *st, const char *client_id)
{
    provision_sp sp;
    /* A read first: taking the lease is a write, not to be made every turn
     * for an SP that is not due. */
    if (!due(st, client_id, &sp))
        return;
    provision_sp_free(&sp);
    char lease[PROVISION_LEASE_LEN];
    provision_lease_name(client_id, lease);
    if (provision_lease_take(st, lease, holder) != STORE_OK)
        return;
    /* Again under the lease: another node may have run it just now. */
    if (due(st, client_id, &sp)) {
        log_msg(LOG_INFO, "scheduled provisioning of %s starts", sp.cl.name);
        int rc = run_child(sp.cl.id);
        log_msg(rc == 0 ? LOG_INFO : LOG_WARN, "scheduled provisioning of %s ended with exit status %d "
                "(see 'skolnav provision show')", sp.cl.name, rc);
        provision_sp_free(&sp);
    }
    store_lease_release(st, lease, holder);
}

static void *run(void *arg)
{
    (void)arg;
    store *st;
    char err[512];
    if (store_open(db_url, 0, &st, err, sizeof err)) {
        log_msg(LOG_ERR, "scheduled provisioning: %s", err);
        return NULL;
    }
    while (!atomic_load(&stopping)) {
        names d = { 0 };
        if (provision_sp_list(st, collect, &d) != STORE_OK)
            log_msg(LOG_WARN, "scheduled provisioning: listing the service providers failed: %s", store_errmsg(st));
        for (size_t i = 0; i < d.n && !atomic_load(&stopping); i++)
            run_if_due(st, d.v[i]);
        free(d.v);
        for (int waited = 0; waited < TURN_MS && !atomic_load(&stopping); waited += 100)
            usleep(100 * 1000);
    }
    store_close(st);
    return NULL;
}

int provision_scheduler_start(const char *db)
{
    if (started)
        return 0;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    provision_lease_holder(holder);
    db_url = xstrdup(db);
    atomic_store(&stopping, 0);
    if (pthread_create(&thread, NULL, run, NULL)) {
        free(db_url);
        db_url = NULL;
        return -1;
    }
    started = 1;
    return 0;
}

void provision_scheduler_stop(void)
{
    if (!started)
        return;
    atomic_store(&stopping, 1);
    pthread_join(thread, NULL);
    free(db_url);
    db_url = NULL;
    started = 0;
}

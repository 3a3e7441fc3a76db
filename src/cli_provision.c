/*
 * skolnav provision: EGIL service providers (src/provision/egil.h). An SP
 * is a client, so its grant is managed like any client's (provision grant
 * and revoke are `client grant` and `client revoke`), and its emergency stop
 * is the client's.
 *
 * Exit status of run: 0 all sent, 1 an error or failed objects, 3 held by
 * a safety check (nothing sent), 4 stopped by the emergency stop, 5 the SP
 * could not be reached (connection, TLS, pin, timeouts).
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "provision/egil.h"
#include "util/buf.h"
#include "util/timefmt.h"
#include "util/uuid.h"

int cli_find_client(const char *cmd, store *st, const char *name, client *c);

enum { EXIT_HELD = 3, EXIT_STOPPED = 4, EXIT_UNREACHABLE = 5, EXIT_BUSY = 6 };

static const cli_optdef target_defs[] = {
    { "--db", 1 },           { "--url", 1 },         { "--ca", 1 },          { "--cert", 1 },
    { "--key", 1 },          { "--pin", 1 },         { "--api-key-file", 1 }, { "--api-key-header", 1 },
    { "--metadata", 1 },     { "--jwks", 1 },        { "--entity-id", 1 },   { "--tag", 1 },
    { "--max-creates", 1 },  { "--max-updates", 1 }, { "--max-deletes", 1 }, { "--activities", 1 },
    { "--timeout-ms", 1 },   { "--retries", 1 },     { "--json", 0 },        { 0 },
};

static char *read_file(const char *path, size_t *len, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= max)
        buf_add(&b, chunk, n);
    int bad = ferror(f) || b.len > max;
    fclose(f);
    if (bad) {
        buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    buf_cstr(&b);
    return b.data ? buf_steal(&b) : xstrdup("");
}

/* A pin as curl takes it: "sha256//BASE64[;sha256//BASE64...]". Accepted
 * forms: that, a bare base64 SHA-256 of the SPKI, or 64 hex digits. */
static char *parse_pins(const char *in, char *err, size_t errlen)
{
    buf out;
    buf_init(&out);
    char *copy = xstrdup(in), *save = NULL;
    for (char *p = strtok_r(copy, ";,", &save); p; p = strtok_r(NULL, ";,", &save)) {
        if (!strncmp(p, "sha256//", 8))
            p += 8;
        unsigned char bin[64];
        size_t bl = 0;
        char b64[64];
        if (strlen(p) == 64 && !sodium_hex2bin(bin, sizeof bin, p, 64, NULL, &bl, NULL) && bl == 32) {
            sodium_bin2base64(b64, sizeof b64, bin, 32, sodium_base64_VARIANT_ORIGINAL);
        } else if (!sodium_base642bin(bin, sizeof bin, p, strlen(p), NULL, &bl, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) && bl == 32) {
            snprintf(b64, sizeof b64, "%s", p);
        } else {
            snprintf(err, errlen, "'%s' is not a SHA-256 pin (base64 or hex of the server key's SPKI hash)", p);
            free(copy);
            buf_free(&out);
            return NULL;
        }
        buf_printf(&out, "%ssha256//%s", out.len ? ";" : "", b64);
    }
    free(copy);
    if (!out.len) {
        snprintf(err, errlen, "--pin is empty");
        return NULL;
    }
    return buf_steal(&out);
}

static int parse_limit(const char *cmd, const char *name, const char *v, long *out)
{
    if (!v)
        return 0;
    if (!strcmp(v, "none")) {
        *out = -1;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < 0) {
        fprintf(stderr, "skolnav %s: %s wants a count (0 or more) or 'none', not '%s'\n", cmd, name, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int readable(const char *cmd, const char *opt, const char *path)
{
    if (!path)
        return 0;
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "skolnav %s: %s %s: no such file\n", cmd, opt, path);
        return -1;
    }
    return 0;
}

static void set_str(char **dst, const char *v)
{
    if (!v)
        return;
    free(*dst);
    *dst = *v ? xstrdup(v) : NULL;
}

static char *abs_path(const char *p)
{
    if (!p || !*p)
        return p ? xstrdup(p) : NULL;
    char *r = realpath(p, NULL);
    return r ? r : xstrdup(p);
}

/* Applies the target options to sp; -1 after printing why not. */
static int apply_options(const char *cmd, const cli_args *a, provision_sp *sp)
{
#define GET(n) cli_get(a, target_defs, n)
    const char *files[][2] = { { "--ca", GET("--ca") }, { "--cert", GET("--cert") }, { "--key", GET("--key") },
                               { "--jwks", GET("--jwks") }, { "--api-key-file", GET("--api-key-file") } };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (files[i][1] && *files[i][1] && readable(cmd, files[i][0], files[i][1]))
            return -1;
    const char *url = GET("--url");
    if (url && *url && strncmp(url, "https://", 8) && strncmp(url, "http://127.0.0.1", 16) &&
        strncmp(url, "http://localhost", 16)) {
        fprintf(stderr, "skolnav %s: --url must be https:// (plain http only on the loopback, for tests)\n", cmd);
        return -1;
    }
    set_str(&sp->url, url);
    char *p;
    if (GET("--ca"))
        set_str(&sp->ca, p = abs_path(GET("--ca"))), free(p);
    if (GET("--cert"))
        set_str(&sp->cert, p = abs_path(GET("--cert"))), free(p);
    if (GET("--key"))
        set_str(&sp->key, p = abs_path(GET("--key"))), free(p);
    if (GET("--jwks"))
        set_str(&sp->jwks, p = abs_path(GET("--jwks"))), free(p);
    if (GET("--metadata"))
        set_str(&sp->metadata, p = abs_path(GET("--metadata"))), free(p);
    if (GET("--pin")) {
        char err[256];
        char *pins = *GET("--pin") ? parse_pins(GET("--pin"), err, sizeof err) : xstrdup("");
        if (!pins) {
            fprintf(stderr, "skolnav %s: %s\n", cmd, err);
            return -1;
        }
        set_str(&sp->pin, pins);
        free(pins);
    }
    if (GET("--api-key-file")) {
        size_t n = 0;
        char *k = read_file(GET("--api-key-file"), &n, 4096);
        while (k && n && (k[n - 1] == '\n' || k[n - 1] == '\r'))
            k[--n] = 0;
        if (!k || !n || strpbrk(k, "\r\n")) {
            fprintf(stderr, "skolnav %s: --api-key-file must hold one line with the key\n", cmd);
            free(k);
            return -1;
        }
        set_str(&sp->api_key, k);
        free(k);
    }
    set_str(&sp->api_header, GET("--api-key-header"));
    set_str(&sp->entity_id, GET("--entity-id"));
    set_str(&sp->tag, GET("--tag"));
    if (parse_limit(cmd, "--max-creates", GET("--max-creates"), &sp->max_create) ||
        parse_limit(cmd, "--max-updates", GET("--max-updates"), &sp->max_update) ||
        parse_limit(cmd, "--max-deletes", GET("--max-deletes"), &sp->max_delete))
        return -1;
    const char *act = GET("--activities");
    if (act) {
        if (strcmp(act, "hub") && strcmp(act, "group")) {
            fprintf(stderr, "skolnav %s: --activities is 'hub' (the hub's activities) or 'group' (one per group)\n",
                    cmd);
            return -1;
        }
        sp->activities_per_group = !strcmp(act, "group");
    }
    long v;
    if (GET("--timeout-ms")) {
        if (parse_limit(cmd, "--timeout-ms", GET("--timeout-ms"), &v) || v < 100) {
            fprintf(stderr, "skolnav %s: --timeout-ms wants at least 100\n", cmd);
            return -1;
        }
        sp->timeout_ms = v;
    }
    if (GET("--retries")) {
        if (parse_limit(cmd, "--retries", GET("--retries"), &v) || v > 10) {
            fprintf(stderr, "skolnav %s: --retries wants 0 to 10\n", cmd);
            return -1;
        }
        sp->retries = (int)v;
    }
    int federated = sp->metadata != NULL;
    if (federated && (!sp->jwks || !sp->entity_id)) {
        fprintf(stderr, "skolnav %s: --metadata needs --jwks (the federation's keys) and --entity-id\n", cmd);
        return -1;
    }
    if (!federated && !sp->url) {
        fprintf(stderr, "skolnav %s: give --url URL (manual) or --metadata FILE --jwks FILE --entity-id ID\n", cmd);
        return -1;
    }
    if (!sp->cert != !sp->key) {
        fprintf(stderr, "skolnav %s: --cert and --key go together (the hub's client certificate)\n", cmd);
        return -1;
    }
    return 0;
#undef GET
}

static int prov_add(int argc, char **argv, int update)
{
    const char *cmd = update ? "provision set" : "provision add";
    cli_args a;
    if (cli_parse(cmd, argc, argv, target_defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav %s: name one service provider\n", cmd);
        return 2;
    }
    store *st = cli_open_db(cmd, cli_get(&a, target_defs, "--db"));
    if (!st)
        return 1;
    provision_sp sp;
    memset(&sp, 0, sizeof sp);
    int rc = 1;
    if (update) {
        int f = provision_sp_find(st, a.pos[0], &sp);
        if (f != STORE_OK) {
            fprintf(stderr, "skolnav %s: %s\n", cmd,
                    f == STORE_NOTFOUND ? "there is no such service provider (see 'skolnav provision list')"
                                        : store_errmsg(st));
            goto out;
        }
    } else {
        sp.max_create = -1;
        sp.max_update = -1;
        sp.max_delete = 100;
        sp.timeout_ms = 30000;
        sp.retries = 3;
    }
    if (apply_options(cmd, &a, &sp))
        goto out;
    if (store_begin(st))
        goto fail;
    if (!update) {
        client c;
        if (clients_find(st, a.pos[0], &c) != STORE_NOTFOUND) {
            store_rollback(st);
            fprintf(stderr, "skolnav %s: a client named '%s' exists already\n", cmd, a.pos[0]);
            goto out;
        }
        char key[CLIENT_KEY_LEN];
        /* An SP never calls the hub: its API key is revoked at once. */
        if (clients_add(st, a.pos[0], 0, sp.cl.id, key) || clients_expire_keys(st, sp.cl.id, "", 0) ||
            clients_event(st, sp.cl.id, "added as an EGIL service provider")) {
            store_rollback(st);
            goto fail;
        }
        sodium_memzero(key, sizeof key);
        snprintf(sp.cl.name, sizeof sp.cl.name, "%s", a.pos[0]);
    }
    if (provision_sp_save(st, &sp) || store_commit(st)) {
        store_rollback(st);
        goto fail;
    }
    if (cli_get(&a, target_defs, "--json")) {
        json_t *o = json_pack("{s:s,s:s}", "id", sp.cl.id, "name", sp.cl.name);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else if (!update) {
        printf("service provider %s added (client id %s); it receives nothing until granted:\n"
               "  skolnav provision grant --db ... %s --org ID --category Students ...\n",
               sp.cl.name, sp.cl.id, sp.cl.name);
    } else {
        printf("service provider %s updated\n", sp.cl.name);
    }
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
out:
    provision_sp_free(&sp);
    store_close(st);
    return rc;
}

static const char *limit_str(long v, char *b, size_t n)
{
    if (v < 0)
        return "none";
    snprintf(b, n, "%ld", v);
    return b;
}

static json_t *sp_json(store *st, const provision_sp *sp)
{
    json_t *o = json_pack("{s:s,s:s,s:b}", "id", sp->cl.id, "name", sp->cl.name, "stopped",
                          sp->cl.suspended || sp->cl.stopped_all);
    json_object_set_new(o, "mode", json_string(sp->metadata ? "federation" : "manual"));
    const char *names[] = { "url", "ca", "cert", "key", "pin", "apiKeyHeader", "metadata", "jwks", "entityId",
                            "tag" };
    const char *vals[] = { sp->url, sp->ca, sp->cert, sp->key, sp->pin, sp->api_key ? (sp->api_header ? sp->api_header : "X-API-Key") : NULL,
                           sp->metadata, sp->jwks, sp->entity_id, sp->tag };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (vals[i])
            json_object_set_new(o, names[i], json_string(vals[i]));
    json_object_set_new(o, "activities", json_string(sp->activities_per_group ? "group" : "hub"));
    char b[3][32];
    json_object_set_new(o, "limits",
                        json_pack("{s:s,s:s,s:s}", "creates", limit_str(sp->max_create, b[0], 32), "updates",
                                  limit_str(sp->max_update, b[1], 32), "deletes", limit_str(sp->max_delete, b[2], 32)));
    sent_set ss;
    if (st && sent_load(st, sp->cl.id, &ss) == STORE_OK) {
        long n[EG__COUNT] = { 0 };
        for (size_t i = 0; i < ss.n; i++)
            if (ss.v[i].type >= 0 && ss.v[i].type < EG__COUNT)
                n[ss.v[i].type]++;
        json_t *held = json_object();
        for (int t = 0; t < EG__COUNT; t++)
            json_object_set_new(held, egil_type_name(t), json_integer(n[t]));
        json_object_set_new(o, "sent", held);
        sent_set_free(&ss);
    }
    long every = 0;
    if (st && provision_schedule_get(st, sp->cl.id, &every) == STORE_OK)
        json_object_set_new(o, "scheduleSeconds", every > 0 ? json_integer(every) : json_null());
    json_t *h = sp->health ? json_loads(sp->health, 0, NULL) : NULL;
    json_object_set_new(o, "health", h ? h : json_null());
    return o;
}

static void list_one(void *ctx, const provision_sp *sp)
{
    json_t *arr = ctx;
    json_array_append_new(arr, sp_json(NULL, sp));
}

static int prov_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("provision list", argc, argv, defs, &a))
        return 2;
    store *st = cli_open_db("provision list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    json_t *arr = json_array();
    int rc = provision_sp_list(st, list_one, arr);
    if (rc) {
        fprintf(stderr, "skolnav provision list: %s\n", store_errmsg(st));
    } else if (cli_get(&a, defs, "--json")) {
        char *s = json_dumps(arr, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
    } else {
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o) {
            json_t *h = json_object_get(o, "health");
            printf("%-24s %-10s %-8s last run: %s\n", json_string_value(json_object_get(o, "name")),
                   json_string_value(json_object_get(o, "mode")),
                   json_is_true(json_object_get(o, "stopped")) ? "stopped" : "active",
                   h ? json_string_value(json_object_get(h, "result")) : "never");
        }
    }
    json_decref(arr);
    store_close(st);
    return rc ? 1 : 0;
}

static int find_sp(const char *cmd, store *st, const char *name, provision_sp *sp)
{
    int rc = provision_sp_find(st, name, sp);
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOTFOUND)
        fprintf(stderr, "skolnav %s: there is no service provider '%s' (see 'skolnav provision list')\n", cmd, name);
    else
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
    provision_sp_free(sp);
    return -1;
}

/* Parses a command naming one SP, opens the store and finds the SP: 0, or
 * the exit status after printing why not. */
static int open_one(const char *cmd, int argc, char **argv, const cli_optdef *defs, cli_args *a, store **st,
                    provision_sp *sp)
{
    if (cli_parse(cmd, argc, argv, defs, a))
        return 2;
    if (a->npos != 1) {
        fprintf(stderr, "skolnav %s: name one service provider\n", cmd);
        return 2;
    }
    *st = cli_open_db(cmd, cli_get(a, defs, "--db"));
    if (!*st)
        return 1;
    if (find_sp(cmd, *st, a->pos[0], sp)) {
        store_close(*st);
        return 1;
    }
    return 0;
}

/* skolnav provision schedule --db PATH NAME --every SECONDS|off */
static int prov_schedule(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--every", 1 }, { 0 } };
    cli_args a;
    store *st;
    provision_sp sp;
    int orc = open_one("provision schedule", argc, argv, defs, &a, &st, &sp);
    if (orc)
        return orc;
    const char *v = cli_get(&a, defs, "--every");
    long every = 0;
    char *end = NULL;
    int rc = 2;
    if (v && strcmp(v, "off"))
        every = strtol(v, &end, 10);
    if (!v || (strcmp(v, "off") && (!*v || *end || every < PROVISION_EVERY_MIN || every > 7 * 86400))) {
        fprintf(stderr, "skolnav provision schedule: --every takes seconds from %d to %d, or 'off'\n",
                PROVISION_EVERY_MIN, 7 * 86400);
    } else if (provision_schedule_set(st, sp.cl.id, every)) {
        fprintf(stderr, "skolnav provision schedule: %s\n", store_errmsg(st));
        rc = 1;
    } else {
        if (every)
            printf("%s: provisioned by the server every %ld s (a run now if it never ran)\n", sp.cl.name, every);
        else
            printf("%s: no schedule (runs only with 'skolnav provision run')\n", sp.cl.name);
        rc = 0;
    }
    provision_sp_free(&sp);
    store_close(st);
    return rc;
}

static int prov_show(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    store *st;
    provision_sp sp;
    int orc = open_one("provision show", argc, argv, defs, &a, &st, &sp);
    if (orc)
        return orc;
    json_t *o = sp_json(st, &sp);
    int js = cli_get(&a, defs, "--json") != NULL;
    char *s = json_dumps(o, js ? JSON_COMPACT | JSON_PRESERVE_ORDER : JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    provision_sp_free(&sp);
    store_close(st);
    return 0;
}

static int prov_stop(int argc, char **argv, int on)
{
    const char *cmd = on ? "provision stop" : "provision resume";
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    store *st;
    provision_sp sp;
    int orc = open_one(cmd, argc, argv, defs, &a, &st, &sp);
    if (orc)
        return orc;
    int failed = store_begin(st) || clients_set_suspended(st, sp.cl.id, on) ||
                 clients_event(st, sp.cl.id, on ? "provisioning stopped (emergency stop)" : "provisioning resumed") ||
                 store_commit(st);
    if (failed) {
        store_rollback(st);
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
    } else {
        printf("%s: %s\n", sp.cl.name, on ? "stopped; a run in progress ends before its next request" : "resumed");
    }
    provision_sp_free(&sp);
    store_close(st);
    return failed ? 1 : 0;
}

static int prov_remove(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    store *st;
    provision_sp sp;
    int orc = open_one("provision remove", argc, argv, defs, &a, &st, &sp);
    if (orc)
        return orc;
    /* The SP keeps what it has: removing the hub's record deletes nothing there. */
    int failed = store_begin(st) || provision_sp_remove(st, sp.cl.id) || clients_remove(st, sp.cl.id) ||
                 store_commit(st);
    if (failed) {
        store_rollback(st);
        fprintf(stderr, "skolnav provision remove: %s\n", store_errmsg(st));
    } else {
        printf("%s removed (the SP keeps the objects it holds)\n", sp.cl.name);
    }
    provision_sp_free(&sp);
    store_close(st);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------ plan and run */

static const cli_optdef run_defs[] = { { "--db", 1 },   { "--json", 0 },    { "--dry-run", 0 }, { "--allow-empty", 0 },
                                       { "--force", 0 }, { "--today", 1 }, { "--lease-holder", 1 }, { 0 } };

/* The target of a run: the manual settings, or the server the verified
 * metadata names. md is filled in federated mode (free it). */
static int resolve_target(store *st, provision_sp *sp, int may_write, apply_target *t, md_server *md, char *err,
                          size_t errlen)
{
    memset(t, 0, sizeof *t);
    memset(md, 0, sizeof *md);
    t->cert = sp->cert;
    t->key = sp->key;
    t->api_header = sp->api_header;
    t->api_key = sp->api_key;
    t->timeout_ms = sp->timeout_ms;
    t->retries = sp->retries;
    if (!sp->metadata) {
        t->url = sp->url;
        t->ca_file = sp->ca;
        t->pins = sp->pin;
        return 0;
    }
    size_t jl = 0, ml = 0;
    char *jwks = read_file(sp->jwks, &jl, 1 << 20);
    if (!jwks) {
        snprintf(err, errlen, "cannot read the federation's JWKS %s", sp->jwks);
        return -1;
    }
    int64_t now = time_now_ms() / 1000;
    json_t *payload = NULL;
    int64_t exp;
    char why[512] = "";
    /* The last good copy while its cache_ttl lasts; then the file again,
     * falling back on the copy (until it expires) when the file is bad. */
    if (sp->md_cache && !md_verify(sp->md_cache, strlen(sp->md_cache), jwks, jl, now, &payload, &exp, why, sizeof why) &&
        sp->md_fetched / 1000 + md_cache_ttl(payload) <= now) {
        json_decref(payload);
        payload = NULL;
    }
    if (!payload) {
        char *raw = read_file(sp->metadata, &ml, 64u << 20);
        if (!raw)
            snprintf(why, sizeof why, "cannot read %s", sp->metadata);
        else if (!md_verify(raw, ml, jwks, jl, now, &payload, &exp, why, sizeof why) && may_write &&
                 provision_sp_set_md(st, sp->cl.id, raw, now * 1000))
            snprintf(why, sizeof why, "keeping the verified metadata failed: %s", store_errmsg(st));
        if (!payload && sp->md_cache) {
            char why2[256];
            if (!md_verify(sp->md_cache, strlen(sp->md_cache), jwks, jl, now, &payload, &exp, why2, sizeof why2))
                fprintf(stderr, "skolnav provision: %s: %s; using the last good copy\n", sp->metadata, why);
        }
        free(raw);
    }
    free(jwks);
    if (!payload) {
        snprintf(err, errlen, "federation metadata %s: %s", sp->metadata, why);
        return -1;
    }
    int rc = md_select(payload, sp->entity_id, sp->tag ? sp->tag : "egilv1", md, err, errlen);
    json_decref(payload);
    if (rc)
        return -1;
    t->url = md->base_uri;
    t->ca_pem = md->ca_pem;
    t->pins = md->pins;
    return 0;
}

static json_t *counts_json(long c[EG__COUNT][3])
{
    json_t *o = json_object();
    for (int t = 0; t < EG__COUNT; t++)
        json_object_set_new(o, egil_type_name(t),
                            json_pack("{s:I,s:I,s:I}", "create", (json_int_t)c[t][0], "update", (json_int_t)c[t][1],
                                      "delete", (json_int_t)c[t][2]));
    return o;
}

static void print_plan_text(const plan *p, const char *name)
{
    printf("plan for %s%s\n", name, p->held ? " (HELD)" : "");
    printf("  %-16s %8s %8s %8s %10s %8s\n", "type", "create", "update", "delete", "unchanged", "skipped");
    for (int t = 0; t < EG__COUNT; t++)
        printf("  %-16s %8ld %8ld %8ld %10ld %8ld\n", egil_type_name(t), p->count[t][0], p->count[t][1],
               p->count[t][2], p->unchanged[t], p->skipped[t]);
    if (p->skipped[EG_STUDENT] || p->skipped[EG_TEACHER])
        printf("  skipped users have no userName the grant shows (eduPersonPrincipalNames: Identifiers;"
               " emails: Email school)\n");
    size_t i;
    json_t *r;
    json_array_foreach(p->reasons, i, r)
        printf("  held: %s\n", json_string_value(r));
}

static int save_health(store *st, const provision_sp *sp, json_t *h)
{
    char *s = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc = provision_sp_set_health(st, sp->cl.id, s);
    free(s);
    if (rc)
        fprintf(stderr, "skolnav provision run: recording the run's result failed: %s\n", store_errmsg(st));
    return rc;
}

static int prov_plan_run(int argc, char **argv, int run)
{
    const char *cmd = run ? "provision run" : "provision plan";
    cli_args a;
    if (cli_parse(cmd, argc, argv, run_defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav %s: name one service provider\n", cmd);
        return 2;
    }
    const char *today = cli_get(&a, run_defs, "--today");
    if (today && time_parse_date(today) < 0) {
        fprintf(stderr, "skolnav %s: --today wants YYYY-MM-DD\n", cmd);
        return 2;
    }
    int dry = !run || cli_get(&a, run_defs, "--dry-run");
    int js = cli_get(&a, run_defs, "--json") != NULL;
    store *st = cli_open_db(cmd, cli_get(&a, run_defs, "--db"));
    if (!st)
        return 1;
    provision_sp sp;
    if (find_sp(cmd, st, a.pos[0], &sp)) {
        store_close(st);
        return 1;
    }
    /* A run sends and records; two at once would send the same changes
     * twice. A dry run changes nothing and needs no lease. */
    char lease[PROVISION_LEASE_LEN], holder[PROVISION_HOLDER_LEN];
    const char *given = cli_get(&a, run_defs, "--lease-holder");
    provision_lease_name(sp.cl.id, lease);
    snprintf(holder, sizeof holder, "%s", given ? given : "");
    if (!given)
        provision_lease_holder(holder);
    int leased = 0;
    if (!dry) {
        int lr = provision_lease_take(st, lease, holder);
        if (lr != STORE_OK) {
            fprintf(stderr, lr == STORE_NOTFOUND
                                ? "skolnav %s: a run of %s is under way (the server's schedule or another command);"
                                  " nothing sent, try again when it has ended\n"
                                : "skolnav %s: taking the run's lease for %s failed\n", cmd, sp.cl.name);
            provision_sp_free(&sp);
            store_close(st);
            return lr == STORE_NOTFOUND ? EXIT_BUSY : 1;
        }
        leased = !given; /* a lease handed down is its giver's to release */
    }
    int64_t started = time_now_ms();
    int rc = 1;
    char err[512] = "";
    egil_set cur;
    sent_set sent;
    plan p;
    memset(&cur, 0, sizeof cur);
    memset(&sent, 0, sizeof sent);
    memset(&p, 0, sizeof p);
    strmap_init(&cur.ledger_cats);
    if (!dry && (sp.cl.suspended || sp.cl.stopped_all || sp.cl.expired)) {
        fprintf(stderr, "skolnav %s: %s is stopped (skolnav provision resume / skolnav resume), nothing sent\n", cmd,
                sp.cl.name);
        json_t *h = json_pack("{s:s,s:s}", "result", "stopped", "message", "the emergency stop is on");
        char ts[TIME_CANON_LEN];
        time_format_ms(started, ts);
        json_object_set_new(h, "at", json_string(ts));
        save_health(st, &sp, h);
        json_decref(h);
        rc = EXIT_STOPPED;
        goto out;
    }
    egil_opts eo = { .activities_per_group = sp.activities_per_group, .today = today };
    if (egil_load(st, &sp.cl, &eo, &cur, err, sizeof err)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, err);
        goto out;
    }
    if (sent_load(st, sp.cl.id, &sent)) {
        fprintf(stderr, "skolnav %s: reading the sent state failed: %s\n", cmd, store_errmsg(st));
        goto out;
    }
    plan_limits lim = { .max = { sp.max_create, sp.max_update, sp.max_delete },
                        .allow_empty = cli_get(&a, run_defs, "--allow-empty") != NULL,
                        .force = cli_get(&a, run_defs, "--force") != NULL };
    plan_build(&cur, &sent, &lim, &p);
    if (dry) {
        if (js) {
            json_t *o = plan_json(&p, sp.cl.name, 1);
            char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", s);
            free(s);
            json_decref(o);
        } else {
            print_plan_text(&p, sp.cl.name);
        }
        rc = p.held ? EXIT_HELD : 0;
        goto out;
    }
    char ts[TIME_CANON_LEN];
    time_format_ms(started, ts);
    json_t *h = json_pack("{s:s}", "at", ts);
    if (p.held) {
        json_object_set_new(h, "result", json_string("held"));
        json_object_set_new(h, "reasons", json_incref(p.reasons));
        json_object_set_new(h, "planned", counts_json(p.count));
        print_plan_text(&p, sp.cl.name);
        fprintf(stderr, "skolnav %s: held by a safety check; nothing was sent\n", cmd);
        rc = save_health(st, &sp, h) ? 1 : EXIT_HELD;
        json_decref(h);
        goto out;
    }
    apply_target t;
    md_server md;
    if (resolve_target(st, &sp, 1, &t, &md, err, sizeof err)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, err);
        json_object_set_new(h, "result", json_string("error"));
        json_object_set_new(h, "message", json_string(err));
        save_health(st, &sp, h);
        json_decref(h);
        goto out;
    }
    apply_result r;
    int arc = apply_run(st, &sp, &t, &p, &cur, &r);
    md_server_free(&md);
    const char *result = arc ? "error" : r.aborted ? "unreachable" : r.stopped ? "stopped" : r.failed ? "partial" : "ok";
    json_object_set_new(h, "result", json_string(result));
    json_object_set_new(h, "durationMs", json_integer(time_now_ms() - started));
    json_object_set_new(h, "requests", json_integer(r.requests));
    json_object_set_new(h, "done", counts_json(r.done));
    json_object_set_new(h, "failed", json_integer(r.failed));
    json_object_set_new(h, "notSent", json_integer(r.not_sent));
    if (r.abort_reason[0])
        json_object_set_new(h, "message", json_string(r.abort_reason));
    json_object_set_new(h, "failures", json_incref(r.failures));
    int hs = save_health(st, &sp, h);
    if (js) {
        char *s = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        long tot[3] = { 0, 0, 0 };
        for (int ty = 0; ty < EG__COUNT; ty++)
            for (int op = 0; op < 3; op++)
                tot[op] += r.done[ty][op];
        printf("%s: %s; %ld created, %ld updated, %ld deleted, %ld failed, %ld not sent, %ld requests\n",
               sp.cl.name, result, tot[0], tot[1], tot[2], r.failed, r.not_sent, r.requests);
    }
    size_t i;
    json_t *f;
    json_array_foreach(r.failures, i, f)
        fprintf(stderr, "skolnav %s: %s %s %s: HTTP %lld %s\n", cmd, json_string_value(json_object_get(f, "op")),
                json_string_value(json_object_get(f, "type")), json_string_value(json_object_get(f, "id")),
                (long long)json_integer_value(json_object_get(f, "status")),
                json_string_value(json_object_get(f, "answer")));
    if (r.abort_reason[0])
        fprintf(stderr, "skolnav %s: %s\n", cmd, r.abort_reason);
    rc = arc || hs ? 1 : r.aborted ? EXIT_UNREACHABLE : r.stopped ? EXIT_STOPPED : r.failed ? 1 : 0;
    apply_result_free(&r);
    json_decref(h);
out:
    if (leased)
        store_lease_release(st, lease, holder);
    plan_free(&p);
    sent_set_free(&sent);
    egil_set_free(&cur);
    provision_sp_free(&sp);
    store_close(st);
    return rc;
}

static int forward_client(const char *sub, int argc, char **argv)
{
    char **v = xmalloc((size_t)(argc + 2) * sizeof *v);
    v[0] = (char *)sub;
    for (int i = 0; i < argc; i++)
        v[i + 1] = argv[i];
    v[argc + 1] = NULL;
    int rc = cmd_client(argc + 1, v);
    free(v);
    return rc;
}

int cmd_provision(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    argc--, argv++;
    if (!strcmp(sub, "add"))
        return prov_add(argc, argv, 0);
    if (!strcmp(sub, "set"))
        return prov_add(argc, argv, 1);
    if (!strcmp(sub, "list"))
        return prov_list(argc, argv);
    if (!strcmp(sub, "show"))
        return prov_show(argc, argv);
    if (!strcmp(sub, "plan"))
        return prov_plan_run(argc, argv, 0);
    if (!strcmp(sub, "run"))
        return prov_plan_run(argc, argv, 1);
    if (!strcmp(sub, "stop"))
        return prov_stop(argc, argv, 1);
    if (!strcmp(sub, "resume"))
        return prov_stop(argc, argv, 0);
    if (!strcmp(sub, "remove"))
        return prov_remove(argc, argv);
    if (!strcmp(sub, "schedule"))
        return prov_schedule(argc, argv);
    if (!strcmp(sub, "grant") || !strcmp(sub, "revoke"))
        return forward_client(sub, argc, argv);
    fprintf(stderr, "skolnav provision: use add, set, list, show, grant, revoke, plan, run, schedule, stop, resume or remove"
                    " (see 'skolnav help')\n");
    return 2;
}

/*
 * skolnav: a self-hosted school-data hub serving the SS12000 API.
 * Commands are dispatched from one table.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"
#include "cli.h"
#include "store/store.h"
#include "store/store_copy.h"
#include "util/collate.h"
#include "util/log.h"

#define SKOLNAV_VERSION "0.1.0"

int cli_parse(const char *cmd, int argc, char **argv, const cli_optdef *defs, cli_args *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) || !a[2]) {
            if (out->npos == CLI_MAX_POS) {
                fprintf(stderr, "skolnav %s: too many arguments\n", cmd);
                return -1;
            }
            out->pos[out->npos++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        int found = 0;
        for (int d = 0; defs[d].name; d++) {
            if (strlen(defs[d].name) != nlen || strncmp(defs[d].name, a, nlen))
                continue;
            found = 1;
            if (!defs[d].takes_value) {
                out->val[d] = "1";
            } else if (eq) {
                out->val[d] = eq + 1;
            } else if (i + 1 < argc) {
                out->val[d] = argv[++i];
            } else {
                fprintf(stderr, "skolnav %s: option %s needs a value\n", cmd, defs[d].name);
                return -1;
            }
        }
        if (!found) {
            fprintf(stderr, "skolnav %s: unknown option '%.*s' (see 'skolnav help')\n", cmd, (int)nlen, a);
            return -1;
        }
    }
    return 0;
}

const char *cli_get(const cli_args *a, const cli_optdef *defs, const char *name)
{
    for (int d = 0; defs[d].name; d++)
        if (!strcmp(defs[d].name, name))
            return a->val[d];
    return NULL;
}

static int cmd_serve(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        { "--db", 1 }, { "--listen", 1 }, { "--base-path", 1 }, { "--threads", 1 }, { "--verbose", 0 },
        { "--webhook-allow-http-loopback", 0 }, { "--webhook-ttl", 1 }, { "--webhook-retry-for", 1 },
        { "--webhook-timeout", 1 }, { "--no-ledger", 0 }, { "--rate-limit", 1 },
        { "--ingest-listen", 1 }, { "--ingest-max-body", 1 }, { "--no-scheduled-pulls", 0 },
        { "--no-export-schedule", 0 }, { "--no-scheduled-provisioning", 0 }, { 0 },
    };
    cli_args a;
    if (cli_parse("serve", argc, argv, defs, &a))
        return 2;
    server_opts o = {
        .db = cli_get(&a, defs, "--db"),
        .listen = cli_get(&a, defs, "--listen"),
        .base_path = cli_get(&a, defs, "--base-path"),
        .ingest_listen = cli_get(&a, defs, "--ingest-listen"),
    };
    const char *mb = cli_get(&a, defs, "--ingest-max-body");
    if (mb) {
        char *end;
        o.ingest_max_body = strtoll(mb, &end, 10);
        if (!*mb || o.ingest_max_body <= 0 || (*end && strcmp(end, "M") && strcmp(end, "K"))) {
            fprintf(stderr, "skolnav serve: --ingest-max-body '%s' is not a size in bytes (e.g. 1048576, 512K, 256M)\n", mb);
            return 2;
        }
        o.ingest_max_body *= *end == 'M' ? 1024 * 1024 : *end == 'K' ? 1024 : 1;
    }
    if (!o.db) {
        fprintf(stderr, "skolnav serve: --db PATH is required (the store to serve)\n");
        return 2;
    }
    if (!o.listen)
        o.listen = "127.0.0.1:8080";
    if (!o.base_path)
        o.base_path = "/v2.0";
    if (o.base_path[0] != '/' || (strlen(o.base_path) > 1 && o.base_path[strlen(o.base_path) - 1] == '/')) {
        fprintf(stderr, "skolnav serve: --base-path must start with '/' and not end with one (e.g. /v2.0)\n");
        return 2;
    }
    if (cli_get(&a, defs, "--threads"))
        o.threads = atoi(cli_get(&a, defs, "--threads"));
    if (cli_get(&a, defs, "--verbose"))
        log_level = LOG_DEBUG;
    /* Webhook settings, in seconds (see docs/operations.md). */
    o.webhooks.allow_http_loopback = cli_get(&a, defs, "--webhook-allow-http-loopback") != NULL;
    static const struct { const char *flag; size_t off; } secs[] = {
        { "--webhook-ttl", offsetof(outbound_opts, ttl_ms) },
        { "--webhook-retry-for", offsetof(outbound_opts, retry_for_ms) },
    };
    for (size_t i = 0; i < sizeof secs / sizeof *secs; i++) {
        const char *v = cli_get(&a, defs, secs[i].flag);
        if (!v)
            continue;
        char *end;
        double d = strtod(v, &end);
        if (*end || d <= 0 || d > 1e9) {
            fprintf(stderr, "skolnav serve: %s takes a number of seconds, not '%s'\n", secs[i].flag, v);
            return 2;
        }
        *(int64_t *)((char *)&o.webhooks + secs[i].off) = (int64_t)(d * 1000);
    }
    const char *to = cli_get(&a, defs, "--webhook-timeout");
    if (to) {
        char *end;
        double d = strtod(to, &end);
        if (*end || d <= 0 || d > 600) {
            fprintf(stderr, "skolnav serve: --webhook-timeout takes seconds (at most 600), not '%s'\n", to);
            return 2;
        }
        o.webhooks.timeout_ms = (long)(d * 1000);
    }
    o.no_ledger = cli_get(&a, defs, "--no-ledger") != NULL;
    o.no_scheduled_pulls = cli_get(&a, defs, "--no-scheduled-pulls") != NULL;
    o.no_export_schedule = cli_get(&a, defs, "--no-export-schedule") != NULL;
    o.no_scheduled_provisioning = cli_get(&a, defs, "--no-scheduled-provisioning") != NULL;
    const char *rl = cli_get(&a, defs, "--rate-limit");
    if (rl) {
        char *end;
        o.rate_limit = strtod(rl, &end);
        if (*end || !(o.rate_limit > 0) || o.rate_limit > 1e6) {
            fprintf(stderr, "skolnav serve: --rate-limit takes requests per second per client (e.g. 100), not '%s'\n", rl);
            return 2;
        }
    }
    return server_run(&o);
}

/* skolnav migrate --from URL --to URL: the whole store into an empty one. */
static int migrate_copy(const char *from_url, const char *to_url)
{
    char err[512];
    store *from, *to;
    if (store_open(from_url, 0, &from, err, sizeof err)) {
        fprintf(stderr, "skolnav migrate: --from: %s\n", err);
        return 1;
    }
    if (store_open(to_url, 1, &to, err, sizeof err)) {
        fprintf(stderr, "skolnav migrate: --to: %s\n", err);
        store_close(from);
        return 1;
    }
    int rc = store_copy(from, to, stdout, err, sizeof err);
    store_close(from);
    store_close(to);
    if (rc) {
        fprintf(stderr, "skolnav migrate: %s\n", err);
        return 1;
    }
    printf("the store is moved: every table has the same rows and content on both sides\n");
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--create", 0 }, { "--from", 1 }, { "--to", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("migrate", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db");
    const char *from = cli_get(&a, defs, "--from"), *to = cli_get(&a, defs, "--to");
    if (from || to) {
        if (!from || !to || db) {
            fprintf(stderr, "skolnav migrate: use --from URL --to URL together (and without --db)\n");
            return 2;
        }
        return migrate_copy(from, to);
    }
    if (!db) {
        fprintf(stderr, "skolnav migrate: --db PATH|URL is required (or --from URL --to URL)\n");
        return 2;
    }
    char err[512];
    store *st;
    if (store_open(db, cli_get(&a, defs, "--create") != NULL, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav migrate: %s\n", err);
        return 1;
    }
    printf("%s is at schema version %d\n", db, store_schema_version(st));
    store_close(st);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("skolnav %s (SS12000 2.1)\n", SKOLNAV_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv);

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
    const char *summary;
} command;

static const command commands[] = {
    { "serve", cmd_serve, "serve --db PATH [--listen 127.0.0.1:8080] [--base-path /v2.0] [--threads N] [--verbose]\n"
      "          [--rate-limit REQ_PER_S] [--no-ledger] [--webhook-ttl S] [--webhook-retry-for S]\n"
      "          [--webhook-timeout S] [--webhook-allow-http-loopback]\n"
      "          [--ingest-listen ADDR:PORT] [--ingest-max-body BYTES|NK|NM] [--no-scheduled-pulls]\n"
      "          [--no-export-schedule] [--no-scheduled-provisioning]",
      "serve the SS12000 API (and the push ingest API when --ingest-listen is given) until SIGTERM or SIGINT;\n"
      "          runs the pull sources that have a schedule unless --no-scheduled-pulls, and the export\n"
      "          schedules unless --no-export-schedule, and the provisioning schedules unless\n"
      "          --no-scheduled-provisioning" },
    { "demo", cmd_demo, "demo --db PATH [--scale mittkoping|city|nation] [--seed N] [--force]",
      "create a store with the Mittköping demo data" },
    { "client", cmd_client,
      "client add --db PATH NAME [--full-access] [--json] [--vendor T] [--contact T] [--dpo T] [--purpose T]\n"
      "          [--legal-basis T] [--contract-end YYYY-MM-DD] [--expires DATE]\n"
      "  | client list|show --db PATH [CLIENT] [--json]\n"
      "  | client grant --db PATH CLIENT [--all-orgs | --org ID ...] [--category NAME ...]\n"
      "          [--protected exclude|alias|full] [--pseudonyms on|off] [--writes on|off]\n"
      "  | client revoke --db PATH CLIENT [--all-orgs] [--org ID ...] [--category NAME ...]\n"
      "  | client suspend|resume|remove --db PATH CLIENT\n"
      "  | client rotate --db PATH CLIENT [--grace SECONDS] [--expires DATE] [--json]\n"
      "  | client pseudonym --db PATH CLIENT ID   (a pseudonym's person id, or a person's pseudonym)",
      "manage API clients, their keys and their grants (a new client sees nothing until granted)" },
    { "stop", cmd_stop, "stop --db PATH --all | --client CLIENT",
      "emergency stop: refuse every request of all clients (or one) from the next request on" },
    { "resume", cmd_resume, "resume --db PATH --all | --client CLIENT", "end an emergency stop" },
    { "audit", cmd_audit,
      "audit person --db PATH ID|CIVICNO [--json] | audit client --db PATH CLIENT [--json]\n"
      "  | audit purge --db PATH [--older-than DAYS] | audit retention --db PATH DAYS",
      "the disclosure ledger: who received which person's data, a client's use, retention" },
    { "issuer", cmd_issuer,
      "issuer add --db PATH ISS --jwks-file FILE|--jwks-url URL --audience AUD --client CLIENT [--location LOC]\n"
      "          [--organization-id ID] | issuer list --db PATH | issuer remove --db PATH ISS",
      "trust RS256 JWTs from an external issuer (e.g. Skolverket's DNP) as a client's credential" },
    { "view-as", cmd_view_as, "view-as --db PATH CLIENT PATH [--method GET|POST] [--body FILE.json]",
      "print exactly what a client would get for an API path, without recording a disclosure" },
    { "ingest", cmd_ingest, "ingest --db PATH --kind PATHNAME FILE.json",
      "validate and write a JSON array of entities (e.g. --kind persons)" },
    { "delete", cmd_delete, "delete --db PATH --kind PATHNAME [--source NAME] ID...",
      "delete entities (of the source, default local), leaving tombstones" },
    { "source", cmd_source,
      "source add --db PATH NAME (--push | --pull URL [--bearer TOKEN | --token-url URL --client-id ID --client-secret S]\n"
      "              [--schedule SECONDS] | --file) [--kinds persons,groups,...] [--json]\n"
      "      | source list|show|remove|held --db PATH [NAME] [--json] | source approve|discard --db PATH HELD-ID\n"
      "      | source thresholds --db PATH NAME [--delete-pct N] [--change-pct N] [--hold-min N] [--raise-pct N --until DATE]",
      "manage data sources: push credentials, pull upstreams, files, health, held batches" },
    { "import", cmd_import, "import --db PATH --source NAME [--full] FILE...",
      "import SS12000 JSON (list envelopes or a bundle, .gz too) or CSV files in one transaction" },
    { "pull", cmd_pull, "pull --db PATH NAME [--full] [--overlap SECONDS] [--limit N] [--timeout-ms N] [--retries N]",
      "one run of a pull source: a full walk first, then changes and deletions since the last good run" },
    { "provision", cmd_provision,
      "provision add|set --db PATH NAME (--url URL [--ca FILE] [--pin SHA256] | --metadata FILE --jwks FILE\n"
      "          --entity-id ID [--tag egilv1]) [--cert FILE --key FILE] [--api-key-file FILE [--api-key-header H]]\n"
      "          [--max-creates N|none] [--max-updates N|none] [--max-deletes N|none] [--activities hub|group]\n"
      "          [--timeout-ms N] [--retries N] [--json]\n"
      "  | provision grant|revoke --db PATH NAME ...   (as client grant|revoke)\n"
      "  | provision list|show --db PATH [NAME] [--json] | provision stop|resume|remove --db PATH NAME\n"
      "  | provision plan --db PATH NAME [--json] [--allow-empty] [--force] [--today YYYY-MM-DD]\n"
      "  | provision run --db PATH NAME [--dry-run] [--json] [--allow-empty] [--force]\n"
      "  | provision schedule --db PATH NAME --every SECONDS|off   (the server runs it)",
      "EGIL (SCIM) provisioning to service providers: plan, then push what each one is granted" },
    { "quality", cmd_quality, "quality --db PATH [--school ID] [--json]",
      "list data-quality findings per school and rule (docs/quality.md)" },
    { "export", cmd_export,
      "export --db PATH CLIENT --out DIR [--progress] [--keep N] [--json]\n"
      "  | export schedule --db PATH CLIENT --every DURATION --out DIR [--keep N] | --remove\n"
      "  | export schedules --db PATH [--json] | export list --db PATH [CLIENT] [--json]",
      "a client's export (zip of SS12000 JSON and CSV, docs/export.md) now, or on the server's schedule" },
    { "subscription", cmd_subscription, "subscription list --db PATH",
      "list webhook subscriptions with their state (active, expired, failing) and pending notifications" },
    { "feedback", cmd_feedback, "feedback list --db PATH [--client ID] [--channel log|statistics]",
      "show what vendors reported through POST /log/ and /statistics/" },
    { "admin", cmd_admin,
      "admin add --db PATH USER --role administrator|access-manager|viewer|dpo | admin list --db PATH\n"
      "  | admin settings --db PATH [--cookie-secure on|off] [--idle-timeout S] [--session-lifetime S]\n"
      "          [--throttle-account N] [--throttle-address N] [--throttle-window S]\n"
      "  | admin oidc --db PATH --issuer URL --client-id ID [--client-secret S] --redirect-uri URL\n"
      "          --role-claim CLAIM --roles VALUE=ROLE,... [--user-claim CLAIM] | admin oidc --db PATH --off",
      "admin web UI accounts (the initial password is the last line printed), sessions, OpenID Connect" },
    { "migrate", cmd_migrate, "migrate --db PATH|URL [--create] | migrate --from URL --to URL",
      "upgrade a store's schema in place (--create: make an empty store); or move a whole store" },
    { "version", cmd_version, "version", "print the version" },
    { "help", cmd_help, "help", "show this help" },
};

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("skolnav %s: a school-data hub serving the SS12000 API\n\nUsage:\n", SKOLNAV_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        printf("  skolnav %s\n      %s\n", commands[i].usage, commands[i].summary);
    printf("\nEvery PATH may also be a PostgreSQL URL (postgresql://user@host:port/database);\n"
           "several `serve` nodes can share one PostgreSQL database.\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "skolnav: libsodium could not initialise\n");
        return 1;
    }
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    int rc = -1;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(commands[i].name, argv[1]))
            rc = commands[i].fn(argc - 2, argv + 2);
    if (rc == -1) {
        fprintf(stderr, "skolnav: unknown command '%s' (see 'skolnav help')\n", argv[1]);
        rc = 2;
    }
    collate_thread_done();
    return rc;
}

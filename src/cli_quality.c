/* skolnav quality: the data-quality findings of a store. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"
#include "quality/quality.h"
#include "util/uuid.h"

int cmd_quality(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--school", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("quality", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db"), *school = cli_get(&a, defs, "--school");
    if (!db || a.npos) {
        fprintf(stderr, "skolnav quality: usage: skolnav quality --db PATH [--school ID] [--json]\n");
        return 2;
    }
    char lower[UUID_STR_LEN];
    if (school) {
        if (uuid_valid(school)) {
            fprintf(stderr, "skolnav quality: --school '%s' is not an organisation id (a UUID)\n", school);
            return 2;
        }
        uuid_lower(school, lower);
        school = lower;
    }
    char err[512];
    store *st;
    if (store_open(db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav quality: %s\n", err);
        return 1;
    }
    json_t *out = NULL;
    int rc = quality_run(st, school, &out);
    if (rc) {
        fprintf(stderr, "skolnav quality: %s\n", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    if (cli_get(&a, defs, "--json")) {
        char *t = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", t ? t : "null");
        free(t);
    } else {
        size_t i, j, total = 0;
        json_t *g, *e;
        json_array_foreach(json_object_get(out, "findings"), i, g) {
            const char *s = json_string_value(json_object_get(g, "school"));
            json_t *ents = json_object_get(g, "entities");
            printf("%s  school %s: %zu\n", json_string_value(json_object_get(g, "rule")), s ? s : "(none)",
                   json_array_size(ents));
            json_array_foreach(ents, j, e) {
                printf("    %s %s: %s\n", json_string_value(json_object_get(e, "kind")),
                       json_string_value(json_object_get(e, "id")), json_string_value(json_object_get(e, "detail")));
                total++;
            }
        }
        printf("%zu findings\n", total);
    }
    json_decref(out);
    return 0;
}

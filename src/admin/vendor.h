/* What the vendor screens share: the vendor named by a path segment, its
 * JSON, and its grant as the permission editor's object. */
#ifndef SKOLNAV_ADMIN_VENDOR_H
#define SKOLNAV_ADMIN_VENDOR_H

#include <jansson.h>

#include "admin/handler.h"
#include "store/clients.h"

#define GRANT_MAX_ORGS 1000

/* A grant as the permission editor edits it (a full replacement). */
typedef struct grant_spec {
    int all_orgs;
    char **orgs; /* malloc'd ids */
    size_t norgs;
    uint32_t cats; /* CAT_STANDARD always set */
    int protect;   /* PROTECT_* */
    int pseudonyms, writes;
} grant_spec;

void grant_spec_free(grant_spec *g);
/* The client's present grant. */
int grant_read(store *st, const client *c, grant_spec *g);
/* Parses the editor's object; -1 with a 400 sent. */
int grant_parse(admin_ctx *cx, json_t *o, grant_spec *g);
json_t *grant_json(const grant_spec *g);
/* Replaces the client's grant by g (inside the caller's transaction). */
int grant_replace(store *st, const char *client_id, const grant_spec *g);

/* The path's vendor, its present grant and the grant the body asks for
 * (the editor's object); -1 with the reply sent. */
int grant_request(admin_ctx *cx, client *c, grant_spec *g, grant_spec *old);

/* The path's vendor and the body object (an empty one when optional and
 * absent); NULL with the reply sent. */
json_t *vendor_body(admin_ctx *cx, client *c, int optional);

/* The vendor of the path's segment 1 (an id or a unique name); -1 with
 * the reply sent. */
int path_vendor(admin_ctx *cx, client *c);
const char *vendor_status(const client *c);
/* The vendor page's object. */
json_t *vendor_json(admin_ctx *cx, const client *c);

#endif

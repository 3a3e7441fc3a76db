/*
 * The admin pages (src/admin/ui/), embedded in the binary at build time by
 * scripts/embed_assets.py, so skolnav ships them with no files beside it and
 * no CDN. Paths are relative to src/admin/ui/ ("index.html", "js/app.js").
 */
#ifndef SKOLNAV_ADMIN_ASSETS_H
#define SKOLNAV_ADMIN_ASSETS_H

#include <stddef.h>

typedef struct admin_asset {
    const char *path;          /* relative to src/admin/ui/, '/'-separated */
    const char *type;          /* Content-Type */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
    const char *etag;          /* strong, quoted: a hash of the content */
} admin_asset;

/* The asset at path, or NULL. */
const admin_asset *admin_asset_find(const char *path);

#endif

/*
 * Pseudonymous ids (client grant --pseudonyms on): the client sees, for
 * each person, a stable id of its own instead of the hub's, so vendors
 * cannot link pupils across each other. pseudo = a UUID made of
 * HMAC-SHA-256(store secret, client id ":" person id). Every pseudonym a
 * client is given is kept (table pseudonym), so the ids it sends back in
 * paths, lookups and filters are mapped to the hub's before the request
 * runs, and an administrator can map them back. Page tokens, which carry
 * the hub's ids in their cursor, are encrypted for such clients.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "api/query_parse.h"
#include "api/serialize.h"
#include "util/buf.h"

#define TOKEN_PREFIX "p."

int access_secret(store *st, const char *name, unsigned char *key, size_t len, int create)
{
    char *hex = NULL;
    int rc = store_setting_get(st, name, &hex);
    if (rc == STORE_NOTFOUND && create) {
        unsigned char k[64];
        char h[129];
        if (len > sizeof k)
            return STORE_ERR;
        randombytes_buf(k, len);
        sodium_bin2hex(h, sizeof h, k, len);
        store_stmt *s = NULL;
        /* Two nodes creating it at once keep the first. */
        int failed = store_begin(st) ||
                     store_prepare(st, "INSERT INTO setting(k, v) VALUES(?, ?) ON CONFLICT(k) DO NOTHING", &s);
        if (!failed) {
            store_bind_text(s, 1, name);
            store_bind_text(s, 2, h);
            failed = store_step(s) < 0;
        }
        store_finalize(s);
        if (failed || store_commit(st)) {
            store_rollback(st);
            return STORE_ERR;
        }
        rc = store_setting_get(st, name, &hex);
    }
    if (rc != STORE_OK)
        return rc;
    size_t n = 0;
    rc = sodium_hex2bin(key, len, hex, strlen(hex), NULL, &n, NULL) || n != len;
    free(hex);
    return rc ? STORE_ERR : STORE_OK;
}

void access_pseudo_id(const access_view *av, const char *person, char out[UUID_STR_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, av->pkey, sizeof av->pkey);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)av->cl.id, strlen(av->cl.id));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)":", 1);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)person, strlen(person));
    crypto_auth_hmacsha256_final(&h, mac);
    mac[6] = (unsigned char)((mac[6] & 0x0f) | 0x40); /* a version 4 UUID in form */
    mac[8] = (unsigned char)((mac[8] & 0x3f) | 0x80);
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[mac[i] >> 4];
        out[o++] = hx[mac[i] & 15];
    }
    out[o] = 0;
}

/* ---------------------------------------------------------------- output */

static void pseudo_value(access_view *av, json_t *ref)
{
    const char *id = json_string_value(json_object_get(ref, "id"));
    if (!id)
        return;
    char p[UUID_STR_LEN];
    access_pseudo_id(av, id, p);
    if (!strmap_get(&av->pmap, p))
        strmap_put(&av->pmap, p, xstrdup(id));
    json_object_set_new(ref, "id", json_string(p));
}

static void pseudo_fields(access_view *av, const field *fields, json_t *obj)
{
    for (const field *f = fields; f && f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (!v || (f->type != FT_REF && f->type != FT_OBJECT))
            continue;
        if (f->type == FT_REF && f->ref != K_PERSON)
            continue;
        size_t n = (f->flags & F_ARRAY) ? json_array_size(v) : 1;
        for (size_t i = 0; i < n; i++) {
            json_t *el = (f->flags & F_ARRAY) ? json_array_get(v, i) : v;
            if (!json_is_object(el))
                continue;
            if (f->type == FT_REF)
                pseudo_value(av, el);
            else if (f->sub)
                pseudo_fields(av, f->sub, el);
        }
    }
}

static void pseudo_entity(access_view *av, const kind_desc *k, json_t *obj)
{
    if (k->id == K_PERSON)
        pseudo_value(av, obj);
    pseudo_fields(av, k->fields, obj);
}

void access_pseudo_page(access_view *av, const kind_desc *k, json_t **objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pseudo_entity(av, k, objs[i]);
        json_t *emb = json_object_get(objs[i], "_embedded");
        for (const expand *x = k->expands; emb && x && x->name; x++) {
            json_t *v = json_object_get(emb, x->name);
            if (!v)
                continue;
            size_t m = json_is_array(v) ? json_array_size(v) : 1;
            for (size_t j = 0; j < m; j++) {
                json_t *el = json_is_array(v) ? json_array_get(v, j) : v;
                if (x->how != E_CUSTOM)
                    pseudo_entity(av, model_kind(x->kind), el);
                else
                    pseudo_fields(av, expand_fields(k, x), el);
            }
        }
    }
}

/* ---------------------------------------------------------------- page tokens */

static void token_key(const access_view *av, unsigned char key[crypto_secretbox_KEYBYTES])
{
    crypto_generichash(key, crypto_secretbox_KEYBYTES, (const unsigned char *)"skolnav pseudonym page tokens", 29,
                       av->pkey, sizeof av->pkey);
}

static char *seal_token(const access_view *av, const char *tok)
{
    size_t n = strlen(tok);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *box = xmalloc(blen), key[crypto_secretbox_KEYBYTES];
    token_key(av, key);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)tok, n, box, key);
    size_t cap = sodium_base64_encoded_len(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = xmalloc(cap + 2);
    memcpy(out, TOKEN_PREFIX, 2);
    sodium_bin2base64(out + 2, cap, box, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(box);
    return out;
}

static char *open_token(const access_view *av, const char *s)
{
    if (strncmp(s, TOKEN_PREFIX, 2))
        return NULL;
    s += 2;
    size_t n = strlen(s), blen = 0;
    unsigned char *box = xmalloc(n + 1), key[crypto_secretbox_KEYBYTES];
    if (sodium_base642bin(box, n, s, n, NULL, &blen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        free(box);
        return NULL;
    }
    size_t mlen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *m = xmalloc(mlen + 1);
    token_key(av, key);
    if (crypto_secretbox_open_easy((unsigned char *)m, box + crypto_secretbox_NONCEBYTES,
                                   blen - crypto_secretbox_NONCEBYTES, box, key)) {
        free(box);
        free(m);
        return NULL;
    }
    m[mlen] = 0;
    free(box);
    return m;
}

/* ---------------------------------------------------------------- input */

/* 1 when index key `key` of kind names a person ("child.id", "groupMemberships[].person.id"). */
static int key_is_person(int kind, const char *key)
{
    const kind_desc *k = model_kind(kind);
    const char *path = NULL;
    for (const index_key *ik = k ? k->index_keys : NULL; key && ik && ik->key; ik++)
        if (!strcmp(ik->key, key))
            path = ik->path;
    const field *fields = k ? k->fields : NULL;
    while (path && *path && fields) {
        char seg[64];
        size_t n = strcspn(path, ".[");
        if (n >= sizeof seg)
            return 0;
        memcpy(seg, path, n);
        seg[n] = 0;
        const field *f = model_field(fields, seg);
        if (!f)
            return 0;
        if (f->type == FT_REF)
            return f->ref == K_PERSON;
        if (f->type != FT_OBJECT)
            return 0;
        fields = f->sub;
        path += n;
        if (!strncmp(path, "[]", 2))
            path += 2;
        if (*path == '.')
            path++;
    }
    return 0;
}

static int param_is_person(const kind_desc *k, const param *p)
{
    if (p->type != FT_UUID)
        return 0;
    switch (p->op) {
    case Q_EQ:
    case Q_TREE:
        return key_is_person(k->id, p->key);
    case Q_VIA:
        return key_is_person(p->via_kind, p->via_key);
    case Q_EITHER:
        return key_is_person(p->via_kind, p->via_key) || key_is_person(k->id, p->key2);
    default:
        return 0;
    }
}

static int lookup_is_person(const kind_desc *k, const char *name)
{
    for (const lookup_key *l = k->lookup; l && l->name; l++) {
        if (strcmp(l->name, name) || l->type != FT_UUID)
            continue;
        if (l->via_kind != K_NONE)
            return key_is_person(l->via_kind, l->via_key);
        return l->key ? key_is_person(k->id, l->key) : k->id == K_PERSON;
    }
    return 0;
}

/* The hub's id for a pseudonym the client was given; the pseudonym itself
 * (which names no entity) when it was not. Real ids are never accepted. */
static char *real_id(access_view *av, store *st, const char *pseudo)
{
    char lower[UUID_STR_LEN];
    if (uuid_valid(pseudo))
        return xstrdup(pseudo);
    uuid_lower(pseudo, lower);
    const char *known = strmap_get(&av->pmap, lower);
    if (known)
        return xstrdup(known);
    store_stmt *s;
    char *out = NULL;
    if (!store_prepare(st, "SELECT person FROM pseudonym WHERE client=? AND pseudo=?", &s)) {
        store_bind_text(s, 1, av->cl.id);
        store_bind_text(s, 2, lower);
        if (store_step(s) == 1)
            out = xstrdup(store_col_text(s, 0));
        store_finalize(s);
    }
    if (!out) {
        /* A well-formed id no entity has: the request finds nothing. */
        out = xstrdup("00000000-0000-4000-8000-000000000000");
    }
    strmap_put(&av->inmap, out, xstrdup(lower));
    return out;
}

static void add_escaped(buf *b, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            buf_addc(b, (char)*p);
        } else {
            buf_addc(b, '%');
            buf_addc(b, hx[*p >> 4]);
            buf_addc(b, hx[*p & 15]);
        }
    }
}

/* Comma-separated (P_MULTI) person ids, each mapped. */
static char *map_list(access_view *av, store *st, const char *v)
{
    buf b;
    buf_init(&b);
    char *copy = xstrdup(v), *save = NULL;
    int first = 1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *r = real_id(av, st, t);
        buf_printf(&b, "%s%s", first ? "" : ",", r);
        free(r);
        first = 0;
    }
    free(copy);
    return buf_steal(&b);
}

int access_translate_request(access_view *av, store *st, const char *path, const char *raw_query,
                             const char *body, size_t bodylen, char **path_out, char **query_out, char **body_out)
{
    *path_out = *query_out = *body_out = NULL;
    if (!av->pseudo || *path != '/')
        return 0;
    const char *seg = path + 1;
    const char *slash = strchr(seg, '/');
    const kind_desc *k = model_kind_by_path(seg, slash ? (size_t)(slash - seg) : strlen(seg));
    if (k && k->id == K_PERSON && slash && slash[1] && strcmp(slash, "/lookup") && !strchr(slash + 1, '/')) {
        char *r = real_id(av, st, slash + 1);
        buf b;
        buf_init(&b);
        buf_printf(&b, "/%s/%s", k->path, r);
        free(r);
        *path_out = buf_steal(&b);
    }
    qs in;
    api_error ignored;
    if (raw_query && !qs_parse(raw_query, &in, &ignored)) {
        buf b;
        buf_init(&b);
        for (size_t i = 0; i < in.n; i++) {
            const char *v = in.p[i].v;
            char *mapped = NULL;
            if (!strcmp(in.p[i].k, "pageToken")) {
                mapped = open_token(av, v);
                if (!mapped)
                    mapped = xstrdup("invalid"); /* the handler refuses it as any bad token */
            } else if (k && model_param(k, in.p[i].k) && param_is_person(k, model_param(k, in.p[i].k))) {
                mapped = map_list(av, st, v);
            }
            if (i)
                buf_addc(&b, '&');
            add_escaped(&b, in.p[i].k);
            buf_addc(&b, '=');
            add_escaped(&b, mapped ? mapped : v);
            free(mapped);
        }
        qs_free(&in);
        *query_out = buf_steal(&b);
    }
    if (k && slash && !strcmp(slash, "/lookup") && body) {
        json_t *j = json_loadb(body, bodylen, JSON_REJECT_DUPLICATES, NULL);
        const char *key;
        json_t *arr;
        int changed = 0;
        json_object_foreach(json_is_object(j) ? j : NULL, key, arr) {
            if (!lookup_is_person(k, key) || !json_is_array(arr))
                continue;
            size_t i;
            json_t *el;
            json_array_foreach(arr, i, el) {
                if (!json_is_string(el))
                    continue;
                char *r = real_id(av, st, json_string_value(el));
                json_array_set_new(arr, i, json_string(r));
                free(r);
                changed = 1;
            }
        }
        if (changed)
            *body_out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(j);
    }
    return 0;
}

/* Replaces every occurrence of `from` in b by `to` (same length: UUIDs). */
static void replace_all(buf *b, const char *from, const char *to)
{
    size_t n = strlen(from);
    if (!b->len || n != strlen(to))
        return;
    for (char *p = strstr(b->data, from); p; p = strstr(p + n, from))
        memcpy(p, to, n);
}

void access_translate_response(access_view *av, const char *path, int status, buf *body)
{
    if (!av->pseudo || !body->len)
        return;
    buf_cstr(body);
    if (status >= 400) {
        /* Error messages name the ids asked for: as the client sent them. */
        for (size_t i = 0; i < av->inmap.cap; i++)
            if (av->inmap.keys[i])
                replace_all(body, av->inmap.keys[i], av->inmap.vals[i]);
        return;
    }
    if (!strcmp(path, "/deletedEntities")) {
        json_t *j = json_loadb(body->data, body->len, 0, NULL);
        json_t *ps = json_object_get(json_object_get(j, "data"), "persons");
        size_t i;
        json_t *el;
        json_array_foreach(ps, i, el) {
            char p[UUID_STR_LEN];
            access_pseudo_id(av, json_string_value(el) ? json_string_value(el) : "", p);
            if (json_string_value(el) && !strmap_get(&av->pmap, p))
                strmap_put(&av->pmap, p, xstrdup(json_string_value(el)));
            json_array_set_new(ps, i, json_string(p));
        }
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (s) {
            buf_reset(body);
            buf_adds(body, s);
            free(s);
        }
        json_decref(j);
    }
    /* The list envelope ends with "pageToken":"...": seal it. */
    static const char marker[] = "\"pageToken\":\"";
    char *at = NULL;
    for (char *p = strstr(body->data, marker); p; p = strstr(p + 1, marker))
        at = p;
    if (!at)
        return;
    char *start = at + sizeof marker - 1, *end = strchr(start, '"');
    if (!end)
        return;
    char *tok = xstrndup(start, (size_t)(end - start));
    char *sealed = seal_token(av, tok);
    buf rest;
    buf_init(&rest);
    buf_adds(&rest, end);
    body->len = (size_t)(start - body->data);
    buf_adds(body, sealed);
    buf_add(body, rest.data, rest.len);
    buf_free(&rest);
    free(sealed);
    free(tok);
}

int access_pseudo_write(access_view *av, store *st)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO pseudonym(client, pseudo, person) VALUES(?,?,?) ON CONFLICT DO NOTHING", &s))
        return STORE_ERR;
    int rc = STORE_OK;
    for (size_t i = 0; i < av->pmap.cap && !rc; i++) {
        if (!av->pmap.keys[i])
            continue;
        store_bind_text(s, 1, av->cl.id);
        store_bind_text(s, 2, av->pmap.keys[i]);
        store_bind_text(s, 3, av->pmap.vals[i]);
        if (store_step(s) < 0)
            rc = STORE_ERR;
        store_reset(s);
    }
    store_finalize(s);
    return rc;
}

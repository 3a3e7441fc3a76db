/*
 * Helpers shared by the unit tests (header only: every test is one
 * translation unit linked against the core library).
 *
 * Sample values are derived from the model table, so the tests follow the
 * model as it grows instead of repeating it.
 */
#ifndef SKOLNAV_TESTUTIL_H
#define SKOLNAV_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

#define TU_UUID1 "0b5f6c2e-3d4a-4e5f-8a6b-7c8d9e0f1a2b"
#define TU_UUID2 "1c6f7d3f-4e5b-4f60-9b7c-8d9e0fa12b3c"
#define TU_UUID3 "2d708e40-5f6c-4071-ac8d-9eaf10b23c4d"
#define TU_UUID4 "3e819f51-6a7d-4182-bd9e-0fb021c34d5e"

/* Formats into a static rotating buffer (for messages and paths). */
static inline const char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *tu_fmt(const char *fmt, ...)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 512, fmt, ap);
    va_end(ap);
    return b;
}

/* A valid string value for a scalar of type t (NULL for objects/refs). */
static inline const char *tu_sample_text(field_type t)
{
    switch (t) {
    case FT_UUID: return TU_UUID1;
    case FT_DATE: return "2024-01-15";
    case FT_DATETIME: return "2024-01-15T08:20:00Z";
    case FT_URI: return "https://example.org/x";
    case FT_EMAIL: return "someone@example.org";
    case FT_TIME_HM: return "08:20";
    case FT_BOOL: return "true";
    case FT_INT: return "1";
    default: return "Text";
    }
}

static inline json_t *tu_min_object(const field *fields, int top);

/* A valid JSON value for one item of field f (ignoring F_ARRAY). */
static inline json_t *tu_sample_item(const field *f)
{
    switch (f->type) {
    case FT_OBJECT: {
        json_t *o = tu_min_object(f->sub, 0);
        /* the one format rule outside the model: Swedish civic numbers */
        if (!strcmp(f->name, "civicNo"))
            json_object_set_new(o, "value", json_string("200101011234"));
        return o;
    }
    case FT_REF:
        return json_pack("{ss}", "id", TU_UUID2);
    case FT_ENUM:
        return json_string(f->enumv && f->enumv[0] ? f->enumv[0] : "x");
    case FT_INT:
        return json_integer(f->min < f->max ? f->min : 1);
    case FT_BOOL:
        return json_true();
    default:
        /* the other format rule outside the model: 8-digit school unit codes */
        if (!strcmp(f->name, "schoolUnitCode"))
            return json_string("12345678");
        return json_string(tu_sample_text(f->type));
    }
}

/* A valid JSON value for field f (an array of one item when F_ARRAY). */
static inline json_t *tu_sample_value(const field *f)
{
    json_t *v = tu_sample_item(f);
    if (!(f->flags & F_ARRAY))
        return v;
    json_t *a = json_array();
    json_array_append_new(a, v);
    return a;
}

/* An object with every required field of `fields` (recursively). At the
 * top level `meta` is left out (the hub keeps its own). */
static inline json_t *tu_min_object(const field *fields, int top)
{
    json_t *o = json_object();
    for (const field *f = fields; f && f->name; f++) {
        if (!(f->flags & F_REQUIRED))
            continue;
        if (top && !strcmp(f->name, "meta"))
            continue;
        json_object_set_new(o, f->name, tu_sample_value(f));
    }
    if (top && model_field(fields, "id"))
        json_object_set_new(o, "id", json_string(TU_UUID1));
    return o;
}

static inline json_t *tu_min_entity(int kind)
{
    return tu_min_object(model_kind(kind)->fields, 1);
}

/* A valid query-string value for a parameter. */
static inline const char *tu_param_sample(const param *p)
{
    switch (p->type) {
    case FT_ENUM: return p->enumv && p->enumv[0] ? p->enumv[0] : "x";
    case FT_UUID: return TU_UUID1;
    case FT_DATE: return "2024-01-15";
    case FT_DATETIME: return "2024-01-15T08:00:00Z";
    case FT_BOOL: return "true";
    default: return "abc";
    }
}

/* A malformed value, or NULL when every string is acceptable. */
static inline const char *tu_param_bad(const param *p)
{
    switch (p->type) {
    case FT_ENUM: return p->enumv ? "NoSuchValue" : NULL;
    case FT_UUID: return "not-a-uuid";
    case FT_DATE: return "2024-02-30";
    case FT_DATETIME: return "2024-01-15";
    case FT_BOOL: return "yes";
    default: return NULL;
    }
}

/* Percent-encodes s for a query string (caller frees). */
static inline char *tu_urlenc(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = 0;
    return out;
}

/* The kind serving /path; fails the test when the model lacks it. */
static inline const kind_desc *tu_kind(const char *path)
{
    const kind_desc *k = model_kind_by_path(path, strlen(path));
    if (!k)
        fail_msg("the model has no kind at /%s", path);
    return k;
}

#endif

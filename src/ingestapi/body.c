/*
 * The scanner knows only the envelope: an object whose members are keys
 * and values, the values of the kinds' arrays cut into elements. Every
 * value it cuts (an element, or a member's value it does not stream) is
 * parsed by jansson with the flags the whole body used to be parsed with,
 * so the records' syntax, their strings, numbers and duplicate keys are
 * judged exactly as before; the scanner's own errors are those of the
 * envelope's punctuation, worded as jansson words them. Line and column
 * count as jansson counts them (columns in characters).
 *
 * A body that does not begin with '{' (after white space) is kept whole
 * and parsed by jansson, as its only possible outcome is an error.
 */
#include "ingestapi/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "util/strmap.h"
#include "util/uuid.h"

enum {
    S_START,    /* white space before the body */
    S_WHOLE,    /* not an object: kept for jansson */
    S_KEY0,     /* after '{': a key or '}' */
    S_KEYNEXT,  /* after ',': a key */
    S_KEY,      /* inside a key */
    S_COLON,
    S_VALUE,    /* before a member's value */
    S_ARR0,     /* after a streamed array's '[' */
    S_ARRNEXT,  /* after an element: ',' or ']' */
    S_ELEM0,    /* after ',': an element */
    S_CUT,      /* inside a value being cut out */
    S_OBJNEXT,  /* after a member: ',' or '}' */
    S_END,      /* after the body's '}' */
    S_ERROR,    /* a syntax error was found: the rest is ignored */
};

/* What the value being cut is. */
enum { CUT_ELEMENT, CUT_MEMBER };

/* The ids are kept as the beginning of the 201 body, which is then made
 * without a second copy of them (a 100 MB body has about 4 MB of ids). */
#define IDS_HEAD "{\"ids\":"

struct ingest_body {
    const kind_desc *kind; /* the path's kind; NULL for /snapshot */
    int del, snapshot;
    int state, cut_what;
    /* the value being cut: its bytes, nesting, string state */
    buf cut;
    int depth, in_str, esc, scalar;
    long cut_line, cut_col; /* where it began */
    buf key;                /* the raw key being read, quotes included */
    int key_esc;
    const kind_desc *member; /* the streamed kind of the current member, or NULL */
    char member_key[160];    /* the current member's key, decoded (truncated for messages) */
    int member_is_path;      /* single kind: the member is the envelope's array */
    strmap seen;             /* keys of the body object */
    long line, col;          /* of the next byte, as jansson counts */
    size_t total;
    char syntax[400];        /* the syntax error, when state is S_ERROR */
    ingest_result *env;      /* envelope problems */
    ingest_result *items;    /* DELETE: the items' problems */
    int saw_path, path_not_array;
    long index;              /* of the next element in the current array */
    int failed;              /* a spool file could not be made or written */
    ingest_stream *streams[K__COUNT];
    json_t *upsert_keys, *full, *del_ids;
    buf ids;
    int ids_first;
};

int ingest_body_route(const char *method, const char *path)
{
    if (path[0] != '/' || strchr(path + 1, '/'))
        return 404;
    const char *seg = path + 1;
    int snapshot = !strcmp(seg, "snapshot");
    const kind_desc *k = snapshot ? NULL : model_kind_by_path(seg, strlen(seg));
    if (!snapshot && (!k || !k->deleted_key || k->id == K_AGGREGATEDATTENDANCE || k->id == K_SUBSCRIPTION))
        return 404;
    int post = !strcmp(method, "POST"), put = !strcmp(method, "PUT"), del = !strcmp(method, "DELETE");
    if (snapshot ? !put : !(post || put || del))
        return 405;
    return 0;
}

static const kind_desc *writable_kind(const char *seg)
{
    const kind_desc *k = model_kind_by_path(seg, strlen(seg));
    if (!k || !k->deleted_key || k->id == K_AGGREGATEDATTENDANCE || k->id == K_SUBSCRIPTION)
        return NULL;
    return k;
}

ingest_body *ingest_body_new(const char *method, const char *path)
{
    ingest_body *b = xcalloc(1, sizeof *b);
    b->snapshot = !strcmp(path, "/snapshot");
    b->kind = b->snapshot ? NULL : writable_kind(path + 1);
    b->del = !strcmp(method, "DELETE");
    b->line = 1;
    buf_init(&b->cut);
    buf_init(&b->key);
    buf_init(&b->ids);
    buf_adds(&b->ids, IDS_HEAD "[");
    b->ids_first = 1;
    strmap_init(&b->seen);
    b->env = xcalloc(1, sizeof *b->env);
    b->items = xcalloc(1, sizeof *b->items);
    b->upsert_keys = json_object();
    b->full = json_array();
    b->del_ids = json_array();
    return b;
}

void ingest_body_free(ingest_body *b)
{
    if (!b)
        return;
    buf_free(&b->cut);
    buf_free(&b->key);
    buf_free(&b->ids);
    strmap_free(&b->seen, NULL);
    free(b->env);
    free(b->items);
    for (int k = 0; k < K__COUNT; k++)
        ingest_stream_free(b->streams[k]);
    json_decref(b->upsert_keys);
    json_decref(b->full);
    json_decref(b->del_ids);
    free(b);
}

ingest_stream *const *ingest_body_streams(const ingest_body *b)
{
    return b->streams;
}

const char *ingest_body_ids(ingest_body *b)
{
    return buf_cstr(&b->ids) + strlen(IDS_HEAD);
}

void ingest_body_take_response(ingest_body *b, buf *out)
{
    buf_free(out);
    *out = b->ids;
    buf_init(&b->ids);
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A syntax error at the current position, worded as jansson's. */
static void syntax_error(ingest_body *b, const char *what, int c)
{
    if (c < 0)
        snprintf(b->syntax, sizeof b->syntax, "%s near end of file (line %ld, column %ld)", what, b->line, b->col);
    else if (c >= 0x20 && c < 0x7f)
        snprintf(b->syntax, sizeof b->syntax, "%s near '%c' (line %ld, column %ld)", what, c, b->line, b->col);
    else
        snprintf(b->syntax, sizeof b->syntax, "invalid token near '\\x%02x' (line %ld, column %ld)", c, b->line,
                 b->col);
    b->state = S_ERROR;
}

/* jansson's error in a value cut out at (cut_line, cut_col), moved to its
 * place in the body. */
static void value_error(ingest_body *b, const json_error_t *je)
{
    long line = b->cut_line + je->line - 1, col = je->line <= 1 ? b->cut_col + je->column : je->column;
    snprintf(b->syntax, sizeof b->syntax, "%s (line %ld, column %ld)", je->text, line, col);
    b->state = S_ERROR;
}

static void add_id(ingest_body *b, json_t *record)
{
    const char *id = json_string_value(json_object_get(record, "id"));
    buf_adds(&b->ids, b->ids_first ? "" : ",");
    b->ids_first = 0;
    if (!id) {
        buf_adds(&b->ids, "null");
        return;
    }
    char lower[UUID_STR_LEN];
    if (!uuid_valid(id)) {
        uuid_lower(id, lower);
        id = lower;
    }
    buf_add_json_string(&b->ids, id);
}

/* A DELETE item: {"id": "<uuid>"}. */
static void delete_item(ingest_body *b, json_t *r, long i)
{
    json_t *id = json_object_get(r, "id");
    char rid[40] = "";
    if (json_is_string(id))
        snprintf(rid, sizeof rid, "%s", json_string_value(id));
    if (!json_is_object(r))
        ingest_problem_add(b->items, i, NULL, "", "must be an object {\"id\": \"<uuid>\"}");
    else if (!json_is_string(id))
        ingest_problem_add(b->items, i, NULL, "id", "required: a UUID string");
    else if (uuid_valid(json_string_value(id)))
        ingest_problem_add(b->items, i, rid, "id", "'%s' is not a UUID", json_string_value(id));
    else
        json_array_append(b->del_ids, id);
}

/* A value has been cut out completely: parse it and use it. */
static void value_done(ingest_body *b)
{
    json_error_t je;
    json_t *v = json_loadb(b->cut.data ? b->cut.data : "", b->cut.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    buf_reset(&b->cut);
    if (!v) {
        value_error(b, &je);
        return;
    }
    if (b->cut_what == CUT_MEMBER) {
        /* a member that is not streamed: only its type matters */
        if (b->member_is_path)
            b->path_not_array = !json_is_array(v);
        else if (b->snapshot && writable_kind(b->member_key) && !json_is_array(v))
            ingest_problem_add(b->env, -1, NULL, b->member_key, "must be an array");
        json_decref(v);
        b->state = S_OBJNEXT;
        return;
    }
    long i = b->index++;
    if (b->del)
        delete_item(b, v, i);
    else if (!b->failed) {
        add_id(b, v);
        if (ingest_stream_add(b->streams[b->member->id], v))
            b->failed = 1;
    }
    json_decref(v);
    b->state = S_ARRNEXT;
}

static void begin_cut(ingest_body *b, int what)
{
    b->cut_what = what;
    b->depth = b->in_str = b->esc = b->scalar = 0;
    b->cut_line = b->line;
    b->cut_col = b->col;
    buf_reset(&b->cut);
    b->state = S_CUT;
}

/* One byte of a value being cut. Returns 1 when the byte ended a scalar
 * and belongs to what follows (it is seen again). */
static int cut_byte(ingest_body *b, int c)
{
    if (b->in_str) {
        buf_addc(&b->cut, (char)c);
        if (b->esc)
            b->esc = 0;
        else if (c == '\\')
            b->esc = 1;
        else if (c == '"') {
            b->in_str = 0;
            if (!b->depth)
                value_done(b);
        }
        return 0;
    }
    if (b->scalar && (is_ws(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"')) {
        value_done(b);
        return 1;
    }
    if (!b->cut.len && !b->depth && !(c == '{' || c == '[' || c == '"'))
        b->scalar = 1;
    buf_addc(&b->cut, (char)c);
    if (b->scalar)
        return 0;
    if (c == '"')
        b->in_str = 1;
    else if (c == '{' || c == '[')
        b->depth++;
    else if (c == '}' || c == ']') {
        if (--b->depth <= 0)
            value_done(b);
    }
    return 0;
}

/* The key has been read: decode it and decide what its value is. */
static void key_done(ingest_body *b)
{
    json_error_t je;
    json_t *k = json_loadb(b->key.data, b->key.len, JSON_DECODE_ANY, &je);
    buf_reset(&b->key);
    if (!k) {
        value_error(b, &je);
        return;
    }
    const char *key = json_string_value(k);
    if (strlen(key) != json_string_length(k)) {
        json_decref(k);
        syntax_error(b, "NUL byte in object key not supported", '"');
        return;
    }
    if (strmap_get(&b->seen, key)) {
        snprintf(b->syntax, sizeof b->syntax, "duplicate object key near '\"%.120s\"' (line %ld, column %ld)", key,
                 b->line, b->col);
        b->state = S_ERROR;
        json_decref(k);
        return;
    }
    strmap_put(&b->seen, key, (void *)1);
    snprintf(b->member_key, sizeof b->member_key, "%s", key);
    b->member = NULL;
    b->member_is_path = 0;
    if (b->snapshot) {
        const kind_desc *kd = writable_kind(key);
        if (!kd)
            ingest_problem_add(b->env, -1, NULL, key, "'%s' is not an entity kind that can be written", key);
        b->member = kd;
    } else if (!strcmp(key, b->kind->path)) {
        b->saw_path = b->member_is_path = 1;
        b->member = b->kind;
    } else {
        ingest_problem_add(b->env, -1, NULL, key, "unexpected member: the body is {\"%s\": [...]}", b->kind->path);
    }
    json_decref(k);
    b->state = S_COLON;
}

/* The member's value begins with '[' and is a kind's array: stream it. */
static void begin_array(ingest_body *b)
{
    b->index = 0;
    b->state = S_ARR0;
    if (b->del)
        return;
    int k = b->member->id;
    if (b->snapshot) {
        json_object_set_new(b->upsert_keys, b->member_key, json_array());
        json_array_append_new(b->full, json_string(b->member_key));
    }
    if (!b->streams[k] && !(b->streams[k] = ingest_stream_new(k)))
        b->failed = 1;
}

static void step(ingest_body *b, int c)
{
    for (;;) {
        switch (b->state) {
        case S_ERROR:
            return;
        case S_START:
            if (is_ws(c)) {
                buf_addc(&b->cut, (char)c); /* kept in case the body turns out not to be an object */
                return;
            }
            if (c == '{') {
                buf_reset(&b->cut);
                b->state = S_KEY0;
                return;
            }
            b->state = S_WHOLE;
            continue;
        case S_WHOLE:
            buf_addc(&b->cut, (char)c);
            return;
        case S_KEY0:
        case S_KEYNEXT:
            if (is_ws(c))
                return;
            if (c == '}' && b->state == S_KEY0) {
                b->state = S_END;
                return;
            }
            if (c != '"') {
                syntax_error(b, b->state == S_KEY0 ? "string or '}' expected" : "string expected", c);
                return;
            }
            buf_reset(&b->key);
            buf_addc(&b->key, '"');
            b->cut_line = b->line; /* a key's errors are placed as a value's */
            b->cut_col = b->col;
            b->key_esc = 0;
            b->state = S_KEY;
            return;
        case S_KEY:
            buf_addc(&b->key, (char)c);
            if (b->key_esc)
                b->key_esc = 0;
            else if (c == '\\')
                b->key_esc = 1;
            else if (c == '"')
                key_done(b);
            return;
        case S_COLON:
            if (is_ws(c))
                return;
            if (c != ':') {
                syntax_error(b, "':' expected", c);
                return;
            }
            b->state = S_VALUE;
            return;
        case S_VALUE:
            if (is_ws(c))
                return;
            if (c == '[' && b->member) {
                begin_array(b);
                return;
            }
            begin_cut(b, CUT_MEMBER);
            continue;
        case S_ARR0:
        case S_ELEM0:
            if (is_ws(c))
                return;
            if (c == ']' && b->state == S_ARR0) {
                b->state = S_OBJNEXT;
                return;
            }
            begin_cut(b, CUT_ELEMENT);
            continue;
        case S_CUT:
            if (cut_byte(b, c))
                continue;
            return;
        case S_ARRNEXT:
            if (is_ws(c))
                return;
            if (c == ',')
                b->state = S_ELEM0;
            else if (c == ']')
                b->state = S_OBJNEXT;
            else
                syntax_error(b, "']' expected", c);
            return;
        case S_OBJNEXT:
            if (is_ws(c))
                return;
            if (c == ',')
                b->state = S_KEYNEXT;
            else if (c == '}')
                b->state = S_END;
            else
                syntax_error(b, "'}' expected", c);
            return;
        case S_END:
            if (!is_ws(c))
                syntax_error(b, "end of file expected", c);
            return;
        }
    }
}

/* jansson's count: a line per newline, a column per character. */
static void count(ingest_body *b, unsigned char c)
{
    if (c == '\n') {
        b->line++;
        b->col = 0;
    } else if (c < 0x80 || (c & 0xc0) == 0xc0) {
        b->col++;
    }
}

void ingest_body_feed(ingest_body *b, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && b->state != S_ERROR) {
        if (b->state == S_CUT && b->in_str && !b->esc) {
            /* the inside of a string, most of a record: copied in one piece */
            size_t j = i;
            while (j < len && data[j] != '"' && data[j] != '\\')
                count(b, (unsigned char)data[j++]);
            buf_add(&b->cut, data + i, j - i);
            if ((i = j) == len)
                break;
        }
        unsigned char c = (unsigned char)data[i++];
        step(b, c);
        count(b, c);
    }
    b->total += len;
}

/* The body as the old whole-body parse saw it: not an object at all. */
static void whole_error(ingest_body *b, ingest_result *res)
{
    json_error_t je;
    json_t *doc = json_loadb(b->cut.data ? b->cut.data : "", b->cut.len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        ingest_problem_add(res, -1, NULL, "", "the body is not JSON: %s (line %d, column %d)", je.text, je.line,
                           je.column);
    else
        ingest_problem_add(res, -1, NULL, "", "the body must be a JSON object");
    json_decref(doc);
}

/* The end of the body where the scanner stands: which syntax error it is. */
static void end_of_input(ingest_body *b)
{
    switch (b->state) {
    case S_CUT:
        if (b->scalar && !b->in_str) {
            value_done(b);
            if (b->state != S_ERROR)
                end_of_input(b);
            return;
        }
        {
            json_error_t je;
            json_t *v = json_loadb(b->cut.data ? b->cut.data : "", b->cut.len, JSON_DECODE_ANY, &je);
            json_decref(v);
            if (!v)
                value_error(b, &je);
            else
                syntax_error(b, "premature end of input", -1);
        }
        return;
    case S_KEY:
        syntax_error(b, "premature end of input", -1);
        return;
    case S_KEY0:
        syntax_error(b, "string or '}' expected", -1);
        return;
    case S_KEYNEXT:
        syntax_error(b, "string expected", -1);
        return;
    case S_COLON:
        syntax_error(b, "':' expected", -1);
        return;
    case S_VALUE:
    case S_ELEM0:
        syntax_error(b, "'[', '{', or value expected", -1);
        return;
    case S_ARR0:
    case S_ARRNEXT:
        syntax_error(b, "']' expected", -1);
        return;
    case S_OBJNEXT:
        syntax_error(b, "'}' expected", -1);
        return;
    default:
        return;
    }
}

json_t *ingest_body_finish(ingest_body *b, int *status, ingest_result *res)
{
    memset(res, 0, sizeof *res);
    *status = 400;
    if (!b->total) {
        ingest_problem_add(res, -1, NULL, "", "the request needs a JSON body");
        return NULL;
    }
    if (b->state == S_START || b->state == S_WHOLE) {
        whole_error(b, res);
        return NULL;
    }
    end_of_input(b);
    if (b->state == S_ERROR) {
        ingest_problem_add(res, -1, NULL, "", "the body is not JSON: %s", b->syntax);
        return NULL;
    }
    if (!b->snapshot) {
        if (!b->saw_path)
            ingest_problem_add(b->env, -1, NULL, b->kind->path, "required: the body is {\"%s\": [...]}", b->kind->path);
        else if (b->path_not_array)
            ingest_problem_add(b->env, -1, NULL, b->kind->path, "must be an array");
    } else if (!b->seen.n) {
        ingest_problem_add(b->env, -1, NULL, "", "a snapshot names at least one kind, e.g. {\"persons\": [...]}");
    }
    if (b->env->nproblems) {
        memcpy(res, b->env, sizeof *res);
        return NULL;
    }
    buf_addc(&b->ids, ']');
    if (b->del) {
        if (b->items->nproblems) {
            memcpy(res, b->items, sizeof *res);
            return NULL;
        }
        return json_pack("{s:{s:O}}", "delete", b->kind->path, b->del_ids);
    }
    if (b->failed) {
        *status = 500;
        ingest_problem_add(res, -1, NULL, "", "the batch's spool file could not be written");
        return NULL;
    }
    if (b->snapshot)
        return json_pack("{s:O,s:O}", "upsert", b->upsert_keys, "full", b->full);
    return json_pack("{s:{s:[]}}", "upsert", b->kind->path);
}

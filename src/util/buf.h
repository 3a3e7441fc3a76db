/* A growable byte buffer. Allocation failure is fatal (see buf.c: why). */
#ifndef SKOLNAV_BUF_H
#define SKOLNAV_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b);
void buf_reserve(buf *b, size_t extra);
void buf_add(buf *b, const void *p, size_t n);
void buf_adds(buf *b, const char *s);
void buf_addc(buf *b, char c);
/* Appends n in decimal (no printf: the ledger writes one per person). */
void buf_add_uint(buf *b, unsigned long n);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void buf_add_json_string(buf *b, const char *s);
const char *buf_cstr(buf *b);
/* 1 when s is valid UTF-8. */
int utf8_valid(const char *s);
/* Hands the data to the caller (who frees it) and leaves b empty. */
char *buf_steal(buf *b);

/* malloc that never returns NULL: out of memory aborts with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif

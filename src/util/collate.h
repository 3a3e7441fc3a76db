/* Swedish collation and Unicode case folding (ICU). Thread-safe. */
#ifndef SKOLNAV_COLLATE_H
#define SKOLNAV_COLLATE_H

#include <stddef.h>

/* Appends the Swedish collation sort key of UTF-8 `s` to out (malloc'd,
 * length in *len). Keys compare with memcmp in Swedish order:
 * a < z < å < ä < ö, case a tiebreak only. Returns 0, or -1 on bad UTF-8. */
int collate_key(const char *s, unsigned char **out, size_t *len);

/* Case-folded, NFC-normalised copy of UTF-8 `s` (malloc'd), for
 * case-insensitive substring search. NULL on invalid UTF-8. */
char *collate_fold(const char *s);

/* Identifies the collation rules in use (ICU's collator version): sort keys
 * made under another version must be rebuilt. Writes a short string. */
void collate_version(char *out, size_t outlen);

/* strcmp-like comparison in Swedish order. */
int collate_cmp(const char *a, const char *b);

/* Releases the calling thread's collator (for the main thread at exit). */
void collate_thread_done(void);

#endif

/* Dates and RFC 3339 date-times: strict parsing, one canonical output form. */
#ifndef SKOLNAV_TIMEFMT_H
#define SKOLNAV_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIME_CANON_LEN 25 /* "2024-01-15T08:20:00.000Z" + NUL */

/* Milliseconds since the epoch, from the wall clock. */
int64_t time_now_ms(void);

/* Parses an RFC 3339 date-time with Z or a ±HH:MM offset (a space where
 * '+' was not percent-encoded is accepted) into UTC milliseconds.
 * Returns 0 on success, -1 when s is not a valid date-time. */
int time_parse_datetime(const char *s, int64_t *ms);

/* Writes the canonical UTC form "YYYY-MM-DDTHH:MM:SS.mmmZ". Canonical forms
 * sort lexically in time order, so the store can compare them as text. */
void time_format_ms(int64_t ms, char out[TIME_CANON_LEN]);

/* Validates YYYY-MM-DD (a real calendar day). Returns 0 when valid. */
int time_parse_date(const char *s);

/* Validates "HH:MM" (00:00 to 23:59, and 24:00). */
int time_parse_hm(const char *s);

#endif

#ifndef SKOLNAV_UUID_H
#define SKOLNAV_UUID_H

#define UUID_STR_LEN 37 /* 36 characters + NUL */

/* 0 when s is a UUID in the 8-4-4-4-12 hex form (either case). */
int uuid_valid(const char *s);
/* Copies s into out in lower case. s must be valid. */
void uuid_lower(const char *s, char out[UUID_STR_LEN]);
/* A random (version 4) UUID. */
void uuid_random(char out[UUID_STR_LEN]);

#endif

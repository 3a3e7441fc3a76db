/*
 * API errors: an HTTP status, a stable code a program can switch on, and a
 * message a person can act on. Serialised as the SS12000 `Error` body.
 */
#ifndef SKOLNAV_ERRORS_H
#define SKOLNAV_ERRORS_H

typedef struct api_error {
    int status;
    char code[48];
    char message[512];
} api_error;

/* Error codes. */
#define E_INVALID_PARAMETER "INVALID_PARAMETER"
#define E_UNKNOWN_PARAMETER "UNKNOWN_PARAMETER"
#define E_MISSING_PARAMETER "MISSING_PARAMETER"
#define E_INVALID_FILTER "INVALID_FILTER"      /* pageToken combined with filters */
#define E_INVALID_PAGE_TOKEN "INVALID_PAGE_TOKEN"
#define E_INVALID_ID "INVALID_ID"
#define E_INVALID_BODY "INVALID_BODY"
#define E_NOT_FOUND "NOT_FOUND"
#define E_UNAUTHORIZED "UNAUTHORIZED"
#define E_FORBIDDEN "FORBIDDEN"
#define E_METHOD_NOT_ALLOWED "METHOD_NOT_ALLOWED"
#define E_TOO_LARGE "RESPONSE_TOO_LARGE"
#define E_BODY_TOO_LARGE "BODY_TOO_LARGE"
#define E_INTERNAL "INTERNAL_ERROR"
#define E_TOO_MANY_REQUESTS "TOO_MANY_REQUESTS"

/* Fills e and returns -1, so callers can `return api_fail(...)`. */
int api_fail(api_error *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The JSON body {"code": ..., "message": ...}; malloc'd. */
char *api_error_json(const api_error *e);

#endif

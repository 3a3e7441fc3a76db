#include "api/errors.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/buf.h"

int api_fail(api_error *e, int status, const char *code, const char *fmt, ...)
{
    e->status = status;
    snprintf(e->code, sizeof e->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

char *api_error_json(const api_error *e)
{
    buf b;
    buf_init(&b);
    buf_adds(&b, "{\"code\":");
    buf_add_json_string(&b, e->code);
    buf_adds(&b, ",\"message\":");
    buf_add_json_string(&b, e->message);
    buf_addc(&b, '}');
    return buf_steal(&b);
}

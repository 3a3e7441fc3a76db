#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/timefmt.h"

int log_level = LOG_INFO;

void log_msg(int level, const char *fmt, ...)
{
    static const char *names[] = { "error", "warning", "info", "debug" };
    if (level > log_level)
        return;
    char ts[TIME_CANON_LEN];
    time_format_ms(time_now_ms(), ts);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s: %s\n", ts, names[level], line);
}

#include "util/timefmt.h"

#include <ctype.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's algorithm. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' || digits(s + 8, 2, d))
        return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

int time_parse_date(const char *s)
{
    int y, m, d;
    if (strlen(s) != 10)
        return -1;
    return parse_ymd(s, &y, &m, &d);
}

int time_parse_hm(const char *s)
{
    int h, mi;
    if (strlen(s) != 5 || digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &mi))
        return -1;
    if (h > 24 || mi > 59 || (h == 24 && mi != 0))
        return -1;
    return 0;
}

int time_parse_datetime(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    if (strlen(s) < 20 || parse_ymd(s, &y, &mo, &d))
        return -1;
    if (s[10] != 'T' && s[10] != 't')
        return -1;
    if (digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &se))
        return -1;
    if (h > 23 || mi > 59 || se > 60)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)*p)) {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            n++, p++;
        }
        if (n == 0 || n > 9)
            return -1;
        for (; n < 3; n++)
            frac *= 10;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-' || *p == ' ') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 60 + om);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    if (se == 60)
        se = 59; /* a leap second is kept inside its minute */
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - (int64_t)off * 60;
    /* the instant must have a canonical form: 0001..9999 in UTC */
    if (secs < days_from_civil(1, 1, 1) * 86400 || secs >= days_from_civil(10000, 1, 1) * 86400)
        return -1;
    *ms = secs * 1000 + frac;
    return 0;
}

void time_format_ms(int64_t ms, char out[TIME_CANON_LEN])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int milli = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int sod = (int)(secs - days * 86400);
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        y = y < 0 ? 0 : 9999;
    }
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, sod / 3600, sod / 60 % 60,
             sod % 60, milli);
    memcpy(out, tmp, TIME_CANON_LEN - 1);
    out[TIME_CANON_LEN - 1] = 0;
}

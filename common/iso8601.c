#include "common/iso8601.h"

#include <time.h>

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no
 * timegm, whose normalising would let "2026-00-15" or "2026-02-31" through. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A cursor over the n characters to parse: reading past the end gives '\0'. */
struct cur {
    const char *s;
    size_t n, i;
};

static char peek(const struct cur *c)
{
    return c->i < c->n ? c->s[c->i] : '\0';
}

static char next(struct cur *c)
{
    char ch = peek(c);
    if (c->i < c->n)
        c->i++;
    return ch;
}

/* Reads exactly k digits. */
static bool digits(struct cur *c, int k, int *out)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        char ch = next(c);
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *out = v;
    return true;
}

bool iso8601_parse(const char *s, size_t n, uint32_t *out)
{
    struct cur c = {s, n, 0};
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    char t;
    if (!digits(&c, 4, &y) || next(&c) != '-' || !digits(&c, 2, &mo) || next(&c) != '-' ||
        !digits(&c, 2, &d) || ((t = next(&c)) != 'T' && t != 't'))
        return false;
    if (!digits(&c, 2, &h) || next(&c) != ':' || !digits(&c, 2, &mi) || next(&c) != ':' ||
        !digits(&c, 2, &sec))
        return false;
    if (peek(&c) == '.') {
        next(&c);
        if (peek(&c) < '0' || peek(&c) > '9')
            return false;
        while (peek(&c) >= '0' && peek(&c) <= '9')
            next(&c);
    }
    int sign = 0;
    char z = next(&c);
    if (z == '+' || z == '-') {
        sign = z == '+' ? 1 : -1;
        if (!digits(&c, 2, &oh) || next(&c) != ':' || !digits(&c, 2, &om) || oh > 23 || om > 59)
            return false;
    } else if (z != 'Z' && z != 'z')
        return false;
    if (c.i != n || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    int64_t secs =
        days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    if (secs < 0 || secs > UINT32_MAX)
        return false;
    *out = (uint32_t)secs;
    return true;
}

size_t iso8601_format(int64_t t, unsigned flags, char out[ISO8601_MAX])
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t n = 0;
    if ((int64_t)tt == t && gmtime_r(&tt, &tm))
        n = (flags & ISO8601_BASIC) ? strftime(out, ISO8601_MAX, "%Y%m%dT%H%M%SZ", &tm)
                                    : strftime(out, ISO8601_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (n == 0)
        out[0] = '\0';
    return n;
}

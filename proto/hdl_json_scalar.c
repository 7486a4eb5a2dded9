#include "proto/hdl_json_scalar.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static bool digits(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 18)
        return false;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

bool hdl_json_int(const json_t *j, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;
    if (json_is_integer(j)) {
        v = json_integer_value(j);
    } else if (json_is_real(j)) {
        double d = json_real_value(j);
        /* NaN fails both comparisons; 2^62 keeps the cast defined. */
        if (!(d >= -4.6e18 && d <= 4.6e18) || d != (double)(int64_t)d)
            return false;
        v = (int64_t)d;
    } else if (json_is_string(j)) {
        if (!digits(json_string_value(j), json_string_length(j), &v))
            return false;
    } else {
        return false;
    }
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool hdl_json_u32(const json_t *j, uint32_t *out)
{
    int64_t v;
    if (!hdl_json_int(j, 0, UINT32_MAX, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool hdl_json_bool(const json_t *j, bool *out)
{
    if (json_is_boolean(j)) {
        *out = json_is_true(j);
        return true;
    }
    const char *s = json_string_value(j);
    if (s && (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0)) {
        *out = strcasecmp(s, "true") == 0;
        return true;
    }
    return false;
}

const char *hdl_json_text(const json_t *j, char *buf, size_t cap, size_t *len)
{
    int n;
    if (json_is_string(j)) {
        *len = json_string_length(j);
        return json_string_value(j);
    }
    if (json_is_integer(j)) {
        n = snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
    } else if (json_is_real(j)) {
        /* The shortest digits that read back as the same double. */
        double d = json_real_value(j);
        n = 0;
        for (int prec = 1; prec <= 17; prec++) {
            n = snprintf(buf, cap, "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
    } else if (json_is_boolean(j)) {
        n = snprintf(buf, cap, "%s", json_is_true(j) ? "true" : "false");
    } else {
        return NULL;
    }
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    *len = (size_t)n;
    return buf;
}

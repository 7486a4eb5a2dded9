#include "resolver/http/http_lang.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The q-value after a language range ("; q=0.8"), 1000ths; 1000 when there is none, -1 when it
 * is malformed (the entry is then ignored, as RFC 9110 §12.4.2 lets a recipient do). */
static int q_value(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
        p++;
    if (p == end)
        return 1000;
    if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return -1;
    p += 2;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end || (*p != '0' && *p != '1'))
        return -1;
    int q = (*p++ - '0') * 1000;
    if (p < end && *p == '.') {
        p++;
        for (int scale = 100; p < end && *p >= '0' && *p <= '9'; scale /= 10, p++)
            q += (*p - '0') * scale;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p == end && q <= 1000 ? q : -1;
}

/* Whether the language range [p, end) is lang or one of its subtags ("zh", "zh-CN", "ZH-hans"). */
static bool range_is(const char *p, const char *end, const char *lang)
{
    size_t n = strlen(lang);
    return (size_t)(end - p) >= n && strncasecmp(p, lang, n) == 0 &&
           ((size_t)(end - p) == n || p[n] == '-');
}

enum http_lang http_lang_choose(const char *lang_param, const char *accept_language)
{
    if (lang_param && strcasecmp(lang_param, "zh") == 0)
        return HTTP_LANG_ZH;
    if (lang_param && strcasecmp(lang_param, "en") == 0)
        return HTTP_LANG_EN;
    if (!accept_language)
        return HTTP_LANG_EN;
    /* The higher q wins; on a tie the one listed first, as the client listed its order. */
    int best_q = 0;
    enum http_lang best = HTTP_LANG_EN;
    const char *p = accept_language;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *range_end = p;
        while (range_end < end && *range_end != ';' && *range_end != ' ' && *range_end != '\t')
            range_end++;
        int q = q_value(range_end, end);
        bool is_zh = range_is(p, range_end, "zh");
        if ((is_zh || range_is(p, range_end, "en")) && q > best_q) {
            best_q = q;
            best = is_zh ? HTTP_LANG_ZH : HTTP_LANG_EN;
        }
        p = *end ? end + 1 : end;
    }
    return best;
}

#include "common/http_date.h"

#include <stdio.h>
#include <time.h>

size_t http_date_format(int64_t t, char out[HTTP_DATE_MAX])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    out[0] = '\0';
    time_t at = (time_t)t;
    struct tm tm;
    if (t < 0 || (int64_t)at != t || !gmtime_r(&at, &tm) || tm.tm_year + 1900 > 9999)
        return 0;
    int n = snprintf(out, HTTP_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                     tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    return n > 0 ? (size_t)n : 0; /* four-digit years: always 29 */
}

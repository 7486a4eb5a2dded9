/*
 * UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF. "Text" is what the reference would show as a string: such UTF-8 without control
 * bytes other than tab, CR and LF (and without DEL).
 */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed sequence at p[0..n), n >= 1; 0 when there is none. */
size_t utf8_seq_len(const uint8_t *p, size_t n);

/* Whether p[0..n) is well-formed UTF-8 (any ASCII byte included). */
bool utf8_is_valid(const uint8_t *p, size_t n);

/* Whether p[0..n) is text: well-formed UTF-8, and no control byte but '\t', '\r', '\n'. */
bool utf8_is_text(const uint8_t *p, size_t n);

#endif

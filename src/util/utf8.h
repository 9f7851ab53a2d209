/* UTF-8 text measured and cut on character boundaries, so that a message or a field cut to fit
 * a buffer stays valid UTF-8 (JSON refuses anything else). */
#ifndef JIESU_UTF8_H
#define JIESU_UTF8_H

#include <stddef.h>

/* Counts code points of valid UTF-8; returns (size_t)-1 if s is not valid UTF-8. */
size_t utf8_len(const char *s);

/* The length in bytes of the longest prefix of s (NULL: "") of at most max bytes that does not
 * end inside a character: for printf's "%.*s" in place of "%.Ns". */
int utf8_clip(const char *s, size_t max);

/* Cuts a character left incomplete at the end of s (by a snprintf that ran out of room). */
void utf8_trim(char *s);

#endif

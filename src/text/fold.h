/* Character folding for search and matching: traditional → simplified one character at a time
 * (a table built once from OpenCC's t2s conversion), full-width ASCII → ASCII, ASCII upper →
 * lower case. A table lookup per character, so that indexing a 1 KB message costs microseconds
 * rather than OpenCC's ~0.5 ms. */
#ifndef JIESU_FOLD_H
#define JIESU_FOLD_H

#include <stdint.h>

#include "util/buf.h"

/* Appends the folded form of text (valid UTF-8) to out. Returns 0, -JS_EUTF8 for invalid text,
 * or a buffer error. The table is built on first use (thread-safe); if OpenCC cannot be opened
 * the traditional characters are kept as they are and a warning is printed once. */
int text_fold(const char *text, struct buf *out);
/* The folded form of one code point. */
uint32_t text_fold_cp(uint32_t cp);
/* Decodes the code point at *p (valid UTF-8, not at the terminating NUL) and advances *p. */
uint32_t text_next_cp(const char **p);
/* Appends code point cp as UTF-8. */
int text_put_cp(struct buf *out, uint32_t cp);

#endif

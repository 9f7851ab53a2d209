/* Chinese text for search and matching: traditional → simplified (OpenCC), then words (friso). */
#ifndef JIESU_SEGMENT_H
#define JIESU_SEGMENT_H

#include "util/buf.h"
#include "util/err.h"

struct segmenter;

/* Opens a segmenter with friso's config at ini (NULL: /etc/friso/friso.ini). Free with
 * segmenter_free. */
int segmenter_open(const char *ini, struct segmenter **out, struct js_error *e);
/* Frees a segmenter. Accepts NULL. */
void segmenter_free(struct segmenter *s);
/* Appends to out the words of text, simplified and lower-cased, separated by single spaces;
 * punctuation is dropped. Safe to call from several threads at once. */
int segmenter_cut(struct segmenter *s, const char *text, struct buf *out);
/* Appends the simplified form of text to out. */
int segmenter_simplify(struct segmenter *s, const char *text, struct buf *out);
/* The process-wide segmenter, opened on first use (thread-safe); NULL if it cannot open. */
struct segmenter *segmenter_default(void);

#endif

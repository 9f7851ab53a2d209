/* What search indexes and how a query matches it, independent of any database.
 *
 * The index holds, per field, the folded text (simplified, lower-case) as a stream of tokens:
 * each run of CJK characters becomes its overlapping character bigrams followed by its last
 * character alone (a run of one character is that character), each run of letters and digits
 * one token. A query part becomes the same stream as a phrase, so that any substring of a
 * field is found: 停车 finds 停车场 and 乱停车, a single character is a prefix token (噪* finds
 * 噪音 and 噪声). Synonym groups (噪音/噪声 …) turn a part into alternatives. */
#ifndef JIESU_SEARCHTEXT_H
#define JIESU_SEARCHTEXT_H

#include <jansson.h>
#include <stdbool.h>

#include "util/buf.h"
#include "util/err.h"

#define ST_MAX_GROUPS 8 /* query parts (all required) */
#define ST_MAX_ALTS   8 /* alternatives per part (any one) */

/* One phrase: tokens separated by single spaces; prefix marks its last token as a prefix. */
struct st_phrase {
    char *tokens;
    bool prefix;
};
/* One query part: any of its alternatives. */
struct st_group {
    struct st_phrase alt[ST_MAX_ALTS];
    int n;
};
/* A parsed query: every group must match. n == 0 when the query had no searchable text. */
struct st_query {
    struct st_group g[ST_MAX_GROUPS];
    int n;
};

/* Appends the index tokens of text (folded first) to out, space separated. */
int searchtext_index(const char *text, struct buf *out);
/* Parses a query typed by a person. synonyms is an array of groups (arrays of strings) or NULL.
 * *out must be released with searchtext_query_release whatever the result. */
int searchtext_query(const char *q, const json_t *synonyms, struct st_query *out);
/* Frees what a parsed query holds. Accepts NULL. */
void searchtext_query_release(struct st_query *q);

/* The default synonym groups shipped with jiesu (new reference). */
json_t *searchtext_default_synonyms(void);
/* Checks a synonym list: an array of at most 1000 groups, each an array of 2 to 12 distinct
 * non-empty words of at most 20 characters without spaces or punctuation. On failure fills e
 * (field "groups") and returns -JS_EINVAL. */
int searchtext_synonyms_check(const json_t *groups, struct js_error *e);

/* Keys of exact lookups: the digits of a phone number ("+86 138-1234-1111" → "8613812341111"
 * without a leading 86 when 13 digits remain → "13812341111"). Writes at most size - 1 bytes;
 * returns the number of digits. */
int searchtext_phone_digits(const char *s, char *out, size_t size);

#endif

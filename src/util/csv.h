/* A streaming RFC 4180 CSV reader: one record at a time from a FILE*, with quoted fields,
 * doubled quotes, line breaks inside quotes, CRLF or LF line ends, a UTF-8 byte-order mark, and
 * a cap on the size of each field. And the writer of one field, which every CSV export uses. */
#ifndef JIESU_CSV_H
#define JIESU_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/err.h"

#define CSV_DEFAULT_MAX_FIELD  (1u << 20) /* bytes per field */
#define CSV_DEFAULT_MAX_FIELDS 1024       /* fields per record */

struct csv_reader {
    FILE *f;           /* borrowed; the caller opens and closes it */
    size_t max_field;  /* the most bytes one field may hold */
    int max_fields;    /* the most fields one record may hold */
    struct buf *field; /* owned: one buffer per field of the current record */
    int n_fields;      /* fields in the current record */
    int cap_fields;    /* buffers allocated in field[] */
    long line;         /* physical line (1-based) the current record starts on */
    long next_line;    /* physical line the next record starts on */
    long records;      /* records read so far, header included */
    bool started;      /* the byte-order mark check has been done */
    int back[3];       /* bytes pushed back by the reader itself, last pushed first read */
    int n_back;
};

/* Prepares r to read from f (borrowed, left open by csv_release). max_field caps each field in
 * bytes (0: CSV_DEFAULT_MAX_FIELD); records of more than CSV_DEFAULT_MAX_FIELDS fields are
 * refused. */
void csv_init(struct csv_reader *r, FILE *f, size_t max_field);
/* Frees the field buffers (not the FILE). Accepts NULL. */
void csv_release(struct csv_reader *r);

/* Reads the next record. On success *got is true and the fields are available through
 * csv_field until the next call; at the end of input *got is false and 0 is returned. Lines
 * that are completely empty between records are skipped. Errors: -JS_EINVAL for malformed
 * quoting (a quote not followed by a delimiter, or end of input inside quotes), -JS_ETOOLARGE
 * for a field over the cap or too many fields, -JS_EIO for a read error, -JS_ENOMEM; e names
 * the line. */
int csv_next(struct csv_reader *r, bool *got, struct js_error *e);

/* Number of fields of the current record. */
int csv_count(const struct csv_reader *r);
/* Field i of the current record as a NUL-terminated string borrowed from r (valid until the
 * next csv_next); "" when i is out of range. */
const char *csv_field(const struct csv_reader *r, int i);
/* Length in bytes of field i (it may hold NUL bytes); 0 when out of range. */
size_t csv_field_len(const struct csv_reader *r, int i);
/* Index of the field of the current record equal to name (e.g. in a header row), or -1. */
int csv_find(const struct csv_reader *r, const char *name);

/* The writer. A text cell that starts with '=', '+', '-', '@', a tab or a carriage return would
 * be taken for a formula by a spreadsheet (CSV injection); such a cell is written with a leading
 * apostrophe, as OWASP recommends, so that it shows as the text it is. Numbers the exports
 * format themselves (e.g. -1.50) are written directly, not through these functions. */

/* True when s must be defused (its first byte is one of = + - @ TAB CR). */
bool csv_cell_risky(const char *s);
/* Appends s (NULL: empty) as one field to out: defused when risky, and quoted (quotes doubled)
 * when it holds a comma, a quote, CR or LF. Returns 0 or a negative JS_E* code of buf_append. */
int csv_put_field(struct buf *out, const char *s);
/* The same, written to f; -JS_EIO on a write error. */
int csv_write_field(FILE *f, const char *s);

#endif

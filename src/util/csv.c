/* Streaming RFC 4180 CSV reader: a small state machine over getc, one struct buf per field; and
 * the writer of one field, quoted when it must be and defused against formula injection. */
#include "compat.h"
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_init(struct csv_reader *r, FILE *f, size_t max_field)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->max_field = max_field ? max_field : CSV_DEFAULT_MAX_FIELD;
    r->max_fields = CSV_DEFAULT_MAX_FIELDS;
    r->line = 1;
    r->next_line = 1;
}

void csv_release(struct csv_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->cap_fields; i++)
        buf_release(&r->field[i]);
    free(r->field);
    r->field = NULL;
    r->n_fields = r->cap_fields = 0;
}

/* The next byte, from the push-back stack first. The FILE is used by one thread (the
 * reader's), so the unlocked getc is safe and several times faster. */
static int rd(struct csv_reader *r)
{
    if (r->n_back > 0)
        return r->back[--r->n_back];
    return getc_unlocked(r->f);
}

static void unread(struct csv_reader *r, int c)
{
    if (c != EOF && r->n_back < (int)JS_ARRAY_LEN(r->back))
        r->back[r->n_back++] = c;
}

/* Skips a UTF-8 byte-order mark at the very start of the input. */
static void skip_bom(struct csv_reader *r)
{
    int c1 = rd(r);
    if (c1 != 0xEF) {
        unread(r, c1);
        return;
    }
    int c2 = rd(r);
    int c3 = c2 == 0xBB ? rd(r) : EOF;
    if (c2 == 0xBB && c3 == 0xBF)
        return;
    /* not a BOM: push everything back, last read first out */
    unread(r, c3);
    unread(r, c2);
    unread(r, c1);
}

/* An empty buffer for the next field of the current record. */
static int new_field(struct csv_reader *r, struct buf **out, struct js_error *e)
{
    if (r->n_fields >= r->max_fields)
        return js_fail(e, JS_ETOOLARGE, "csv", "line %ld: more than %d fields in one record",
                       r->line, r->max_fields);
    if (r->n_fields == r->cap_fields) {
        int cap = r->cap_fields ? r->cap_fields * 2 : 16;
        struct buf *v = realloc(r->field, (size_t)cap * sizeof *v);
        if (!v)
            return js_fail(e, JS_ENOMEM, "csv", NULL);
        for (int i = r->cap_fields; i < cap; i++)
            buf_init(&v[i], r->max_field);
        r->field = v;
        r->cap_fields = cap;
    }
    *out = &r->field[r->n_fields++];
    buf_reset(*out);
    return 0;
}

static int put(struct csv_reader *r, struct buf *b, int c, struct js_error *e)
{
    if (b->len + 1 < b->cap && b->len < b->limit) { /* fast path: room in the buffer */
        b->data[b->len++] = (char)c;
        b->data[b->len] = '\0';
        return 0;
    }
    char ch = (char)c;
    int rc = buf_append(b, &ch, 1);
    if (rc == -JS_ETOOLARGE)
        return js_fail(e, JS_ETOOLARGE, "csv", "line %ld: field %d is longer than %zu bytes",
                       r->line, r->n_fields, r->max_field);
    if (rc)
        return js_fail(e, rc, "csv", NULL);
    return 0;
}

int csv_next(struct csv_reader *r, bool *got, struct js_error *e)
{
    *got = false;
    r->n_fields = 0;
    if (!r->started) {
        skip_bom(r);
        r->started = true;
    }
    int c = rd(r);
    while (c == '\n' || c == '\r') { /* empty lines between records */
        if (c == '\r') {
            int c2 = rd(r);
            if (c2 != '\n')
                unread(r, c2);
        }
        r->next_line++;
        c = rd(r);
    }
    if (c == EOF) {
        if (ferror(r->f))
            return js_fail(e, JS_EIO, "csv", "line %ld: read error", r->next_line);
        return 0;
    }
    r->line = r->next_line;
    int rc;
    for (;;) {
        struct buf *b = NULL;
        if ((rc = new_field(r, &b, e)))
            return rc;
        if (c == '"') {
            for (;;) {
                c = rd(r);
                if (c == EOF)
                    return js_fail(e, JS_EINVAL, "csv",
                                   "line %ld: end of input inside a quoted field", r->line);
                if (c == '"') {
                    c = rd(r);
                    if (c != '"')
                        break; /* the closing quote; c is what follows it */
                } else if (c == '\n') {
                    r->next_line++;
                }
                if ((rc = put(r, b, c, e)))
                    return rc;
            }
            if (c != ',' && c != '\n' && c != '\r' && c != EOF)
                return js_fail(e, JS_EINVAL, "csv",
                               "line %ld: unexpected character after the closing quote of "
                               "field %d",
                               r->next_line, r->n_fields);
        } else {
            /* unquoted: a stray quote inside is kept as it is (lenient, like most writers) */
            while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
                if ((rc = put(r, b, c, e)))
                    return rc;
                c = rd(r);
            }
        }
        if (c == ',') {
            c = rd(r);
            continue;
        }
        break;
    }
    if (c == '\r') {
        int c2 = rd(r);
        if (c2 != '\n')
            unread(r, c2);
    }
    if (c != EOF)
        r->next_line++;
    else if (ferror(r->f))
        return js_fail(e, JS_EIO, "csv", "line %ld: read error", r->line);
    r->records++;
    *got = true;
    return 0;
}

int csv_count(const struct csv_reader *r)
{
    return r->n_fields;
}

const char *csv_field(const struct csv_reader *r, int i)
{
    if (i < 0 || i >= r->n_fields || !r->field[i].data)
        return "";
    return r->field[i].data;
}

size_t csv_field_len(const struct csv_reader *r, int i)
{
    if (i < 0 || i >= r->n_fields)
        return 0;
    return r->field[i].len;
}

int csv_find(const struct csv_reader *r, const char *name)
{
    for (int i = 0; i < r->n_fields; i++)
        if (strcmp(csv_field(r, i), name) == 0)
            return i;
    return -1;
}

/* ---- writer ---------------------------------------------------------------------------------- */

bool csv_cell_risky(const char *s)
{
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}

/* The writer's output, to a buffer or to a FILE. */
struct sink {
    struct buf *b;
    FILE *f;
};

static int emit(struct sink *k, const char *p, size_t n)
{
    if (k->b)
        return buf_append(k->b, p, n);
    return n && fwrite(p, 1, n, k->f) != n ? -JS_EIO : 0;
}

static int write_field(struct sink *k, const char *s)
{
    if (!s)
        s = "";
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    int rc = 0;
    if (quote)
        rc = emit(k, "\"", 1);
    if (!rc && csv_cell_risky(s))
        rc = emit(k, "'", 1);
    for (const char *p = s; !rc && *p;) {
        if (*p == '"') {
            rc = emit(k, "\"\"", 2);
            p++;
            continue;
        }
        size_t n = strcspn(p, "\"");
        rc = emit(k, p, n);
        p += n;
    }
    if (!rc && quote)
        rc = emit(k, "\"", 1);
    return rc;
}

int csv_put_field(struct buf *out, const char *s)
{
    struct sink k = {out, NULL};
    return write_field(&k, s);
}

int csv_write_field(FILE *f, const char *s)
{
    struct sink k = {NULL, f};
    return write_field(&k, s);
}

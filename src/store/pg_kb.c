/* The PostgreSQL side of the knowledge base (issue 11, migration 10), as sqlite_kb.c: versions
 * of entries with their categories, the text index of the published versions, the citations of
 * direct answers and the per-unit figures of the kb indicators.
 *
 * The text index holds the tokens of text/searchtext.h as tsvectors (question q, answer a, basis
 * b), each token a lexeme at its position, as order search does; a query matches as FTS5 does
 * (every group, each within one column; or with `any`, any token anywhere). The ranking is
 * SQLite FTS5's bm25 with the column weights 4, 1 and 0.5, computed here from the same figures
 * FTS5 uses (rows in the index, their token counts, the rows holding each phrase, and each
 * phrase's occurrences per column of a row), so that both backends list the same versions in
 * the same order. */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kb.h"
#include "store/pg_store.h"

#define KB_COLS                                                                                    \
    "e.id, e.entry_id, e.version, e.status, e.question, e.answer, e.basis, e.unit_id,"             \
    " e.valid_from, e.valid_to, e.author_id, e.created_at, e.updated_at, e.submitted_at,"          \
    " e.reviewer_id, e.reviewed_at, e.note, e.published_at, e.ended_at, e.uses, e.reminded,"       \
    " (SELECT string_agg(c.category_id::text, ',' ORDER BY c.category_id) FROM kb_categories c"    \
    " WHERE c.kb_id = e.id)"
#define KB_NCOLS 22

/* In force at the instant of parameter $N: published by then, not ended, within its dates. */
#define KB_IN_FORCE(N)                                                                             \
    "(e.published_at > 0 AND e.published_at <= $" N " AND (e.ended_at = 0 OR e.ended_at > $" N     \
    ") AND e.valid_from <= $" N " AND (e.valid_to = 0 OR e.valid_to > $" N "))"

/* FTS5's bm25: k1, b, and the weights of the columns q, a, b (sqlite_kb.c: bm25(kb_search,
 * 4.0, 1.0, 0.5)). */
#define BM25_K1 1.2
#define BM25_B  0.75
static const double col_weight[3] = {4.0, 1.0, 0.5};

static int read_row(const PGresult *r, int row, struct kb_entry *k)
{
    kb_entry_init(k);
    k->id = val_int(r, row, 0);
    k->entry_id = val_int(r, row, 1);
    k->version = (int)val_int(r, row, 2);
    int s = val_enum(r, row, 3, kb_status_names);
    k->status = s < 0 ? KB_DRAFT : s;
    k->question = val_dup(r, row, 4);
    k->answer = val_dup(r, row, 5);
    k->basis = val_dup(r, row, 6);
    k->unit_id = val_int(r, row, 7);
    k->valid_from = val_int(r, row, 8);
    k->valid_to = val_int(r, row, 9);
    k->author_id = val_int(r, row, 10);
    k->created_at = val_int(r, row, 11);
    k->updated_at = val_int(r, row, 12);
    k->submitted_at = val_int(r, row, 13);
    k->reviewer_id = val_int(r, row, 14);
    k->reviewed_at = val_int(r, row, 15);
    k->note = val_dup(r, row, 16);
    k->published_at = val_int(r, row, 17);
    k->ended_at = val_int(r, row, 18);
    k->uses = val_int(r, row, 19);
    k->reminded = (unsigned)val_int(r, row, 20);
    const char *cats = PQgetisnull(r, row, 21) ? "" : PQgetvalue(r, row, 21);
    for (const char *p = cats; *p && k->n_categories < KB_MAX_CATEGORIES;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        k->categories[k->n_categories++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (!k->question || !k->answer || !k->basis || !k->note) {
        kb_entry_release(k);
        return -JS_ENOMEM;
    }
    return 0;
}

/* The number of tokens of a token stream. */
static int count_tokens(const char *s)
{
    int n = 0;
    while (s && *s) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        n += len > 0;
        s += len;
    }
    return n;
}

/* Rewrites the categories and the text index of version k. */
static int write_side(struct pgs *p, const struct kb_entry *k)
{
    struct pp a = {.n = 0};
    p_int(&a, k->id);
    int rc = px(p, "DELETE FROM kb_categories WHERE kb_id = $1", &a, NULL, NULL);
    for (int i = 0; i < k->n_categories && !rc; i++) {
        a.n = 0;
        p_int(&a, k->categories[i]);
        p_int(&a, k->id);
        rc = px(p,
                "INSERT INTO kb_categories(category_id, kb_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                &a, NULL, NULL);
    }
    if (!rc) {
        a.n = 0;
        p_int(&a, k->id);
        rc = px(p, "DELETE FROM kb_search WHERE kb_id = $1", &a, NULL, NULL);
    }
    if (rc || k->status != KB_PUBLISHED)
        return rc;
    struct buf t[3], v[3];
    const char *text[3] = {k->question, k->answer, k->basis};
    for (int i = 0; i < 3; i++) {
        buf_init(&t[i], 0);
        buf_init(&v[i], 0);
        rc |= buf_append(&t[i], "", 0);
        if (!rc && text[i] && text[i][0])
            rc = searchtext_index(text[i], &t[i]);
        if (!rc)
            rc = tsvector_of(t[i].data, &v[i]);
    }
    if (!rc) {
        a.n = 0;
        p_int(&a, k->id);
        for (int i = 0; i < 3; i++)
            p_text(&a, v[i].data);
        p_int(&a, count_tokens(t[0].data) + count_tokens(t[1].data) + count_tokens(t[2].data));
        rc = px(p,
                "INSERT INTO kb_search(kb_id, q, a, b, len)"
                " VALUES ($1, $2::tsvector, $3::tsvector, $4::tsvector, $5)",
                &a, NULL, NULL);
    }
    for (int i = 0; i < 3; i++) {
        buf_release(&t[i]);
        buf_release(&v[i]);
    }
    return rc ? (rc < 0 ? rc : -JS_ENOMEM) : 0;
}

int pg_kb_put(struct store *s, struct kb_entry *k)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct opx x;
    int64_t changed = 0;
    if (k->status < 0 || k->status >= KB__COUNT || k->version < 1)
        return -JS_EINVAL;
    bool insert = k->id == 0;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_id(&a, k->entry_id);
    p_int(&a, k->version);
    p_text(&a, kb_status_names[k->status]);
    p_text(&a, k->question);
    p_text(&a, k->answer);
    p_text(&a, k->basis);
    p_int(&a, k->unit_id);
    p_int(&a, k->valid_from);
    p_int(&a, k->valid_to);
    p_id(&a, k->author_id);
    p_int(&a, k->created_at);
    p_int(&a, k->updated_at);
    p_int(&a, k->submitted_at);
    p_id(&a, k->reviewer_id);
    p_int(&a, k->reviewed_at);
    p_text(&a, k->note);
    p_int(&a, k->published_at);
    p_int(&a, k->ended_at);
    p_int(&a, k->uses);
    p_int(&a, (int64_t)k->reminded);
    if (insert) {
        rc = px(p,
                "INSERT INTO kb_entries(entry_id, version, status, question, answer, basis,"
                " unit_id, valid_from, valid_to, author_id, created_at, updated_at, submitted_at,"
                " reviewer_id, reviewed_at, note, published_at, ended_at, uses, reminded)"
                " VALUES (coalesce($1::bigint, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                " $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
                &a, &r, NULL);
        if (!rc)
            k->id = val_int(r, 0, 0);
        PQclear(r);
        if (!rc && !k->entry_id) {
            k->entry_id = k->id;
            a.n = 0;
            p_int(&a, k->id);
            rc = px(p, "UPDATE kb_entries SET entry_id = id WHERE id = $1", &a, NULL, NULL);
        }
    } else {
        p_int(&a, k->id);
        rc = px(p,
                "UPDATE kb_entries SET entry_id = $1, version = $2, status = $3, question = $4,"
                " answer = $5, basis = $6, unit_id = $7, valid_from = $8, valid_to = $9,"
                " author_id = $10, created_at = $11, updated_at = $12, submitted_at = $13,"
                " reviewer_id = $14, reviewed_at = $15, note = $16, published_at = $17,"
                " ended_at = $18, uses = $19, reminded = $20 WHERE id = $21",
                &a, NULL, &changed);
        if (!rc && changed == 0)
            rc = -JS_ENOTFOUND;
    }
    if (!rc)
        rc = write_side(p, k);
    return op_end(p, &x, rc);
}

int pg_kb_get(struct store *s, int64_t id, struct kb_entry *out)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    kb_entry_init(out);
    p_int(&a, id);
    int rc = px(pg_of(s), "SELECT " KB_COLS " FROM kb_entries e WHERE e.id = $1", &a, &r, NULL);
    if (rc)
        return rc;
    rc = PQntuples(r) == 1 ? read_row(r, 0, out) : -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

/* ---- text search and its ranking ------------------------------------------------------------ */

/* One phrase of the query, as FTS5 sees it: its tokens (space separated; owned by the query or
 * by the `any` list) and whether the last one is a prefix. */
struct phrase {
    const char *tokens;
    bool prefix;
};
#define MAX_PHRASES 64

/* The phrases of m: every alternative of every group, in order (sqlite_fts_render), or with any
 * the distinct tokens of them all, at most 64, single characters only when nothing longer
 * (sqlite_kb.c fts_any). Tokens of `any` are copied into store (NUL-separated). */
static int phrases_of(const struct st_query *m, bool any, struct buf *store, struct phrase *ph,
                      int *n)
{
    int rc = 0;
    *n = 0;
    if (!any) {
        for (int i = 0; i < m->n; i++)
            for (int k = 0; k < m->g[i].n && *n < MAX_PHRASES; k++)
                ph[(*n)++] = (struct phrase){m->g[i].alt[k].tokens ? m->g[i].alt[k].tokens : "",
                                             m->g[i].alt[k].prefix};
        return 0;
    }
    size_t offs[MAX_PHRASES] = {0};
    for (int pass = 0; pass < 2 && !rc && *n == 0; pass++)
        for (int i = 0; i < m->n && !rc; i++)
            for (int k = 0; k < m->g[i].n && !rc; k++) {
                const char *p = m->g[i].alt[k].tokens ? m->g[i].alt[k].tokens : "";
                while (*p && *n < MAX_PHRASES && !rc) {
                    size_t len = strcspn(p, " ");
                    bool single = len <= 3; /* one CJK character is 3 bytes */
                    if (len && (pass == 1 || !single)) {
                        size_t cut = len < 120 ? len : 120;
                        bool seen = false;
                        for (int j = 0; j < *n && !seen; j++)
                            seen = strlen(store->data + offs[j]) == cut &&
                                   memcmp(store->data + offs[j], p, cut) == 0;
                        if (!seen) {
                            offs[*n] = store->len;
                            rc = buf_append(store, p, cut) || buf_append(store, "", 1);
                            (*n)++;
                        }
                    }
                    p += len;
                    while (*p == ' ')
                        p++;
                }
            }
    for (int j = 0; j < *n && !rc; j++)
        ph[j] = (struct phrase){store->data + offs[j], false};
    return rc ? -JS_ENOMEM : 0;
}

/* The tsquery of one phrase ('a' <-> 'b', the last with :* for a prefix); "" when no token. */
static int phrase_tsquery(const struct phrase *ph, struct buf *out)
{
    int rc = buf_append(out, "", 0), toks = 0;
    const char *s = ph->tokens;
    while (*s && !rc) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n == 0)
            break;
        if (toks++)
            rc = buf_puts(out, " <-> ");
        if (!rc)
            rc = lexeme(out, s, n);
        s += n;
        while (*s == ' ')
            s++;
        if (!rc && !*s && ph->prefix)
            rc = buf_puts(out, ":*");
    }
    return rc ? -JS_ENOMEM : 0;
}

/* One column of a row's index: the lexeme at each position (NULL: none), from the tsvector's
 * text ("'a':1,3 'b':2"). */
struct column {
    char *text;      /* the unquoted lexemes, NUL-terminated */
    const char **at; /* at[pos], pos 1..max */
    int max;
};

static void column_release(struct column *c)
{
    free(c->text);
    free(c->at);
    memset(c, 0, sizeof *c);
}

static int column_parse(const char *tv, struct column *c)
{
    struct pos {
        const char *lex;
        int pos;
    } *v = NULL;
    int n = 0, cap = 0, rc = 0;
    memset(c, 0, sizeof *c);
    c->text = malloc(strlen(tv) + 1);
    if (!c->text)
        return -JS_ENOMEM;
    char *w = c->text;
    const char *s = tv;
    while (*s && !rc) {
        while (*s == ' ')
            s++;
        if (*s != '\'')
            break;
        s++;
        const char *lex = w;
        while (*s) {
            if (*s == '\'' && s[1] == '\'') {
                *w++ = '\'';
                s += 2;
            } else if (*s == '\'') {
                s++;
                break;
            } else if (*s == '\\' && s[1]) {
                *w++ = s[1];
                s += 2;
            } else {
                *w++ = *s++;
            }
        }
        *w++ = '\0';
        while (*s == ':' || *s == ',') {
            char *end;
            long pos = strtol(s + 1, &end, 10);
            if (end == s + 1)
                break;
            s = end;
            while (*s >= 'A' && *s <= 'D') /* a weight letter */
                s++;
            if (pos < 1 || pos > 16383)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                struct pos *nv = realloc(v, (size_t)cap * sizeof *nv);
                if (!nv) {
                    rc = -JS_ENOMEM;
                    break;
                }
                v = nv;
            }
            v[n++] = (struct pos){lex, (int)pos};
            if (pos > c->max)
                c->max = (int)pos;
        }
    }
    if (!rc) {
        c->at = calloc((size_t)c->max + 2, sizeof *c->at);
        if (!c->at)
            rc = -JS_ENOMEM;
    }
    for (int i = 0; i < n && !rc; i++)
        c->at[v[i].pos] = v[i].lex;
    free(v);
    return rc;
}

/* How many times phrase ph occurs in column c (overlapping occurrences count, as FTS5's
 * instances). */
static int phrase_hits(const struct phrase *ph, const struct column *c)
{
    int hits = 0;
    for (int pos = 1; pos <= c->max; pos++) {
        const char *s = ph->tokens;
        bool ok = true;
        int j = 0;
        while (ok) {
            while (*s == ' ')
                s++;
            size_t n = strcspn(s, " ");
            if (n == 0)
                break;
            const char *next = s + n;
            while (*next == ' ')
                next++;
            bool prefix = ph->prefix && !*next;
            const char *l = pos + j <= c->max ? c->at[pos + j] : NULL;
            ok = l && strncmp(l, s, n) == 0 && (prefix || l[n] == '\0');
            j++;
            s = next;
        }
        hits += ok && j > 0;
    }
    return hits;
}

struct ranked {
    int row;
    int64_t id;
    double rank;
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id; /* then newest first */
}

/* The bm25 rank (lower is better, as FTS5's) of every row of r (columns q, a, b at qcol..qcol+2,
 * the row's token count at qcol+3) for phrases ph, given the index's figures. */
static int rank_rows(struct pgs *p, const PGresult *r, int qcol, const struct phrase *ph, int nph,
                     struct ranked *out)
{
    /* the index's figures: rows, tokens, and the rows holding each phrase */
    struct buf sql, qs;
    struct pp a = {.n = 0};
    size_t offs[MAX_PHRASES] = {0};
    int idx[MAX_PHRASES];
    PGresult *st = NULL;
    double idf[MAX_PHRASES];
    buf_init(&sql, 0);
    buf_init(&qs, 0);
    int rc = buf_puts(&sql, "SELECT count(*), coalesce(sum(len), 0)");
    for (int i = 0; i < nph && !rc; i++) {
        size_t at = qs.len;
        idx[i] = -1;
        if ((rc = phrase_tsquery(&ph[i], &qs)))
            break;
        if (qs.len == at)
            continue; /* nothing searchable: in no row */
        rc = buf_append(&qs, "", 1);
        offs[a.n] = at;
        idx[i] = a.n;
        p_null(&a); /* filled below, once qs stops moving */
        rc = rc || buf_printf(&sql,
                              ", count(*) FILTER (WHERE q @@ $%d::tsquery OR a @@ $%d::tsquery"
                              " OR b @@ $%d::tsquery)",
                              a.n, a.n, a.n);
    }
    rc = rc ? -JS_ENOMEM : buf_puts(&sql, " FROM kb_search") ? -JS_ENOMEM : 0;
    for (int i = 0; i < a.n; i++)
        a.v[i] = qs.data + offs[i];
    if (!rc)
        rc = px(p, sql.data, &a, &st, NULL);
    buf_release(&sql);
    buf_release(&qs);
    if (rc)
        return rc;
    int64_t n_rows = val_int(st, 0, 0), n_tokens = val_int(st, 0, 1);
    double avgdl = n_rows ? (double)n_tokens / (double)n_rows : 1.0;
    for (int i = 0; i < nph; i++) {
        int64_t hit = idx[i] < 0 ? 0 : val_int(st, 0, 2 + idx[i]);
        idf[i] = log(((double)(n_rows - hit) + 0.5) / ((double)hit + 0.5));
        if (idf[i] <= 0.0)
            idf[i] = 1e-6;
    }
    PQclear(st);
    for (int row = 0; row < PQntuples(r) && !rc; row++) {
        struct column col[3];
        int parsed = 0;
        for (; parsed < 3 && !rc; parsed++)
            rc = column_parse(PQgetvalue(r, row, qcol + parsed), &col[parsed]);
        double score = 0.0, d = (double)val_int(r, row, qcol + 3);
        for (int i = 0; i < nph && !rc; i++) {
            double freq = 0.0;
            for (int c = 0; c < 3; c++)
                freq += col_weight[c] * phrase_hits(&ph[i], &col[c]);
            score += idf[i] * ((freq * (BM25_K1 + 1.0)) /
                               (freq + BM25_K1 * (1 - BM25_B + BM25_B * d / avgdl)));
        }
        for (int c = 0; c < parsed; c++)
            column_release(&col[c]);
        out[row] = (struct ranked){row, val_int(r, row, 0), -1.0 * score};
    }
    return rc;
}

/* Appends the conditions of q other than the text to sql, the parameters to a. */
static int filters(const struct kb_query *q, struct buf *sql, struct pp *a)
{
    int rc = 0;
    if (q->id) {
        p_int(a, q->id);
        rc |= buf_printf(sql, " AND e.id = $%d", a->n);
    }
    if (q->entry_id) {
        p_int(a, q->entry_id);
        rc |= buf_printf(sql, " AND e.entry_id = $%d", a->n);
    }
    if (q->unit_id) {
        p_int(a, q->unit_id);
        rc |= buf_printf(sql, " AND e.unit_id = $%d", a->n);
    }
    if (q->category_id) {
        p_int(a, q->category_id);
        rc |= buf_printf(sql,
                         " AND e.id IN (SELECT kb_id FROM kb_categories WHERE category_id IN"
                         " (WITH RECURSIVE t(id) AS (SELECT $%d::bigint UNION"
                         " SELECT c.id FROM categories c JOIN t ON c.parent_id = t.id)"
                         " SELECT id FROM t))",
                         a->n);
    }
    if (q->in_force_at) {
        char n[16];
        p_int(a, q->in_force_at);
        snprintf(n, sizeof n, "%d", a->n);
        rc |= buf_printf(sql,
                         " AND (e.published_at > 0 AND e.published_at <= $%s AND (e.ended_at = 0"
                         " OR e.ended_at > $%s) AND e.valid_from <= $%s AND (e.valid_to = 0"
                         " OR e.valid_to > $%s))",
                         n, n, n, n);
    }
    if (q->expires_before) {
        p_int(a, q->expires_before);
        rc |= buf_printf(sql, " AND (e.valid_to > 0 AND e.valid_to < $%d)", a->n);
    }
    if (q->statuses) {
        rc |= buf_puts(sql, " AND e.status IN (");
        int n = 0;
        for (int i = 0; i < KB__COUNT; i++)
            if (q->statuses & KB_BIT(i))
                rc |= buf_printf(sql, "%s'%s'", n++ ? ", " : "", kb_status_names[i]);
        rc |= buf_puts(sql, n ? ")" : "NULL)");
    }
    if (q->latest)
        rc |= buf_puts(sql, " AND e.version = (SELECT max(x.version) FROM kb_entries x"
                            " WHERE x.entry_id = e.entry_id)");
    return rc ? -JS_ENOMEM : 0;
}

/* The text condition on kb_search s: every group in one of the columns, or with any, any of the
 * phrases (single tokens) anywhere. *empty: nothing searchable. */
static int match_cond(const struct kb_query *q, const struct phrase *ph, int nph, struct buf *qs,
                      size_t *offs, int *nq, struct buf *sql, bool *empty)
{
    int rc = 0;
    *nq = 0;
    if (q->any) {
        size_t at = qs->len;
        int toks = 0;
        rc = buf_append(qs, "", 0);
        for (int i = 0; i < nph && !rc; i++) {
            if (!ph[i].tokens[0])
                continue;
            rc = (toks++ && buf_puts(qs, " | ")) || lexeme(qs, ph[i].tokens, strlen(ph[i].tokens));
        }
        if (!rc && toks) {
            rc = buf_append(qs, "", 1);
            offs[(*nq)++] = at;
        }
    } else {
        for (int i = 0; i < q->match->n && i < ST_MAX_GROUPS && !rc; i++) {
            size_t at = qs->len;
            if ((rc = tsquery_group(&q->match->g[i], qs)))
                break;
            if (qs->len == at)
                continue;
            rc = buf_append(qs, "", 1);
            offs[(*nq)++] = at;
        }
    }
    *empty = *nq == 0;
    for (int k = 0; k < *nq && !rc; k++)
        rc = buf_printf(sql,
                        " AND (s.q @@ $%%%d::tsquery OR s.a @@ $%%%d::tsquery"
                        " OR s.b @@ $%%%d::tsquery)",
                        k + 1, k + 1, k + 1);
    return rc ? -JS_ENOMEM : 0;
}

/* sql with the "$%k" placeholders of match_cond numbered from first. */
static int renumber(const char *in, int first, struct buf *out)
{
    int rc = buf_append(out, "", 0);
    for (const char *s = in; *s && !rc; s++) {
        if (s[0] == '$' && s[1] == '%') {
            char *end;
            long k = strtol(s + 2, &end, 10);
            rc = buf_printf(out, "$%ld", first + k - 1);
            s = end - 1;
        } else {
            rc = buf_append(out, s, 1);
        }
    }
    return rc ? -JS_ENOMEM : 0;
}

static int list_text(struct pgs *p, const struct kb_query *q, struct kb_list *out, bool *more)
{
    struct buf store, qs, cond, num, sql;
    struct phrase ph[MAX_PHRASES];
    size_t offs[ST_MAX_GROUPS];
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct ranked *rk = NULL;
    int nph = 0, nq = 0;
    bool empty = true;
    buf_init(&store, 0);
    buf_init(&qs, 0);
    buf_init(&cond, 0);
    buf_init(&num, 0);
    buf_init(&sql, 0);
    int rc = phrases_of(q->match, q->any, &store, ph, &nph);
    if (!rc)
        rc = buf_append(&cond, "", 0) ? -JS_ENOMEM : 0;
    if (!rc)
        rc = match_cond(q, ph, nph, &qs, offs, &nq, &cond, &empty);
    if (rc || empty)
        goto out; /* nothing searchable: no hits */
    for (int k = 0; k < nq; k++)
        p_text(&a, qs.data + offs[k]);
    rc = renumber(cond.data, 1, &num);
    if (!rc)
        rc = buf_printf(&sql,
                        "SELECT " KB_COLS ", s.q::text, s.a::text, s.b::text, s.len"
                        " FROM kb_entries e JOIN kb_search s ON s.kb_id = e.id WHERE TRUE%s",
                        num.data)
                 ? -JS_ENOMEM
                 : 0;
    if (!rc)
        rc = filters(q, &sql, &a);
    if (!rc)
        rc = px(p, sql.data, &a, &r, NULL);
    if (rc)
        goto out;
    int rows = PQntuples(r);
    if (rows == 0)
        goto out;
    rk = malloc((size_t)rows * sizeof *rk);
    if (!rk) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = rank_rows(p, r, KB_NCOLS, ph, nph, rk)))
        goto out;
    qsort(rk, (size_t)rows, sizeof *rk, ranked_cmp);
    for (int i = q->offset; i < rows && !rc; i++) {
        if (i == q->offset + q->limit) {
            *more = true;
            break;
        }
        struct kb_entry k;
        rc = read_row(r, rk[i].row, &k);
        if (!rc && (rc = kb_list_take(out, &k)))
            kb_entry_release(&k);
    }
out:
    PQclear(r);
    free(rk);
    buf_release(&store);
    buf_release(&qs);
    buf_release(&cond);
    buf_release(&num);
    buf_release(&sql);
    return rc;
}

int pg_kb_list(struct store *s, const struct kb_query *q, struct kb_list *out, bool *more)
{
    struct pgs *p = pg_of(s);
    struct buf sql;
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *more = false;
    if (q->limit < 1 || q->limit > 500 || q->offset < 0)
        return -JS_EINVAL;
    if (q->match && q->match->n > 0)
        return list_text(p, q, out, more);
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT " KB_COLS " FROM kb_entries e WHERE TRUE") ? -JS_ENOMEM : 0;
    if (!rc)
        rc = filters(q, &sql, &a);
    p_int(&a, q->limit + 1);
    p_int(&a, q->offset);
    if (!rc && buf_printf(&sql, " ORDER BY e.entry_id DESC, e.version DESC LIMIT $%d OFFSET $%d",
                          a.n - 1, a.n))
        rc = -JS_ENOMEM;
    if (!rc)
        rc = px(p, sql.data, &a, &r, NULL);
    buf_release(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        if (i == q->limit) {
            *more = true;
            break;
        }
        struct kb_entry k;
        rc = read_row(r, i, &k);
        if (!rc && (rc = kb_list_take(out, &k)))
            kb_entry_release(&k);
    }
    PQclear(r);
    return rc;
}

int pg_kb_use(struct store *s, int64_t id, int64_t order_id, int64_t at)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    struct opx x;
    int64_t changed = 0;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_int(&a, id);
    p_int(&a, order_id);
    p_int(&a, at);
    rc = px(p, "INSERT INTO kb_uses(kb_id, order_id, at) VALUES ($1, $2, $3)", &a, NULL, NULL);
    if (!rc) {
        a.n = 0;
        p_int(&a, id);
        rc = px(p, "UPDATE kb_entries SET uses = uses + 1 WHERE id = $1", &a, NULL, &changed);
    }
    if (!rc && changed == 0)
        rc = -JS_ENOTFOUND;
    return op_end(p, &x, rc);
}

int pg_kb_stats(struct store *s, int64_t from, int64_t to, int64_t cutoff, store_kb_stats_cb cb,
                void *ctx)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    /* $1 the instant the figures stand at (just before the cut-off), $2 from, $3 to */
    p_int(&a, cutoff - 1);
    p_int(&a, from);
    p_int(&a, to);
    int rc =
        px(pg_of(s),
           "SELECT u.unit_id,"
           " (SELECT count(*) FROM kb_entries e WHERE e.unit_id = u.unit_id AND " KB_IN_FORCE(
               "1") "),"
                    " (SELECT count(*) FROM (SELECT e.entry_id FROM kb_entries e"
                    "   WHERE e.unit_id = u.unit_id AND e.published_at > 0 AND e.published_at <= $1"
                    "   GROUP BY e.entry_id HAVING count(*) FILTER (WHERE " KB_IN_FORCE(
                        "1") ") = 0"
                             "   AND coalesce((SELECT x.status FROM kb_entries x WHERE x.entry_id "
                             "= e.entry_id"
                             "    AND x.published_at > 0 AND x.ended_at > 0 AND x.ended_at <= $1"
                             "    ORDER BY x.ended_at DESC, x.version DESC LIMIT 1), '') != "
                             "'withdrawn') z),"
                             " (SELECT count(*) FROM kb_uses k JOIN kb_entries e ON e.id = k.kb_id"
                             "   WHERE e.unit_id = u.unit_id AND k.at >= $2 AND k.at < $3)"
                             " FROM (SELECT DISTINCT unit_id FROM kb_entries) u ORDER BY u.unit_id",
           &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        struct kb_unit_stats u = {
            .unit_id = val_int(r, i, 0),
            .published = val_int(r, i, 1),
            .stale = val_int(r, i, 2),
            .uses = val_int(r, i, 3),
        };
        rc = cb(ctx, &u);
    }
    PQclear(r);
    return rc;
}

/* Rebuilds the text index of every published version (load_finish, after a copy). */
int pg_kb_reindex(struct store *s)
{
    PGresult *r = NULL;
    int rc = px(pg_of(s), "SELECT id FROM kb_entries WHERE status = 'published' ORDER BY id", NULL,
                &r, NULL);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        struct kb_entry k;
        if ((rc = pg_kb_get(s, val_int(r, i, 0), &k)))
            break;
        rc = write_side(pg_of(s), &k);
        kb_entry_release(&k);
    }
    PQclear(r);
    return rc;
}

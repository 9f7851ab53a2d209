/* The SQLite side of the knowledge base (issue 11, migration 10): versions of entries with their
 * categories, the FTS5 index of the published versions (the tokens of text/searchtext.h, as
 * order search), the citations of direct answers and the per-unit figures of the kb indicators.
 * Works on the connection of a struct store handle, inside its transactions. */
#include "compat.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kb.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "text/searchtext.h"
#include "util/buf.h"

#define KB_COLS                                                                                    \
    "e.id, e.entry_id, e.version, e.status, e.question, e.answer, e.basis, e.unit_id,"             \
    " e.valid_from, e.valid_to, e.author_id, e.created_at, e.updated_at, e.submitted_at,"          \
    " e.reviewer_id, e.reviewed_at, e.note, e.published_at, e.ended_at, e.uses, e.reminded,"       \
    " (SELECT group_concat(category_id) FROM kb_categories c WHERE c.kb_id = e.id)"

/* In force at the instant bound to ?N: published by then, not ended, within its dates. */
#define KB_IN_FORCE(N)                                                                             \
    "(e.published_at > 0 AND e.published_at <= ?" N " AND (e.ended_at = 0 OR e.ended_at > ?" N     \
    ") AND e.valid_from <= ?" N " AND (e.valid_to = 0 OR e.valid_to > ?" N "))"

static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

static int read_row(sqlite3_stmt *st, struct kb_entry *k)
{
    kb_entry_init(k);
    k->id = sqlite3_column_int64(st, 0);
    k->entry_id = sqlite3_column_int64(st, 1);
    k->version = sqlite3_column_int(st, 2);
    int s = js_name_index(kb_status_names, (const char *)sqlite3_column_text(st, 3));
    k->status = s < 0 ? KB_DRAFT : s;
    k->question = col_dup(st, 4);
    k->answer = col_dup(st, 5);
    k->basis = col_dup(st, 6);
    k->unit_id = sqlite3_column_int64(st, 7);
    k->valid_from = sqlite3_column_int64(st, 8);
    k->valid_to = sqlite3_column_int64(st, 9);
    k->author_id = sqlite3_column_int64(st, 10);
    k->created_at = sqlite3_column_int64(st, 11);
    k->updated_at = sqlite3_column_int64(st, 12);
    k->submitted_at = sqlite3_column_int64(st, 13);
    k->reviewer_id = sqlite3_column_int64(st, 14);
    k->reviewed_at = sqlite3_column_int64(st, 15);
    k->note = col_dup(st, 16);
    k->published_at = sqlite3_column_int64(st, 17);
    k->ended_at = sqlite3_column_int64(st, 18);
    k->uses = sqlite3_column_int64(st, 19);
    k->reminded = (unsigned)sqlite3_column_int(st, 20);
    const char *cats = (const char *)sqlite3_column_text(st, 21);
    for (const char *p = cats; p && *p && k->n_categories < KB_MAX_CATEGORIES;) {
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

/* Rewrites the categories and the text index of version k. */
static int write_side(sqlite3 *db, const struct kb_entry *k)
{
    sqlite3_stmt *st;
    int rc = sqlite_prepare(db, "DELETE FROM kb_categories WHERE kb_id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, k->id);
    if ((rc = sqlite_run(db, st)))
        return rc;
    for (int i = 0; i < k->n_categories && !rc; i++) {
        if ((rc = sqlite_prepare(
                 db, "INSERT OR IGNORE INTO kb_categories(category_id, kb_id) VALUES (?1, ?2)",
                 &st)))
            return rc;
        sqlite3_bind_int64(st, 1, k->categories[i]);
        sqlite3_bind_int64(st, 2, k->id);
        rc = sqlite_run(db, st);
    }
    if (rc || (rc = sqlite_prepare(db, "DELETE FROM kb_search WHERE rowid = ?1", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, k->id);
    if ((rc = sqlite_run(db, st)) || k->status != KB_PUBLISHED)
        return rc;
    struct buf q, a, b;
    buf_init(&q, 0);
    buf_init(&a, 0);
    buf_init(&b, 0);
    rc = buf_append(&q, "", 0) | buf_append(&a, "", 0) | buf_append(&b, "", 0);
    if (!rc && k->question[0])
        rc = searchtext_index(k->question, &q);
    if (!rc && k->answer[0])
        rc = searchtext_index(k->answer, &a);
    if (!rc && k->basis[0])
        rc = searchtext_index(k->basis, &b);
    if (!rc)
        rc = sqlite_prepare(db, "INSERT INTO kb_search(rowid, q, a, b) VALUES (?1, ?2, ?3, ?4)",
                            &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, k->id);
        sqlite_bind_text(st, 2, q.data);
        sqlite_bind_text(st, 3, a.data);
        sqlite_bind_text(st, 4, b.data);
        rc = sqlite_run(db, st);
    }
    buf_release(&q);
    buf_release(&a);
    buf_release(&b);
    return rc;
}

int sqlite_kb_put(struct store *s, struct kb_entry *k)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db || k->status < 0 || k->status >= KB__COUNT || k->version < 1)
        return -JS_EINVAL;
    bool insert = k->id == 0;
    int rc = sqlite_prepare(
        db,
        insert
            ? "INSERT INTO kb_entries(entry_id, version, status, question, answer, basis, unit_id,"
              " valid_from, valid_to, author_id, created_at, updated_at, submitted_at,"
              " reviewer_id, reviewed_at, note, published_at, ended_at, uses, reminded)"
              " VALUES (coalesce(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
              " ?15, ?16, ?17, ?18, ?19, ?20)"
            : "UPDATE kb_entries SET entry_id = ?1, version = ?2, status = ?3, question = ?4,"
              " answer = ?5, basis = ?6, unit_id = ?7, valid_from = ?8, valid_to = ?9,"
              " author_id = ?10, created_at = ?11, updated_at = ?12, submitted_at = ?13,"
              " reviewer_id = ?14, reviewed_at = ?15, note = ?16, published_at = ?17,"
              " ended_at = ?18, uses = ?19, reminded = ?20 WHERE id = ?21",
        &st);
    if (rc)
        return rc;
    bind_id(st, 1, k->entry_id);
    sqlite3_bind_int(st, 2, k->version);
    sqlite_bind_text(st, 3, kb_status_names[k->status]);
    sqlite_bind_text(st, 4, k->question);
    sqlite_bind_text(st, 5, k->answer);
    sqlite_bind_text(st, 6, k->basis);
    sqlite3_bind_int64(st, 7, k->unit_id);
    sqlite3_bind_int64(st, 8, k->valid_from);
    sqlite3_bind_int64(st, 9, k->valid_to);
    bind_id(st, 10, k->author_id);
    sqlite3_bind_int64(st, 11, k->created_at);
    sqlite3_bind_int64(st, 12, k->updated_at);
    sqlite3_bind_int64(st, 13, k->submitted_at);
    bind_id(st, 14, k->reviewer_id);
    sqlite3_bind_int64(st, 15, k->reviewed_at);
    sqlite_bind_text(st, 16, k->note);
    sqlite3_bind_int64(st, 17, k->published_at);
    sqlite3_bind_int64(st, 18, k->ended_at);
    sqlite3_bind_int64(st, 19, k->uses);
    sqlite3_bind_int(st, 20, (int)k->reminded);
    if (!insert)
        sqlite3_bind_int64(st, 21, k->id);
    if ((rc = sqlite_run(db, st)))
        return rc;
    if (!insert && sqlite3_changes(db) == 0)
        return -JS_ENOTFOUND;
    if (insert) {
        k->id = sqlite3_last_insert_rowid(db);
        if (!k->entry_id) {
            k->entry_id = k->id;
            if ((rc = sqlite_prepare(db, "UPDATE kb_entries SET entry_id = id WHERE id = ?1", &st)))
                return rc;
            sqlite3_bind_int64(st, 1, k->id);
            if ((rc = sqlite_run(db, st)))
                return rc;
        }
    }
    return write_side(db, k);
}

int sqlite_kb_get(struct store *s, int64_t id, struct kb_entry *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    kb_entry_init(out);
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "SELECT " KB_COLS " FROM kb_entries e WHERE e.id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = read_row(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

/* The FTS5 expression matching any token of any alternative of m (distinct, at most 64; tokens
 * of one character only when there is nothing longer). */
static int fts_any(const struct st_query *m, struct buf *out)
{
    int rc = 0, n = 0;
    for (int pass = 0; pass < 2 && !rc && n == 0; pass++)
        for (int i = 0; i < m->n && !rc; i++)
            for (int a = 0; a < m->g[i].n && !rc; a++) {
                const char *p = m->g[i].alt[a].tokens ? m->g[i].alt[a].tokens : "";
                while (*p && n < 64 && !rc) {
                    size_t len = strcspn(p, " ");
                    /* one CJK character is 3 bytes; skip those on the first pass */
                    bool single = len <= 3;
                    if (len && (pass == 1 || !single)) {
                        char tok[128];
                        snprintf(tok, sizeof tok, "\"%.*s\"", (int)(len < 120 ? len : 120), p);
                        if (!out->data || !strstr(out->data, tok)) {
                            rc = buf_printf(out, "%s%s", n ? " OR " : "", tok);
                            n++;
                        }
                    }
                    p += len;
                    while (*p == ' ')
                        p++;
                }
            }
    return rc ? -JS_ENOMEM : 0;
}

int sqlite_kb_list(struct store *s, const struct kb_query *q, struct kb_list *out, bool *more)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    struct buf sql, expr;
    buf_init(&sql, 0);
    buf_init(&expr, 0);
    *more = false;
    if (!db || q->limit < 1 || q->limit > 500 || q->offset < 0)
        return -JS_EINVAL;
    bool text = q->match && q->match->n > 0;
    int rc = 0;
    if (text)
        rc = q->any ? fts_any(q->match, &expr) : sqlite_fts_render(q->match, &expr);
    if (rc)
        goto out;
    if (text && (!expr.data || !expr.data[0]))
        goto out; /* nothing searchable: no hits */
    /* ?1 match, ?2 id, ?3 entry, ?4 unit, ?5 category, ?6 in force at, ?7 expires before,
     * ?8 limit, ?9 offset */
    rc |= buf_puts(&sql, "SELECT " KB_COLS " FROM kb_entries e");
    if (text)
        rc |= buf_puts(&sql, " JOIN (SELECT rowid AS rid, bm25(kb_search, 4.0, 1.0, 0.5) AS rank"
                             " FROM kb_search WHERE kb_search MATCH ?1) m ON m.rid = e.id");
    rc |= buf_puts(&sql, " WHERE (?2 = 0 OR e.id = ?2) AND (?3 = 0 OR e.entry_id = ?3)"
                         " AND (?4 = 0 OR e.unit_id = ?4)"
                         " AND (?5 = 0 OR e.id IN (SELECT kb_id FROM kb_categories WHERE"
                         " category_id IN (WITH RECURSIVE t(id) AS (SELECT ?5 UNION"
                         " SELECT c.id FROM categories c JOIN t ON c.parent_id = t.id)"
                         " SELECT id FROM t)))"
                         " AND (?6 = 0 OR " KB_IN_FORCE(
                             "6") ")"
                                  " AND (?7 = 0 OR (e.valid_to > 0 AND e.valid_to < ?7))");
    if (q->statuses) {
        rc |= buf_puts(&sql, " AND e.status IN (");
        int n = 0;
        for (int i = 0; i < KB__COUNT; i++)
            if (q->statuses & KB_BIT(i))
                rc |= buf_printf(&sql, "%s'%s'", n++ ? ", " : "", kb_status_names[i]);
        rc |= buf_puts(&sql, ")");
    }
    if (q->latest)
        rc |= buf_puts(&sql, " AND e.version = (SELECT max(x.version) FROM kb_entries x"
                             " WHERE x.entry_id = e.entry_id)");
    rc |= buf_puts(&sql, text ? " ORDER BY m.rank, e.id DESC"
                              : " ORDER BY e.entry_id DESC, e.version DESC");
    rc |= buf_puts(&sql, " LIMIT ?8 OFFSET ?9");
    if (rc) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = sqlite_prepare(db, sql.data, &st)))
        goto out;
    if (text)
        sqlite_bind_text(st, 1, expr.data);
    sqlite3_bind_int64(st, 2, q->id);
    sqlite3_bind_int64(st, 3, q->entry_id);
    sqlite3_bind_int64(st, 4, q->unit_id);
    sqlite3_bind_int64(st, 5, q->category_id);
    sqlite3_bind_int64(st, 6, q->in_force_at);
    sqlite3_bind_int64(st, 7, q->expires_before);
    sqlite3_bind_int(st, 8, q->limit + 1);
    sqlite3_bind_int(st, 9, q->offset);
    int step = SQLITE_DONE, n = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == q->limit) {
            *more = true;
            break;
        }
        struct kb_entry k;
        rc = read_row(st, &k);
        if (!rc && (rc = kb_list_take(out, &k)))
            kb_entry_release(&k);
    }
    if (!rc && !*more && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
out:
    buf_release(&sql);
    buf_release(&expr);
    return rc;
}

int sqlite_kb_use(struct store *s, int64_t id, int64_t order_id, int64_t at)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db, "INSERT INTO kb_uses(kb_id, order_id, at) VALUES (?1, ?2, ?3)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, order_id);
    sqlite3_bind_int64(st, 3, at);
    if ((rc = sqlite_run(db, st)) ||
        (rc = sqlite_prepare(db, "UPDATE kb_entries SET uses = uses + 1 WHERE id = ?1", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = sqlite_run(db, st)))
        return rc;
    return sqlite3_changes(db) ? 0 : -JS_ENOTFOUND;
}

int sqlite_kb_stats(struct store *s, int64_t from, int64_t to, int64_t cutoff,
                    int (*cb)(void *ctx, const struct kb_unit_stats *st), void *ctx)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    /* ?1 the instant the figures stand at (just before the cut-off), ?2 from, ?3 to */
    int rc = sqlite_prepare(
        db,
        "SELECT u.unit_id,"
        " (SELECT count(*) FROM kb_entries e WHERE e.unit_id = u.unit_id AND " KB_IN_FORCE(
            "1") "),"
                 " (SELECT count(*) FROM (SELECT e.entry_id FROM kb_entries e"
                 "   WHERE e.unit_id = u.unit_id AND e.published_at > 0 AND e.published_at <= ?1"
                 "   GROUP BY e.entry_id HAVING sum(" KB_IN_FORCE(
                     "1") ") = 0"
                          "   AND coalesce((SELECT x.status FROM kb_entries x WHERE x.entry_id = "
                          "e.entry_id"
                          "    AND x.published_at > 0 AND x.ended_at > 0 AND x.ended_at <= ?1"
                          "    ORDER BY x.ended_at DESC, x.version DESC LIMIT 1), '') != "
                          "'withdrawn')),"
                          " (SELECT count(*) FROM kb_uses k JOIN kb_entries e ON e.id = k.kb_id"
                          "   WHERE e.unit_id = u.unit_id AND k.at >= ?2 AND k.at < ?3)"
                          " FROM (SELECT DISTINCT unit_id FROM kb_entries) u ORDER BY u.unit_id",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, cutoff - 1);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kb_unit_stats u = {
            .unit_id = sqlite3_column_int64(st, 0),
            .published = sqlite3_column_int64(st, 1),
            .stale = sqlite3_column_int64(st, 2),
            .uses = sqlite3_column_int64(st, 3),
        };
        rc = cb(ctx, &u);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

/* Rebuilds the text index of every published version (load_finish, after a copy). */
int sqlite_kb_reindex(struct store *s)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    int64_t after = 0;
    int rc = 0;
    if (!db)
        return -JS_EINVAL;
    while (!rc) {
        if ((rc = sqlite_prepare(db,
                                 "SELECT id FROM kb_entries WHERE status = 'published' AND id > ?1"
                                 " ORDER BY id LIMIT 1",
                                 &st)))
            break;
        sqlite3_bind_int64(st, 1, after);
        int step = sqlite3_step(st);
        int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = sqlite_fail(db, step);
        sqlite3_finalize(st);
        if (rc || id == 0)
            break;
        struct kb_entry k;
        if ((rc = sqlite_kb_get(s, id, &k)))
            break;
        rc = write_side(db, &k);
        kb_entry_release(&k);
        after = id;
    }
    return rc;
}

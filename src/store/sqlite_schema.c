/* The SQLite schema as an ordered list of migrations. Add a step at the end for any change;
 * never edit a step that has been released, since databases record which steps they ran. */
#include "compat.h"
#include "store/sqlite_schema.h"
#include "store/rows.h"
#include "store/sqlite_assess.h"
#include "store/sqlite_report.h"
#include "store/stats_sql.h"

/* Organisation: regions and categories are trees by parent_id (NULL at the root). Enum values
 * are kept as their wire names so that the tables read well and survive reordered enums. Text
 * columns that must be unique hold NULL instead of "" so that blank values never collide. */
static const char organisation_sql[] =
    "CREATE TABLE regions ("
    " id INTEGER PRIMARY KEY,"
    " parent_id INTEGER REFERENCES regions(id),"
    " level TEXT NOT NULL,"
    " code TEXT NOT NULL DEFAULT '',"
    " name TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX regions_parent ON regions(parent_id);"
    "CREATE INDEX regions_code ON regions(code);"

    "CREATE TABLE categories ("
    " id INTEGER PRIMARY KEY,"
    " parent_id INTEGER REFERENCES categories(id),"
    " level INTEGER NOT NULL,"
    " code TEXT UNIQUE,"
    " name TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX categories_parent ON categories(parent_id);"

    "CREATE TABLE units ("
    " id INTEGER PRIMARY KEY,"
    " code TEXT UNIQUE,"
    " name TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " region_id INTEGER REFERENCES regions(id),"
    " active INTEGER NOT NULL,"
    " leader_name TEXT NOT NULL, leader_phone TEXT NOT NULL, leader_email TEXT NOT NULL,"
    " section_name TEXT NOT NULL, section_phone TEXT NOT NULL, section_email TEXT NOT NULL,"
    " operator_name TEXT NOT NULL, operator_phone TEXT NOT NULL, operator_email TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " login TEXT UNIQUE,"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " unit_id INTEGER REFERENCES units(id),"
    " phone TEXT NOT NULL,"
    " pwhash TEXT NOT NULL,"
    " active INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX users_unit ON users(unit_id);"

    /* region_id NULL: any region */
    "CREATE TABLE catalogue ("
    " id INTEGER PRIMARY KEY,"
    " category_id INTEGER NOT NULL REFERENCES categories(id),"
    " region_id INTEGER REFERENCES regions(id),"
    " unit_id INTEGER NOT NULL REFERENCES units(id),"
    " basis TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX catalogue_category ON catalogue(category_id, region_id);"
    "CREATE INDEX catalogue_unit ON catalogue(unit_id);";

/* Orders: one column per key of order_to_json (enums and times as INTEGER, units as a JSON
 * array). No foreign keys: an order keeps its history even if the organisation changes. */
static const char orders_sql[] =
    "CREATE TABLE orders ("
    " id INTEGER PRIMARY KEY,"
    " number TEXT UNIQUE,"
    " version INTEGER NOT NULL,"
    " status INTEGER NOT NULL,"
    " channel TEXT NOT NULL,"
    " upstream_id TEXT NOT NULL,"
    " upstream_deadline INTEGER NOT NULL,"
    " verified INTEGER NOT NULL,"
    " citizen_name TEXT NOT NULL,"
    " citizen_phone TEXT NOT NULL,"
    " anonymous INTEGER NOT NULL,"
    " wants_callback INTEGER NOT NULL,"
    " needs_contact INTEGER NOT NULL,"
    " type INTEGER NOT NULL,"
    " level INTEGER NOT NULL,"
    " tier INTEGER NOT NULL,"
    " category_id INTEGER NOT NULL,"
    " region_id INTEGER NOT NULL,"
    " title TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " has_coords INTEGER NOT NULL,"
    " lat REAL NOT NULL,"
    " lon REAL NOT NULL,"
    " enterprise INTEGER NOT NULL,"
    " attachments TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " filed_at INTEGER NOT NULL,"
    " dispatched_at INTEGER NOT NULL,"
    " replied_at INTEGER NOT NULL,"
    " closed_at INTEGER NOT NULL,"
    " archived_at INTEGER NOT NULL,"
    " units TEXT NOT NULL,"
    " master_id INTEGER NOT NULL,"
    " parent_id INTEGER NOT NULL,"
    " duplicate_of INTEGER NOT NULL,"
    " not_filed_reason INTEGER NOT NULL,"
    " transfer_to TEXT NOT NULL,"
    " deadline INTEGER NOT NULL,"
    " sign_deadline INTEGER NOT NULL,"
    " contacted INTEGER NOT NULL,"
    " sign_approved INTEGER NOT NULL,"
    " ext_pending INTEGER NOT NULL,"
    " ext_requested_until INTEGER NOT NULL,"
    " hang INTEGER NOT NULL,"
    " closure INTEGER NOT NULL,"
    " reply_text TEXT NOT NULL,"
    " cb_tries INTEGER NOT NULL,"
    " cb_contacted INTEGER NOT NULL,"
    " cb_solved INTEGER NOT NULL,"
    " cb_satisfaction INTEGER NOT NULL,"
    " cb_unreachable INTEGER NOT NULL,"
    " returns INTEGER NOT NULL,"
    " reworks INTEGER NOT NULL,"
    " reopens INTEGER NOT NULL,"
    " reopens_district INTEGER NOT NULL,"
    " reopens_upstream INTEGER NOT NULL,"
    " urges INTEGER NOT NULL,"
    " supervisions INTEGER NOT NULL,"
    " supervisions_open INTEGER NOT NULL,"
    " extensions INTEGER NOT NULL,"
    " close_kind INTEGER NOT NULL"
    ") STRICT;"
    /* Filters. An index on one column also orders by id (the rowid) within equal values, which
     * is what keyset paging by (key, id) needs. */
    "CREATE INDEX orders_status ON orders(status);"
    "CREATE INDEX orders_created ON orders(created_at);"
    "CREATE INDEX orders_updated ON orders(updated_at);"
    "CREATE INDEX orders_deadline ON orders(deadline);"
    "CREATE INDEX orders_deadline_key ON orders(" JS_SQL_DEADLINE_KEY ");"
    "CREATE INDEX orders_category ON orders(category_id);"
    "CREATE INDEX orders_region ON orders(region_id);"
    "CREATE INDEX orders_channel ON orders(channel);"
    "CREATE INDEX orders_master ON orders(master_id) WHERE master_id != 0;"
    "CREATE INDEX orders_parent ON orders(parent_id) WHERE parent_id != 0;"

    /* Every unit that holds or held an order, for the unit filter. */
    "CREATE TABLE order_units ("
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " unit_id INTEGER NOT NULL,"
    " role INTEGER NOT NULL,"
    " active INTEGER NOT NULL,"
    " PRIMARY KEY (order_id, unit_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX order_units_unit ON order_units(unit_id, order_id);"

    /* Words of title, text and address as cut by the segmenter (simplified, space separated),
     * rowid = order id. The words are stored (not contentless) so that a row can be deleted by
     * rowid even if the dictionary changed since it was indexed. */
    "CREATE VIRTUAL TABLE orders_fts USING fts5(words);"

    /* The append-only timeline. Enum values as their wire names. */
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " version INTEGER NOT NULL,"
    " at INTEGER NOT NULL,"
    " actor_user INTEGER,"
    " actor_role TEXT,"
    " actor_unit INTEGER,"
    " actor_name TEXT,"
    " action TEXT NOT NULL,"
    " status_before TEXT,"
    " status_after TEXT,"
    " payload TEXT NOT NULL,"
    " UNIQUE (order_id, version)"
    ") STRICT;"
    "CREATE INDEX events_at ON events(at);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;";

/* Settings, counters, sessions, the audit trail and stored idempotent responses. */
static const char service_sql[] =
    "CREATE TABLE settings ("
    " key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL CHECK (json_valid(value))"
    ") STRICT;"

    "CREATE TABLE seqs ("
    " key TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE sessions ("
    " token_hash TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " expires_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expires ON sessions(expires_at);"

    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " user_id INTEGER,"
    " order_id INTEGER,"
    " action TEXT NOT NULL,"
    " detail TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX audit_order ON audit(order_id) WHERE order_id IS NOT NULL;"
    "CREATE INDEX audit_user ON audit(user_id) WHERE user_id IS NOT NULL;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"

    "CREATE TABLE idempotency ("
    " user_id INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " req_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " body TEXT NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, key)"
    ") STRICT;"
    "CREATE INDEX idempotency_at ON idempotency(at);";

/* order.hang_since: when the approved hanging account began. */
static const char hang_since_sql[] =
    "ALTER TABLE orders ADD COLUMN hang_since INTEGER NOT NULL DEFAULT 0;";

/* The timers issue: the notifications outbox (one row per message, kept in the transaction of
 * the event that causes it; state pending → sent | failed), and indexes for the scheduler's
 * and the API's lookups: duplicates of an order, events by action (warnings, special reports). */
static const char timers_sql[] =
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " order_number TEXT NOT NULL,"
    " event_id INTEGER REFERENCES events(id),"
    " unit_id INTEGER,"
    " to_role TEXT NOT NULL,"
    " to_name TEXT NOT NULL,"
    " to_phone TEXT NOT NULL,"
    " to_email TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " next_at INTEGER NOT NULL,"
    " lease_until INTEGER NOT NULL DEFAULT 0,"
    " sent_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX outbox_due ON outbox(next_at) WHERE state = 'pending';"
    "CREATE INDEX outbox_state ON outbox(state, id);"
    "CREATE INDEX outbox_order ON outbox(order_id);"
    "CREATE INDEX orders_duplicate ON orders(duplicate_of) WHERE duplicate_of != 0;"
    "CREATE INDEX events_action ON events(action, at);";

/* Attachments: the bytes of uploaded recordings, photos and documents, by random id. */
static const char files_sql[] = "CREATE TABLE files ("
                                " id TEXT PRIMARY KEY,"
                                " name TEXT NOT NULL,"
                                " type TEXT NOT NULL,"
                                " size INTEGER NOT NULL,"
                                " sha256 TEXT NOT NULL,"
                                " at INTEGER NOT NULL,"
                                " user_id INTEGER REFERENCES users(id),"
                                " data BLOB NOT NULL"
                                ") STRICT;";

/* Named blobs: trained models (issue 9). */
static const char blobs_sql[] = "CREATE TABLE blobs ("
                                " key TEXT PRIMARY KEY,"
                                " at INTEGER NOT NULL,"
                                " data BLOB NOT NULL"
                                ") STRICT;";

/* Search (issue 9): the text index in four columns — title, body (text and address), reply, and
 * the notes people wrote on the order's timeline — each holding the tokens of
 * text/searchtext.h; and the exact keys looked up by their beginning: the order number, the
 * upstream id and the citizen's phone digits reversed (so that a tail is a prefix), the
 * citizen's name as written. The old words-only index goes; the migration fills the new one. */
static const char search_sql[] = "DROP TABLE orders_fts;"
                                 "CREATE VIRTUAL TABLE order_search USING fts5(t, b, y, n);"
                                 "CREATE TABLE order_keys ("
                                 " kind TEXT NOT NULL,"
                                 " key TEXT NOT NULL,"
                                 " order_id INTEGER NOT NULL,"
                                 " PRIMARY KEY (kind, key, order_id)"
                                 ") STRICT, WITHOUT ROWID;"
                                 "CREATE INDEX order_keys_order ON order_keys(order_id);";

/* Hardening (issue 10): failed logins kept across restarts (key: 'L' + login or 'A' + address),
 * and which orders refer to which attachment (so that a download is allowed to those who may
 * see such an order), filled from the orders' attachment lists as they stand. */
static const char hardening_sql[] =
    "CREATE TABLE login_failures ("
    " key TEXT NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX login_failures_key ON login_failures(key, at);"
    "CREATE INDEX login_failures_at ON login_failures(at);"
    "CREATE TABLE file_refs ("
    " file_id TEXT NOT NULL,"
    " order_id INTEGER NOT NULL,"
    " PRIMARY KEY (file_id, order_id)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT OR IGNORE INTO file_refs(file_id, order_id)"
    " SELECT substr(u, instr(u, '/api/v1/files/') + 14, 32), id FROM"
    " (SELECT o.id AS id, json_extract(a.value, '$.url') AS u"
    "  FROM orders o, json_each(o.attachments) a"
    "  WHERE o.attachments != '[]' AND json_valid(o.attachments))"
    " WHERE instr(u, '/api/v1/files/') > 0"
    " AND length(substr(u, instr(u, '/api/v1/files/') + 14, 32)) = 32;";

/* Knowledge base (issue 11): one row per version of an entry (entry_id: the id of its first
 * version), the categories of each version, the text index of the published versions (question
 * q, answer a, policy basis b; tokens of text/searchtext.h), and one row per direct answer that
 * cited a version. The outbox's order becomes optional: a knowledge-base expiry reminder
 * belongs to no order (the table is rebuilt as SQLite cannot drop a NOT NULL). */
static const char kb_sql[] =
    "CREATE TABLE kb_entries ("
    " id INTEGER PRIMARY KEY,"
    " entry_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL CHECK (version >= 1),"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'under_review', 'published', 'expired',"
    "  'withdrawn', 'superseded')),"
    " question TEXT NOT NULL,"
    " answer TEXT NOT NULL,"
    " basis TEXT NOT NULL DEFAULT '',"
    " unit_id INTEGER NOT NULL REFERENCES units(id),"
    " valid_from INTEGER NOT NULL,"
    " valid_to INTEGER NOT NULL DEFAULT 0,"
    " author_id INTEGER REFERENCES users(id),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " submitted_at INTEGER NOT NULL DEFAULT 0,"
    " reviewer_id INTEGER REFERENCES users(id),"
    " reviewed_at INTEGER NOT NULL DEFAULT 0,"
    " note TEXT NOT NULL DEFAULT '',"
    " published_at INTEGER NOT NULL DEFAULT 0,"
    " ended_at INTEGER NOT NULL DEFAULT 0,"
    " uses INTEGER NOT NULL DEFAULT 0,"
    " reminded INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (entry_id, version)"
    ") STRICT;"
    "CREATE INDEX kb_entries_unit ON kb_entries(unit_id, status);"
    "CREATE INDEX kb_entries_due ON kb_entries(status, valid_to);"
    "CREATE TABLE kb_categories ("
    " category_id INTEGER NOT NULL REFERENCES categories(id),"
    " kb_id INTEGER NOT NULL REFERENCES kb_entries(id),"
    " PRIMARY KEY (category_id, kb_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX kb_categories_kb ON kb_categories(kb_id);"
    "CREATE VIRTUAL TABLE kb_search USING fts5(q, a, b);"
    "CREATE TABLE kb_uses ("
    " id INTEGER PRIMARY KEY,"
    " kb_id INTEGER NOT NULL REFERENCES kb_entries(id),"
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX kb_uses_kb ON kb_uses(kb_id, at);"
    "CREATE INDEX kb_uses_at ON kb_uses(at);"
    "CREATE TABLE outbox_new ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
    " order_id INTEGER REFERENCES orders(id),"
    " order_number TEXT NOT NULL,"
    " event_id INTEGER REFERENCES events(id),"
    " unit_id INTEGER,"
    " to_role TEXT NOT NULL,"
    " to_name TEXT NOT NULL,"
    " to_phone TEXT NOT NULL,"
    " to_email TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " next_at INTEGER NOT NULL,"
    " lease_until INTEGER NOT NULL DEFAULT 0,"
    " sent_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "INSERT INTO outbox_new SELECT id, kind, state, order_id, order_number, event_id, unit_id,"
    " to_role, to_name, to_phone, to_email, text, attempts, created_at, next_at, lease_until,"
    " sent_at, last_error FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    "CREATE INDEX outbox_due ON outbox(next_at) WHERE state = 'pending';"
    "CREATE INDEX outbox_state ON outbox(state, id);"
    "CREATE INDEX outbox_order ON outbox(order_id);";
/* Hotspot early warning (issue 11): watched topics (the topic as its JSON document, name and
 * kind as columns), raised warnings with their figures, evidence orders and recipients (a unit
 * or a role per row), and the follow-up notes (签收, 处置反馈, 办结). The same evidence is never
 * stored twice for one topic and rule (digest). */
static const char hotspot_sql[] =
    "CREATE TABLE hotspot_topics ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " active INTEGER NOT NULL,"
    " doc TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE hotspot_warnings ("
    " id INTEGER PRIMARY KEY,"
    " topic_id INTEGER REFERENCES hotspot_topics(id) ON DELETE SET NULL,"
    " topic_name TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " rule TEXT NOT NULL CHECK (rule IN ('threshold', 'growth', 'citizens')),"
    " state TEXT NOT NULL CHECK (state IN ('open', 'acked', 'closed')),"
    " raised_at INTEGER NOT NULL,"
    " from_at INTEGER NOT NULL,"
    " to_at INTEGER NOT NULL,"
    " count INTEGER NOT NULL,"
    " citizens INTEGER NOT NULL,"
    " mean REAL NOT NULL,"
    " sd REAL NOT NULL,"
    " lim REAL NOT NULL,"
    " title TEXT NOT NULL,"
    " digest TEXT NOT NULL,"
    " acked_at INTEGER NOT NULL DEFAULT 0,"
    " closed_at INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (topic_id, rule, digest)"
    ") STRICT;"
    "CREATE INDEX hotspot_warnings_raised ON hotspot_warnings(raised_at);"
    "CREATE INDEX hotspot_warnings_topic ON hotspot_warnings(topic_id, rule);"
    "CREATE TABLE hotspot_evidence ("
    " warning_id INTEGER NOT NULL REFERENCES hotspot_warnings(id),"
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " PRIMARY KEY (warning_id, order_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX hotspot_evidence_order ON hotspot_evidence(order_id);"
    "CREATE TABLE hotspot_recipients ("
    " warning_id INTEGER NOT NULL REFERENCES hotspot_warnings(id),"
    " unit_id INTEGER REFERENCES units(id),"
    " role TEXT,"
    " CHECK ((unit_id IS NULL) != (role IS NULL))"
    ") STRICT;"
    "CREATE INDEX hotspot_recipients_warning ON hotspot_recipients(warning_id);"
    "CREATE INDEX hotspot_recipients_unit ON hotspot_recipients(unit_id) WHERE unit_id IS NOT NULL;"
    "CREATE TABLE hotspot_notes ("
    " id INTEGER PRIMARY KEY,"
    " warning_id INTEGER NOT NULL REFERENCES hotspot_warnings(id),"
    " at INTEGER NOT NULL,"
    " user_id INTEGER REFERENCES users(id),"
    " user_name TEXT NOT NULL,"
    " unit_id INTEGER REFERENCES units(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('ack', 'follow_up', 'close')),"
    " text TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX hotspot_notes_warning ON hotspot_notes(warning_id);";

/* order.about_unit_id: the unit an order complains about (issue 14). */
static const char about_unit_sql[] =
    "ALTER TABLE orders ADD COLUMN about_unit_id INTEGER NOT NULL DEFAULT 0;";
/* Lists at 1,000,000 orders (issue 13): every filter of the orders API has an index that also
 * serves the sort (the rowid ends each index, so (key, id) is in order), the overdue orders a
 * partial index of their own, and order_units the creation time of its order, so that a unit's
 * orders are walked newest first without reading all it ever held. The single-column indexes
 * these extend go. */
static const char lists_sql[] =
    "DROP INDEX IF EXISTS orders_status;"
    "DROP INDEX IF EXISTS orders_category;"
    "DROP INDEX IF EXISTS orders_region;"
    "DROP INDEX IF EXISTS orders_channel;"
    "CREATE INDEX IF NOT EXISTS orders_status_created ON orders(status, created_at);"
    "CREATE INDEX IF NOT EXISTS orders_status_updated ON orders(status, updated_at);"
    "CREATE INDEX IF NOT EXISTS orders_status_deadline ON orders(status, " JS_SQL_DEADLINE_KEY ");"
    "CREATE INDEX IF NOT EXISTS orders_category_created ON orders(category_id, created_at);"
    "CREATE INDEX IF NOT EXISTS orders_region_created ON orders(region_id, created_at);"
    "CREATE INDEX IF NOT EXISTS orders_channel_created ON orders(channel, created_at);"
    "CREATE INDEX IF NOT EXISTS orders_type_created ON orders(type, created_at);"
    "CREATE INDEX IF NOT EXISTS orders_level_created ON orders(level, created_at);"
    /* the deadline rides along, so that "past it" is decided in the index; id before it keeps
     * (created_at, id) in order */
    "CREATE INDEX IF NOT EXISTS orders_overdue_created ON orders(created_at, id, deadline) "
    "WHERE " JS_SQL_OVERDUE_OPEN ";"
    "CREATE INDEX IF NOT EXISTS orders_overdue_deadline ON orders(" JS_SQL_DEADLINE_KEY
    ") WHERE " JS_SQL_OVERDUE_OPEN ";"
    "ALTER TABLE order_units ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE order_units SET created_at ="
    " (SELECT o.created_at FROM orders o WHERE o.id = order_units.order_id);"
    "CREATE INDEX IF NOT EXISTS order_units_created ON order_units(unit_id, created_at, order_id);";

/* order.hang_expected: the plan's expected date of a hanging account (issue 14, 004 挂账). */
static const char hang_expected_sql[] =
    "ALTER TABLE orders ADD COLUMN hang_expected INTEGER NOT NULL DEFAULT 0;";
/* Issue 14 points 4-5: the facts carry the callback's service-process satisfaction, the
 * feedback limits of 003 art. 13 and the unit's feedback. The projection is derived from the
 * events, so forgetting where the fold stopped makes the next assessment fold every order again
 * (the range refold replaces each order's cases). */
static const char refold_sql[] = "DELETE FROM assess_fold;";
/* The dashboard's figures (issue 16): order_stats, kept by triggers (store/stats_sql.h). */
/* clang-format off */
#define STATS_SQL \
    "CREATE TABLE IF NOT EXISTS order_stats (" \
    " scope INTEGER NOT NULL," \
    " dim INTEGER NOT NULL," \
    " day INTEGER NOT NULL," \
    " key INTEGER NOT NULL," \
    " name TEXT NOT NULL," \
    " n INTEGER NOT NULL," \
    " PRIMARY KEY (dim, scope, day, key, name)" \
    ") STRICT, WITHOUT ROWID;" \
    /* again from the start when an earlier run of this step is replayed */ \
    "DELETE FROM order_stats;" \
    "DROP TRIGGER IF EXISTS order_stats_ins; DROP TRIGGER IF EXISTS order_stats_upd;" \
    "DROP TRIGGER IF EXISTS order_stats_del; DROP TRIGGER IF EXISTS order_stats_unit_ins;" \
    "DROP TRIGGER IF EXISTS order_stats_unit_del;" \
    "CREATE TRIGGER order_stats_ins AFTER INSERT ON orders" \
    " BEGIN " JS_STATS_ADD_NEW "; END;" \
    "CREATE TRIGGER order_stats_upd AFTER UPDATE ON orders WHEN " JS_STATS_CHANGED \
    " BEGIN " JS_STATS_SUB_OLD "; " JS_STATS_ADD_NEW "; END;" \
    "CREATE TRIGGER order_stats_del AFTER DELETE ON orders" \
    " BEGIN " JS_STATS_SUB_OLD "; END;" \
    "CREATE TRIGGER order_stats_unit_ins AFTER INSERT ON order_units" \
    " BEGIN " JS_STATS_UNIT_ADD_NEW "; END;" \
    "CREATE TRIGGER order_stats_unit_del AFTER DELETE ON order_units" \
    " BEGIN " JS_STATS_UNIT_SUB_OLD "; END;" JS_STATS_BACKFILL
/* clang-format on */
static const char stats_sql[] = STATS_SQL;

/* Migration 19: the leaf categories' counts per block of days as well (stats_sql.h,
 * JS_STATS_BLOCK), so that a year's figure reads ~22 rows a category, not 365: migration 18's
 * SQL again, which rebuilds the table and the triggers from the orders. (On PostgreSQL the
 * triggers also start appending to order_stats_delta.) */
static const char stats_blocks_sql[] = STATS_SQL;

/* Issue 14 point 8, consultation and coordination: the order's pre-dispatch consultation,
 * pre-investigation and outstanding instruction (orders columns); coordination meetings (会办、
 * 联席会议、专题协调会, 000 art. 5, 11; 003 art. 12(4)) with the orders they concern; and
 * accountability records (问责, 003 arts. 21-22, 002 ch. 9). Both are append-only. */
static const char coordination_sql[] =
    "ALTER TABLE orders ADD COLUMN consult INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN consult_unit_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN preinv INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN preinv_unit_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN instruct_unit_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN instruct_due INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE meetings ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('huiban', 'joint', 'topic')),"
    " title TEXT NOT NULL,"
    " held_at INTEGER NOT NULL,"
    " convener TEXT NOT NULL,"
    " participants TEXT NOT NULL,"
    " decisions TEXT NOT NULL,"
    " follow_ups TEXT NOT NULL,"
    " created_by INTEGER REFERENCES users(id),"
    " created_by_name TEXT NOT NULL,"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE meeting_orders ("
    " meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
    " order_id INTEGER NOT NULL REFERENCES orders(id),"
    " PRIMARY KEY (meeting_id, order_id)"
    ") STRICT;"
    "CREATE INDEX meeting_orders_order ON meeting_orders(order_id);"
    "CREATE TABLE accountability ("
    " id INTEGER PRIMARY KEY,"
    " order_id INTEGER REFERENCES orders(id),"
    " unit_id INTEGER NOT NULL REFERENCES units(id),"
    " person TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " article TEXT NOT NULL,"
    " measure TEXT NOT NULL,"
    " note TEXT NOT NULL,"
    " recorded_by INTEGER REFERENCES users(id),"
    " recorded_by_name TEXT NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX accountability_order ON accountability(order_id);"
    "CREATE INDEX accountability_unit ON accountability(unit_id, at);";

/* Migration 21, lighter writes: a change of the status alone moves only the status counts
 * (stats_sql.h, JS_STATS_STATUS_ONLY; every other change still subtracts the old row and adds
 * the new, and the counts are the same, so nothing is rebuilt); and the overdue partial indexes
 * of migration 14 again, with their condition spelt without IN (rows.h, JS_SQLITE_OVERDUE_OPEN),
 * which the overdue filter now spells alike. */
static const char stats_status_sql[] =
    "DROP INDEX IF EXISTS orders_overdue_created;"
    "DROP INDEX IF EXISTS orders_overdue_deadline;"
    "CREATE INDEX orders_overdue_created ON orders(created_at, id, deadline) "
    "WHERE " JS_SQLITE_OVERDUE_OPEN ";"
    "CREATE INDEX orders_overdue_deadline ON orders(" JS_SQL_DEADLINE_KEY
    ") WHERE " JS_SQLITE_OVERDUE_OPEN ";"
    "DROP TRIGGER IF EXISTS order_stats_upd;"
    "DROP TRIGGER IF EXISTS order_stats_upd_status;"
    "CREATE TRIGGER order_stats_upd AFTER UPDATE ON orders WHEN " JS_STATS_MOVED
    " BEGIN " JS_STATS_SUB_OLD "; " JS_STATS_ADD_NEW "; END;"
    "CREATE TRIGGER order_stats_upd_status AFTER UPDATE ON orders WHEN " JS_STATS_STATUS_ONLY
    " BEGIN " JS_STATS_STATUS "; END;";

/* Migration 22: the order number has no key of its own; a number is looked up in orders.number
 * and its tail through the day's sequence (rows.h, store_number_tails), so that consecutive
 * numbers no longer scatter their keys over order_keys' pages (issue 13). */
static const char number_keys_sql[] = "DELETE FROM order_keys WHERE kind = 'n';";

const struct sqlite_migration sqlite_migrations[] = {
    {1, "organisation", organisation_sql, false},
    {2, "orders and events", orders_sql, false},
    {3, "settings, sessions, audit, idempotency", service_sql, false},
    {4, "orders.hang_since", hang_since_sql, false},
    {5, "timers: outbox, duplicates and events-by-action indexes", timers_sql, false},
    {6, "attachments", files_sql, false},
    {7, "named blobs", blobs_sql, false},
    {8, "search: text in four columns, number/phone/name keys", search_sql, true},
    {9, "hardening: failed logins, attachment references", hardening_sql, false},
    {10, "knowledge base: versions, categories, text index, citations; outbox order optional",
     kb_sql, false},
    {11, "hotspot early warning: topics, warnings, evidence, recipients, notes", hotspot_sql,
     false},
    {12, "reports: issued reports, append-only", sqlite_report_schema_sql, false},
    {13, "assessment: facts, repeats, appeals, items, schemes; append-only records",
     sqlite_assess_schema_sql, false},
    {14, "lists: indexes that serve each filter's sort, overdue, units by creation time", lists_sql,
     false},
    {15, "orders.about_unit_id: the unit complained about", about_unit_sql, false},
    {16, "assessment: the facts are folded again (callback 服务过程, feedback limits, returns)",
     refold_sql, false},
    {17, "orders.hang_expected: the hanging account's expected date", hang_expected_sql, false},
    {18, "dashboard figures: order_stats by scope, dimension and day, kept by triggers", stats_sql,
     false},
    {19, "dashboard figures: leaf categories also per block of 16 days", stats_blocks_sql, false},
    {20, "consultation and coordination: orders columns, meetings, accountability",
     coordination_sql, false},
    {21,
     "lighter writes: a change of status alone moves only the status counts; the overdue "
     "indexes' condition without IN",
     stats_status_sql, false},
    {22, "search: the order number's tail through the day's sequence, not a key of its own",
     number_keys_sql, false},
};

const int sqlite_n_migrations = (int)JS_ARRAY_LEN(sqlite_migrations);

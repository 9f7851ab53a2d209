/* The knowledge base (知识库, SPEC §7; seed 002 ch. 10, 003 art. 6, 001 year-end): entries kept by
 * the units, reviewed by the platform, searched by call-takers while they type and cited by
 * direct answers (秒回).
 *
 * An entry is a chain of versions. Each version is one row with its own id, its entry_id (the id
 * of the entry's first version) and its number. A version moves
 *     draft --submit--> under_review --approve--> published --(valid_to passes)--> expired
 *                         |  reject (reason) → draft      |  withdraw (reason) → withdrawn
 * Publishing a version supersedes the entry's version published before it, which stays in force
 * until then. Editing a draft changes it in place; editing a published, expired or withdrawn
 * version opens a new draft version (copying it); an entry has at most one open (draft or
 * under_review) version; a version under review cannot be edited. Versions are never deleted:
 * the history of an entry is its versions.
 *
 * Who: unit operators and unit leaders of the owner unit write; the unit leader submits for
 * review and may withdraw; the platform reviews — supervisors (the centre's quality staff) and
 * administrators approve, reject and withdraw (docs/decisions.md). A direct answer may cite
 * only a version that is published and in force (valid_from <= now < valid_to).
 *
 * The rules here are pure; the kb_* service functions at the end run them against a store in
 * one transaction each (like the engine). */
#ifndef JIESU_KB_H
#define JIESU_KB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/order.h"
#include "core/outbox.h"
#include "util/err.h"

#define JS_KB_STATUS_LIST(X)                                                                       \
    X(DRAFT, "draft", "草稿")                                                                      \
    X(UNDER_REVIEW, "under_review", "待审核")                                                      \
    X(PUBLISHED, "published", "已发布")                                                            \
    X(EXPIRED, "expired", "已过期")                                                                \
    X(WITHDRAWN, "withdrawn", "已撤回")                                                            \
    X(SUPERSEDED, "superseded", "已被新版本取代")

#define JS_X_KBST(N, n, l) KB_##N,
enum kb_status { JS_KB_STATUS_LIST(JS_X_KBST) KB__COUNT };
#undef JS_X_KBST
#define KB_BIT(s) (1u << (s))

/* NULL-terminated wire names and Chinese labels of enum kb_status. */
extern const char *const kb_status_names[], *const kb_status_labels[];

#define KB_QUESTION_MAX   200  /* characters */
#define KB_ANSWER_MAX     4000 /* characters */
#define KB_BASIS_MAX      1000 /* characters */
#define KB_NOTE_MAX       500  /* characters of a review or withdrawal reason */
#define KB_MAX_CATEGORIES 8

/* Days before valid_to at which the owner unit is reminded, largest first (bit i of
 * kb_entry.reminded: the reminder of kb_remind_days[i] was sent). */
extern const int kb_remind_days[];
#define KB_N_REMIND 2

/* One version of an entry. Strings are owned (malloc), never NULL after kb_entry_init. */
struct kb_entry {
    int64_t id;       /* this version */
    int64_t entry_id; /* the entry: id of its first version */
    int version;      /* 1, 2, ... */
    int status;       /* enum kb_status */
    char *question, *answer, *basis;
    int64_t unit_id; /* the owner unit */
    int64_t categories[KB_MAX_CATEGORIES];
    int n_categories;
    int64_t valid_from, valid_to; /* in force in [valid_from, valid_to); valid_to 0: no end */
    int64_t author_id;            /* who wrote this version */
    int64_t created_at, updated_at;
    int64_t submitted_at;
    int64_t reviewer_id, reviewed_at;
    char *note;           /* the last rejection's or withdrawal's reason */
    int64_t published_at; /* 0 until published */
    int64_t ended_at;     /* when it stopped being in force (expired, withdrawn, superseded) */
    int64_t uses;         /* direct answers that cited this version */
    unsigned reminded;    /* bits of kb_remind_days already sent */
};

/* Makes an empty version (status draft, strings ""). */
void kb_entry_init(struct kb_entry *k);
/* Frees the strings. Accepts NULL. */
void kb_entry_release(struct kb_entry *k);
/* Deep copy of src into dst (dst not initialised). Returns 0 or -JS_ENOMEM. */
int kb_entry_copy(struct kb_entry *dst, const struct kb_entry *src);
/* Replaces *dst with a copy of s. Returns 0 or -JS_ENOMEM. */
int kb_set_str(char **dst, const char *s);

/* A growable list of versions. */
struct kb_list {
    struct kb_entry *v;
    int n, cap;
};
void kb_list_init(struct kb_list *l);
/* Frees the list and its versions. Accepts NULL. */
void kb_list_release(struct kb_list *l);
/* Appends k, taking over its strings (k is left empty). Returns 0 or -JS_ENOMEM. */
int kb_list_take(struct kb_list *l, struct kb_entry *k);

/* The version as JSON (new reference): every field, status with its label, times as ISO text
 * and Chinese text ("valid_to_cn"). */
json_t *kb_entry_json(const struct kb_entry *k);

/* True when k may be cited by a direct answer at now: published and in force. */
bool kb_citable(const struct kb_entry *k, int64_t now);
/* Refusal of a citation of k (NULL: no such version) at now, with a Chinese message naming
 * field kb_entry: -JS_ENOTFOUND, -JS_ESTATE, or 0 when it may be cited. */
int kb_cite_check(const struct kb_entry *k, int64_t id, int64_t now, struct js_error *e);

/* ---- the rules ------------------------------------------------------------------------- */

/* Reads the editable fields of in (question, answer, basis, categories, valid_from, valid_to;
 * unit_id when create) into k, checking them; absent fields keep k's values unless create (then
 * question and answer are required). Unknown fields are refused. Dates are ISO-8601 text or a
 * bare date (the start of that day in Asia/Shanghai). Checks valid_to > valid_from. Category
 * existence is checked by the caller. Errors name the field, in Chinese. */
int kb_read_fields(const json_t *in, bool create, struct kb_entry *k, struct js_error *e);

/* Whether who may write (create or edit) versions of unit_id's entries. */
int kb_may_write(const struct actor *who, int64_t unit_id, struct js_error *e);
/* Whether who may review (approve, reject). */
bool kb_is_reviewer(int role);

/* The actions on a version. */
enum kb_action { KBA_SUBMIT, KBA_APPROVE, KBA_REJECT, KBA_WITHDRAW, KBA_EXPIRE, KBA__COUNT };
extern const char *const kb_action_names[];  /* "submit", "approve", ... */
extern const char *const kb_action_labels[]; /* 提交审核, 审核通过, ... */

/* Decides action by who on version k at now (note: the reason, required for reject and
 * withdraw). On success changes k (status, times, reviewer, note) and returns 0; prev is the
 * entry's version in force (published) or NULL: approving sets it superseded (ended_at now).
 * On refusal returns a negative code with e filled and k unchanged. */
int kb_decide(const struct actor *who, int action, const char *note, int64_t now,
              struct kb_entry *k, struct kb_entry *prev, struct js_error *e);

/* How an edit applies to version k: 0 edit in place (a draft), 1 open a new version (published,
 * expired, withdrawn: only if open_id is 0, the id of the entry's open version), or a refusal
 * (under review; superseded; an open version exists). */
int kb_edit_mode(const struct kb_entry *k, int64_t open_id, struct js_error *e);

/* The expiry rules at now for a published version: 1 it must expire (valid_to passed), or the
 * index i (>= 0, into kb_remind_days) of the reminder to send now with *mark the bits to set
 * (a reminder of a larger threshold that was missed is covered by the smaller one), or -1. */
int kb_due(const struct kb_entry *k, int64_t now, int *remind, unsigned *mark);

/* The reminder to the owner unit's contacts (leader and platform operator tiers, those with a
 * phone or email) that k expires; appended to out, due at now. units: the owner unit. */
int kb_reminder_plan(const struct kb_entry *k, const struct unit *u, int days, int64_t now,
                     struct outbox_list *out);

/* ---- the per-unit indicator ------------------------------------------------------------ */

/* A unit's knowledge base at a cut-off: versions in force (published, valid at cutoff), entries
 * out of date (their last version expired, or in force with valid_to already passed, and no
 * open version to renew them), and the direct answers in the period citing its entries. */
struct kb_unit_stats {
    int64_t unit_id;
    int64_t published, stale, uses;
};

/* ---- service: the rules against a store, one transaction each ---------------------------- */

struct store;

/* Creates a draft (version 1) of the fields in `in` for who (unit users: their own unit; the
 * unit_id field may name it). Fills out. */
int kb_create(struct store *s, const struct actor *who, const json_t *in, int64_t now,
              struct kb_entry *out, struct js_error *e);
/* Edits version id with the fields in `in`: in place for a draft, else a new draft version.
 * Fills out with the version written. */
int kb_edit(struct store *s, const struct actor *who, int64_t id, const json_t *in, int64_t now,
            struct kb_entry *out, struct js_error *e);
/* Runs action (enum kb_action) on version id; fills out (may be NULL). */
int kb_act(struct store *s, const struct actor *who, int64_t id, int action, const char *note,
           int64_t now, struct kb_entry *out, struct js_error *e);
/* Who may read version k: platform roles read everything; unit users read their own unit's
 * versions and every version that was ever published (a citation stays readable). */
bool kb_may_read(const struct actor *who, const struct kb_entry *k);
/* One pass of the expiry rules at now over every published version: expires those past
 * valid_to, queues the reminders due (each once per version and threshold) in the same
 * transaction as the version's mark. Sets *expired and *reminded (may be NULL). */
int kb_tick(struct store *s, int64_t now, int *expired, int *reminded, struct js_error *e);

#endif

/* The link to the city's 12345 platform (issue 15, seed 000 arts. 7, 10, 13; 001 市级重办): its
 * configuration (kept in the store's settings), the HMAC-SHA256 signatures both sides put on
 * what they send, and what a message from the city does here — a new order taken in as channel
 * `upstream`, a 市级督办 (supervision), a 市级重办 (reopen at level upstream), the city's callback
 * result — each applied once by the city's message id, in the transaction of the action it
 * causes. The feedback to the city goes through the notifications outbox (core/outbox.h kinds
 * upstream_*). Pure: the store is reached through the engine and struct store_ops only. */
#ifndef JIESU_UPSTREAM_H
#define JIESU_UPSTREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "util/err.h"

#define UPSTREAM_SETTING    "upstream_link"   /* the settings key of the link */
#define UPSTREAM_CURSOR     "upstream_cursor" /* the settings key of the feed's cursor */
#define UPSTREAM_SKEW       300               /* seconds a signed timestamp may be off */
#define UPSTREAM_SIG_HEX    65                /* hex HMAC-SHA256 and its NUL */
#define UPSTREAM_SECRET_MIN 16                /* bytes of a shared secret, at least */
#define UPSTREAM_MSG_ID_MAX 64                /* characters of a city message id */
#define UPSTREAM_HDR_TIME   "X-Upstream-Timestamp"
#define UPSTREAM_HDR_SIG    "X-Upstream-Signature"

struct upstream_link {
    char url[256];    /* the city's base URL: feedback is POSTed to url/feedback, the feed read
                         from url/feed; "" : no link */
    char secret[128]; /* shared secret of the HMAC-SHA256 signatures, both ways */
    int poll_seconds; /* read the feed this often (the server's ticker); 0: webhook only */
};

/* Reads the link from the store's settings into l (-JS_ENOTFOUND, l zeroed, when none is set). */
int upstream_link_load(struct store *s, struct upstream_link *l);
/* Checks doc {"url", "secret", "poll_seconds"} (url "" or http(s)://, at most 255 bytes; secret
 * 16-127 bytes; poll_seconds 0-86400) into l; 0 or the error with e naming the field. */
int upstream_link_from_json(const json_t *doc, struct upstream_link *l, struct js_error *e);
/* Stores l in the settings, in its own transaction. */
int upstream_link_save(struct store *s, const struct upstream_link *l);
/* Stores doc (taken: its reference is dropped; NULL reads as out of memory) as the setting key,
 * in a transaction of its own. Returns 0 or a negative code. */
int upstream_setting_put(struct store *s, const char *key, json_t *doc);
/* The link as shown to people: url, poll_seconds and whether a secret is set (never the secret).
 * New reference. */
json_t *upstream_link_public(const struct upstream_link *l);

/* The signature of a body sent at unix time ts: hex HMAC-SHA256 under secret of "<ts>.<body>"
 * into out. Returns 0 or -JS_EINTERNAL. */
int upstream_sign(const char *secret, int64_t ts, const char *body, size_t len,
                  char out[UPSTREAM_SIG_HEX]);
/* Whether sig (hex) is the signature of body at ts_text (decimal unix seconds) and ts lies within
 * UPSTREAM_SKEW of now; compared in constant time. 0, or -JS_EUNAUTH with e naming the header. */
int upstream_verify(const char *secret, const char *ts_text, const char *sig, const char *body,
                    size_t len, int64_t now, struct js_error *e);

/* Applies one message from the city through en as the system actor named "市级平台":
 *   {"id", "type": "order", "upstream_id", "deadline", "order": {intake fields}}
 *   {"id", "type": "supervise", "upstream_id", "reason", "written"}  (市级督办: supervise kind
 *                                    city_written when written, else city_account, 001 §七)
 *   {"id", "type": "reopen", "upstream_id", "reason", "deadline"}            (市级重办)
 *   {"id", "type": "callback", "upstream_id", "satisfaction", "solved", "contacted"}
 * A message id already applied changes nothing and answers duplicate. On success *answer
 * (new reference) is {"id", "type", "order_id", "number", "status", "duplicate"}; on refusal
 * the code with e naming the field. */
int upstream_apply(struct engine *en, const json_t *msg, json_t **answer, struct js_error *e);

#endif

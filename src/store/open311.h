/* The Open311 GeoReport v2 interface's configuration (issue 15), kept in the setting "open311"
 * through store_ops: the jurisdiction, the services offered (categories of the category tree
 * with their type, request type and attributes), the client applications with their api_keys
 * (stored as SHA-256 digests only), and the secret that signs the tokens of batch services.
 * Works on any backend. */
#ifndef JIESU_STORE_OPEN311_H
#define JIESU_STORE_OPEN311_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define O311_SETTING     "open311"
#define O311_MAX_CLIENTS 200
#define O311_TOKEN_MAX   64 /* bytes of a token, NUL included */

/* The stored configuration (new reference in *out): the setting, or the defaults when none is
 * stored (no jurisdiction, nothing offered, no client). Returns 0 or a store error. */
int o311_config_load(struct store *s, json_t **out, struct js_error *e);

/* Checks an administrator's edit of the public settings (jurisdiction_id, require_jurisdiction,
 * contact, key_service, endpoint_type, service_notice, offer, services) against the store's
 * categories and replaces them in *cfg (clients and secret kept), with changeset = now. Refuses
 * (JS_EUNKNOWN_FIELD, JS_EINVAL, JS_ETYPE, JS_EMISSING, JS_ETOOLONG) naming the field, *cfg
 * unchanged. */
int o311_config_edit(struct store *s, json_t *cfg, const json_t *in, int64_t now,
                     struct js_error *e);
/* Stores cfg as the setting (inside the caller's transaction). Returns 0 or a store error. */
int o311_config_save(struct store *s, const json_t *cfg);
/* What an administrator reads: cfg without the key digests and the token secret (new
 * reference). */
json_t *o311_config_public(const json_t *cfg);

/* Registers a client application: a new api_key (64 hex digits, written to key, returned only
 * here) whose digest is kept in cfg; the token secret is made if cfg has none. *client gets the
 * client's public form (new reference). Refuses an empty or over-long name (JS_EMISSING,
 * JS_ETOOLONG) and more than O311_MAX_CLIENTS clients. */
int o311_client_add(json_t *cfg, const char *name, int64_t now, char key[65], json_t **client,
                    struct js_error *e);
/* Revokes client id (its key stops working at once). -JS_ENOTFOUND when there is no such
 * client, -JS_ESTATE when it is revoked already. */
int o311_client_revoke(json_t *cfg, int64_t id, int64_t now, struct js_error *e);
/* The active client whose api_key is key (borrowed from cfg), or NULL. */
const json_t *o311_client_by_key(const json_t *cfg, const char *key);

/* The services offered, in the order of the category tree's ids: an array of objects
 * {category_id, service_code (the category's code), service_name, group (the parent's name),
 * description, keywords, type, request_type, attributes} (new reference in *out); attributes
 * start with the built-in "request_type" (the order's type). Returns 0 or a store error. */
int o311_services(struct store *s, const json_t *cfg, json_t **out);

/* The token of order_id for a batch service: "<id>-<24 hex digits of an HMAC-SHA256 under the
 * configured secret>". Returns 0, or -JS_ESTATE when cfg has no secret. */
int o311_token_make(const json_t *cfg, int64_t order_id, char out[O311_TOKEN_MAX]);
/* The order id a token names, if its signature is right; -JS_ENOTFOUND otherwise. */
int o311_token_check(const json_t *cfg, const char *token, int64_t *order_id);

#endif

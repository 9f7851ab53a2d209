/* Account security primitives: argon2id password hashes (bounded concurrency, since each hash
 * takes 64 MiB), random bearer tokens and their SHA-256 digests for storage, and a sliding-window
 * limiter of failed logins per login name and per remote address. */
#ifndef JIESU_AUTH_H
#define JIESU_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/jtime.h"

#define AUTH_HASH_MAX     128  /* bytes of a stored password hash, NUL included */
#define AUTH_TOKEN_HEX    65   /* 64 hex characters + NUL (tokens and digests alike) */
#define AUTH_PASSWORD_MAX 1024 /* longest password accepted, in bytes */
#define AUTH_MAX_HASHING  2    /* password hashes/verifications running at once, at most */

/* Initialises libsodium once; thread-safe and idempotent. Every other function calls it, so
 * calling it explicitly is only needed to fail early. Returns 0 or -JS_EINTERNAL. */
int auth_init(void);

/* Hashes a password with argon2id (libsodium crypto_pwhash_str_alg, ALG_ARGON2ID13, INTERACTIVE
 * limits: ~60 ms, 64 MiB) into out, an "$argon2id$v=19$..." string with its own salt. Waits while
 * AUTH_MAX_HASHING others are running. Returns 0, -JS_EINVAL (empty or longer than
 * AUTH_PASSWORD_MAX, field "password"), or -JS_ENOMEM. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct js_error *e);

/* Checks password against a stored hash, in the same bounded pool. Returns 0 when it matches,
 * -JS_EUNAUTH when it does not (or the hash is malformed). A NULL stored hash (unknown login)
 * verifies against a fixed dummy hash and returns -JS_EUNAUTH, so unknown and known logins
 * take the same time. */
int auth_password_verify(const char *stored, const char *password);

/* True when a stored hash uses other parameters than the current ones (re-hash at next login). */
bool auth_password_needs_rehash(const char *stored);
/* Most password hashes or verifications seen running at the same time since the program started
 * (never above AUTH_MAX_HASHING), for tests and metrics. */
unsigned auth_hashing_peak(void);

/* Writes a new bearer token: 32 random bytes as 64 lowercase hex characters. Returns 0 or
 * -JS_EINTERNAL. */
int auth_token_new(char out[AUTH_TOKEN_HEX]);
/* True when token is exactly 64 lowercase hex characters (check before looking it up). */
bool auth_token_wellformed(const char *token);
/* Writes the SHA-256 (crypto_hash_sha256) of the text as 64 lowercase hex characters: what is
 * stored instead of the token itself. Returns 0 or -JS_EINTERNAL. */
int auth_token_digest(const char *token, char out[AUTH_TOKEN_HEX]);
/* The token of an "Authorization: Bearer <token>" header value (scheme case-insensitive, blanks
 * before the token skipped): a pointer into the argument to the rest of the value; NULL if the
 * argument is NULL, another scheme, or has no token. */
const char *auth_bearer(const char *authorization);

/* Failed-login limiter. A login attempt is refused while, within the last window_s seconds,
 * max_failures or more failures were recorded for the same login name, or the address's limit
 * (AUTH_REMOTE_FACTOR times as many, unless set) for the same remote address, so that one
 * user's typos do not lock out an office behind one NAT address. Login names are compared byte for
 * byte: normalise them (case, blanks) before. Memory is bounded: keys whose failures all left the
 * window are dropped, and at most 100000 keys are kept (the least recently failing are forgotten
 * first). The clock should not go backwards. */
struct auth_limiter;

#define AUTH_REMOTE_FACTOR 10 /* an address may fail this many times the per-login limit */

/* Creates a limiter. clock NULL means the system clock (the clock struct is copied). Returns 0,
 * -JS_EINVAL (max_failures or window_s not positive), or -JS_ENOMEM. */
int auth_limiter_new(unsigned max_failures, int64_t window_s, const struct jclock *clock,
                     struct auth_limiter **out);
/* Frees the limiter. Accepts NULL. */
void auth_limiter_free(struct auth_limiter *l);
/* Before verifying a password: returns 0 if the attempt may proceed, or -JS_ERATELIMIT and
 * *retry_after (may be NULL) set to the seconds until one more attempt is allowed. login or
 * remote may be NULL (not checked). Thread-safe. */
int auth_limiter_check(struct auth_limiter *l, const char *login, const char *remote,
                       int64_t *retry_after);
/* Records a failed attempt for login and remote (either may be NULL). Thread-safe. */
void auth_limiter_fail(struct auth_limiter *l, const char *login, const char *remote);
/* Records a success: forgets the login's failures (the address's failures stay, so one known
 * account cannot be used to reset an address guessing others). Thread-safe. */
void auth_limiter_success(struct auth_limiter *l, const char *login);
/* Sets the limit per address (default max_failures * AUTH_REMOTE_FACTOR); forgets the
 * addresses' failures. 0 is ignored. Thread-safe. */
void auth_limiter_set_remote_max(struct auth_limiter *l, unsigned max_failures);
/* Check and count in one step, under one lock: returns -JS_ERATELIMIT (and *retry_after) like
 * auth_limiter_check, or 0 after counting the attempt as a failure of login and remote, so that
 * parallel guesses can never exceed the limits. Call auth_limiter_succeeded when the password
 * was right. Thread-safe. */
int auth_limiter_attempt(struct auth_limiter *l, const char *login, const char *remote,
                         int64_t *retry_after);
/* After a successful auth_limiter_attempt: forgets the login's failures and the one the attempt
 * counted for remote. Either may be NULL. Thread-safe. */
void auth_limiter_succeeded(struct auth_limiter *l, const char *login, const char *remote);
/* Adds a failure stored earlier (key: 'L' + login or 'A' + address) at time at; ignored when it
 * left the window. For reloading the failures after a restart. Thread-safe. */
void auth_limiter_restore(struct auth_limiter *l, const char *key, int64_t at);
/* Number of keys (logins + addresses) currently tracked, for tests and metrics. */
unsigned auth_limiter_size(struct auth_limiter *l);

#endif

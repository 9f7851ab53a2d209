/* Password hashing with libsodium's argon2id behind a counting semaphore, bearer tokens and their
 * digests, and the failed-login limiter (a hash table of per-key rings of failure times). */
#include "compat.h"
#include "util/auth.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(AUTH_HASH_MAX == crypto_pwhash_STRBYTES, "AUTH_HASH_MAX matches libsodium");
_Static_assert(AUTH_TOKEN_HEX == crypto_hash_sha256_BYTES * 2 + 1, "digest is 64 hex chars");

#define TOKEN_BYTES 32

/* The argon2id hash of a random string nobody knows: verified against when the login is unknown,
 * so that unknown logins cost as much time as known ones. */
static const char dummy_hash[AUTH_HASH_MAX] =
    "$argon2id$v=19$m=65536,t=2,p=1$BEUaEP7B+vpuncBLTk/39A$"
    "3E3q90+Y7WreGhN4rtLxyr/JWNMb9p8bwLrU1tE5qeU";

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static sem_t hash_sem;
static atomic_uint hashing_now;
static atomic_uint hashing_peak;

static void init_globals(void)
{
    if (sodium_init() < 0 || sem_init(&hash_sem, 0, AUTH_MAX_HASHING) != 0)
        init_rc = -JS_EINTERNAL;
}

int auth_init(void)
{
    pthread_once(&init_once, init_globals);
    return init_rc;
}

/* Takes one of the AUTH_MAX_HASHING slots, waiting if none is free. */
static void slot_take(void)
{
    while (sem_wait(&hash_sem) != 0 && errno == EINTR)
        ;
    unsigned now = atomic_fetch_add(&hashing_now, 1) + 1;
    unsigned peak = atomic_load(&hashing_peak);
    while (now > peak && !atomic_compare_exchange_weak(&hashing_peak, &peak, now))
        ;
}

static void slot_give(void)
{
    atomic_fetch_sub(&hashing_now, 1);
    sem_post(&hash_sem);
}

unsigned auth_hashing_peak(void)
{
    return atomic_load(&hashing_peak);
}

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct js_error *e)
{
    int rc = auth_init();
    if (rc)
        return js_fail(e, JS_EINTERNAL, NULL, "libsodium could not be initialised");
    size_t len = password ? strlen(password) : 0;
    if (len == 0)
        return js_fail(e, JS_EINVAL, "password", "the password is empty");
    if (len > AUTH_PASSWORD_MAX)
        return js_fail(e, JS_EINVAL, "password", "the password is longer than %d bytes",
                       AUTH_PASSWORD_MAX);
    slot_take();
    int r = crypto_pwhash_str_alg(out, password, len, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
                                  crypto_pwhash_ALG_ARGON2ID13);
    slot_give();
    if (r != 0)
        return js_fail(e, JS_ENOMEM, NULL, "password hashing ran out of memory");
    return 0;
}

int auth_password_verify(const char *stored, const char *password)
{
    if (auth_init())
        return -JS_EINTERNAL;
    size_t len = password ? strlen(password) : 0;
    if (!password || len > AUTH_PASSWORD_MAX)
        return -JS_EUNAUTH;
    bool known = stored != NULL;
    if (!known)
        stored = dummy_hash;
    slot_take();
    int r = crypto_pwhash_str_verify(stored, password, len);
    slot_give();
    return (known && r == 0) ? 0 : -JS_EUNAUTH;
}

bool auth_password_needs_rehash(const char *stored)
{
    if (!stored || auth_init())
        return true;
    return crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) != 0;
}

int auth_token_new(char out[AUTH_TOKEN_HEX])
{
    if (auth_init())
        return -JS_EINTERNAL;
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, AUTH_TOKEN_HEX, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

bool auth_token_wellformed(const char *token)
{
    if (!token)
        return false;
    size_t i = 0;
    for (; token[i]; i++) {
        char c = token[i];
        if (i >= AUTH_TOKEN_HEX - 1 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return i == AUTH_TOKEN_HEX - 1;
}

int auth_token_digest(const char *token, char out[AUTH_TOKEN_HEX])
{
    if (auth_init())
        return -JS_EINTERNAL;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, AUTH_TOKEN_HEX, d, sizeof d);
    return 0;
}

const char *auth_bearer(const char *authorization)
{
    if (!authorization)
        return NULL;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? p : NULL;
}

/* ---- failed-login limiter ---- */

#define LIM_MAX_ENTRIES 100000u
#define LIM_MIN_BUCKETS 256u

/* One login or address with failures. Entries are also on a list ordered by their latest
 * failure (oldest first), so stale entries and, when full, the least recent ones are dropped
 * from its head in constant time. */
struct lim_entry {
    struct lim_entry *next;          /* hash chain */
    struct lim_entry *older, *newer; /* recency list */
    uint32_t hash;
    unsigned cap;     /* size of times[]: the limit of its kind */
    unsigned n, head; /* failures kept, index of the oldest in times[] */
    int64_t newest;   /* time of the latest failure */
    char *key;        /* kind byte ('L' login, 'A' address) + text */
    int64_t times[];  /* ring of the latest max_failures failure times */
};

struct auth_limiter {
    pthread_mutex_t lock;
    struct jclock clock;
    unsigned max;        /* per login */
    unsigned remote_max; /* per address */
    int64_t window;
    struct lim_entry **buckets;
    unsigned nbuckets; /* a power of two */
    unsigned count;
    struct lim_entry *oldest, *latest; /* ends of the recency list */
};

int auth_limiter_new(unsigned max_failures, int64_t window_s, const struct jclock *clock,
                     struct auth_limiter **out)
{
    *out = NULL;
    if (max_failures == 0 || window_s <= 0)
        return -JS_EINVAL;
    struct auth_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return -JS_ENOMEM;
    l->buckets = calloc(LIM_MIN_BUCKETS, sizeof *l->buckets);
    if (!l->buckets) {
        free(l);
        return -JS_ENOMEM;
    }
    pthread_mutex_init(&l->lock, NULL);
    l->clock = clock ? *clock : jclock_system;
    l->max = max_failures;
    l->remote_max = max_failures * AUTH_REMOTE_FACTOR;
    l->window = window_s;
    l->nbuckets = LIM_MIN_BUCKETS;
    *out = l;
    return 0;
}

void auth_limiter_free(struct auth_limiter *l)
{
    if (!l)
        return;
    struct lim_entry *en = l->oldest;
    while (en) {
        struct lim_entry *newer = en->newer;
        free(en->key);
        free(en);
        en = newer;
    }
    free(l->buckets);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

/* FNV-1a over the kind byte and the text. */
static uint32_t key_hash(char kind, const char *s)
{
    uint32_t h = 2166136261u;
    h = (h ^ (unsigned char)kind) * 16777619u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct lim_entry *find(const struct auth_limiter *l, char kind, const char *s, uint32_t h)
{
    for (struct lim_entry *en = l->buckets[h & (l->nbuckets - 1)]; en; en = en->next)
        if (en->hash == h && en->key[0] == kind && strcmp(en->key + 1, s) == 0)
            return en;
    return NULL;
}

static void list_unlink(struct auth_limiter *l, struct lim_entry *en)
{
    if (en->older)
        en->older->newer = en->newer;
    else
        l->oldest = en->newer;
    if (en->newer)
        en->newer->older = en->older;
    else
        l->latest = en->older;
    en->older = en->newer = NULL;
}

static void list_append(struct auth_limiter *l, struct lim_entry *en)
{
    en->older = l->latest;
    en->newer = NULL;
    if (l->latest)
        l->latest->newer = en;
    else
        l->oldest = en;
    l->latest = en;
}

/* Removes an entry from the table and the list, and frees it. */
static void drop(struct auth_limiter *l, struct lim_entry *en)
{
    struct lim_entry **link = &l->buckets[en->hash & (l->nbuckets - 1)];
    while (*link != en)
        link = &(*link)->next;
    *link = en->next;
    list_unlink(l, en);
    free(en->key);
    free(en);
    l->count--;
}

/* Drops entries whose every failure left the window (they are at the head of the list). */
static void drop_stale(struct auth_limiter *l, int64_t now)
{
    while (l->oldest && l->oldest->newest <= now - l->window)
        drop(l, l->oldest);
}

/* Drops failures of one entry that fell out of the window. */
static void expire(const struct auth_limiter *l, struct lim_entry *en, int64_t now)
{
    while (en->n > 0 && en->times[en->head] <= now - l->window) {
        en->head = (en->head + 1) % en->cap;
        en->n--;
    }
}

static void grow(struct auth_limiter *l)
{
    unsigned n = l->nbuckets * 2;
    struct lim_entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the longer chains */
    for (unsigned i = 0; i < l->nbuckets; i++) {
        struct lim_entry *en = l->buckets[i];
        while (en) {
            struct lim_entry *next = en->next;
            en->next = b[en->hash & (n - 1)];
            b[en->hash & (n - 1)] = en;
            en = next;
        }
    }
    free(l->buckets);
    l->buckets = b;
    l->nbuckets = n;
}

static void record(struct auth_limiter *l, char kind, const char *s, int64_t now)
{
    uint32_t h = key_hash(kind, s);
    struct lim_entry *en = find(l, kind, s, h);
    if (!en) {
        while (l->count >= LIM_MAX_ENTRIES)
            drop(l, l->oldest); /* full of recent failures: forget the least recent */
        if (l->count >= l->nbuckets * 2)
            grow(l);
        size_t len = strlen(s);
        unsigned cap = kind == 'L' ? l->max : l->remote_max;
        en = calloc(1, sizeof *en + cap * sizeof en->times[0]);
        char *key = malloc(len + 2);
        if (!en || !key) {
            free(en);
            free(key);
            return; /* out of memory: this failure goes uncounted */
        }
        key[0] = kind;
        memcpy(key + 1, s, len + 1);
        en->cap = cap;
        en->key = key;
        en->hash = h;
        struct lim_entry **head = &l->buckets[h & (l->nbuckets - 1)];
        en->next = *head;
        *head = en;
        l->count++;
    } else {
        list_unlink(l, en);
    }
    list_append(l, en);
    expire(l, en, now);
    if (en->n < en->cap) {
        en->times[(en->head + en->n) % en->cap] = now;
        en->n++;
    } else {
        en->times[en->head] = now;
        en->head = (en->head + 1) % en->cap;
    }
    if (now > en->newest)
        en->newest = now;
}

/* Seconds until kind + s may try again, or 0 if it may now. */
static int64_t blocked_for(struct auth_limiter *l, char kind, const char *s, int64_t now)
{
    struct lim_entry *en = find(l, kind, s, key_hash(kind, s));
    if (!en)
        return 0;
    expire(l, en, now);
    if (en->n < en->cap)
        return 0;
    int64_t wait = en->times[en->head] + l->window - now;
    return wait > 0 ? wait : 1;
}

int auth_limiter_check(struct auth_limiter *l, const char *login, const char *remote,
                       int64_t *retry_after)
{
    int64_t now = jclock_now(&l->clock);
    pthread_mutex_lock(&l->lock);
    drop_stale(l, now);
    int64_t a = login ? blocked_for(l, 'L', login, now) : 0;
    int64_t b = remote ? blocked_for(l, 'A', remote, now) : 0;
    pthread_mutex_unlock(&l->lock);
    int64_t wait = a > b ? a : b;
    if (retry_after)
        *retry_after = wait;
    return wait > 0 ? -JS_ERATELIMIT : 0;
}

void auth_limiter_fail(struct auth_limiter *l, const char *login, const char *remote)
{
    int64_t now = jclock_now(&l->clock);
    pthread_mutex_lock(&l->lock);
    drop_stale(l, now);
    if (login)
        record(l, 'L', login, now);
    if (remote)
        record(l, 'A', remote, now);
    pthread_mutex_unlock(&l->lock);
}

void auth_limiter_success(struct auth_limiter *l, const char *login)
{
    if (!login)
        return;
    pthread_mutex_lock(&l->lock);
    struct lim_entry *en = find(l, 'L', login, key_hash('L', login));
    if (en)
        drop(l, en);
    pthread_mutex_unlock(&l->lock);
}

void auth_limiter_set_remote_max(struct auth_limiter *l, unsigned max_failures)
{
    if (max_failures == 0)
        return;
    pthread_mutex_lock(&l->lock);
    /* entries keep the capacity they were made with: start the addresses afresh */
    struct lim_entry *en = l->oldest;
    while (en) {
        struct lim_entry *newer = en->newer;
        if (en->key[0] == 'A')
            drop(l, en);
        en = newer;
    }
    l->remote_max = max_failures;
    pthread_mutex_unlock(&l->lock);
}

int auth_limiter_attempt(struct auth_limiter *l, const char *login, const char *remote,
                         int64_t *retry_after)
{
    int64_t now = jclock_now(&l->clock);
    pthread_mutex_lock(&l->lock);
    drop_stale(l, now);
    int64_t a = login ? blocked_for(l, 'L', login, now) : 0;
    int64_t b = remote ? blocked_for(l, 'A', remote, now) : 0;
    int64_t wait = a > b ? a : b;
    if (wait == 0) {
        /* counted now, under the same lock as the check: parallel guesses cannot overtake it */
        if (login)
            record(l, 'L', login, now);
        if (remote)
            record(l, 'A', remote, now);
    }
    pthread_mutex_unlock(&l->lock);
    if (retry_after)
        *retry_after = wait;
    return wait > 0 ? -JS_ERATELIMIT : 0;
}

void auth_limiter_succeeded(struct auth_limiter *l, const char *login, const char *remote)
{
    pthread_mutex_lock(&l->lock);
    struct lim_entry *en = login ? find(l, 'L', login, key_hash('L', login)) : NULL;
    if (en)
        drop(l, en);
    en = remote ? find(l, 'A', remote, key_hash('A', remote)) : NULL;
    if (en && en->n > 0) {
        /* the attempt's own count: the newest failure */
        en->n--;
        if (en->n == 0)
            drop(l, en);
    }
    pthread_mutex_unlock(&l->lock);
}

void auth_limiter_restore(struct auth_limiter *l, const char *key, int64_t at)
{
    if (!key || (key[0] != 'L' && key[0] != 'A') || !key[1])
        return;
    int64_t now = jclock_now(&l->clock);
    if (at <= now - l->window || at > now)
        return;
    pthread_mutex_lock(&l->lock);
    record(l, key[0], key + 1, at);
    pthread_mutex_unlock(&l->lock);
}

unsigned auth_limiter_size(struct auth_limiter *l)
{
    pthread_mutex_lock(&l->lock);
    unsigned n = l->count;
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* Tests of the account security primitives: argon2id hashes, the hashing bound, tokens, digests,
 * bearer parsing and the failed-login limiter driven by a fake clock. */
#include "compat.h"
#include "testutil.h"
#include "util/auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_hash_and_verify(void **state)
{
    (void)state;
    char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
    struct js_error e;
    const char *pw = "接诉即办-12345-correct horse";
    assert_int_equal(auth_password_hash(pw, h1, &e), 0);
    assert_int_equal(auth_password_hash(pw, h2, &e), 0);
    assert_true(strncmp(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
    assert_string_not_equal(h1, h2); /* each hash has its own salt */
    assert_int_equal(auth_password_verify(h1, pw), 0);
    assert_int_equal(auth_password_verify(h2, pw), 0);
    assert_int_equal(auth_password_verify(h1, "接诉即办-12345-correct hors"), -JS_EUNAUTH);
    assert_int_equal(auth_password_verify(h1, ""), -JS_EUNAUTH);
    assert_int_equal(auth_password_verify(h1, NULL), -JS_EUNAUTH);
    assert_int_equal(auth_password_verify("not a hash", pw), -JS_EUNAUTH);
    /* Unknown login: runs against the dummy hash and always fails. */
    assert_int_equal(auth_password_verify(NULL, pw), -JS_EUNAUTH);
    assert_false(auth_password_needs_rehash(h1));
}

static void test_hash_rejects_bad_passwords(void **state)
{
    (void)state;
    char h[AUTH_HASH_MAX];
    struct js_error e;
    assert_int_equal(auth_password_hash("", h, &e), -JS_EINVAL);
    assert_string_equal(e.field, "password");
    char *long_pw = malloc(AUTH_PASSWORD_MAX + 2);
    assert_non_null(long_pw);
    memset(long_pw, 'x', AUTH_PASSWORD_MAX + 1);
    long_pw[AUTH_PASSWORD_MAX + 1] = '\0';
    assert_int_equal(auth_password_hash(long_pw, h, &e), -JS_EINVAL);
    assert_int_equal(auth_password_verify(h, long_pw), -JS_EUNAUTH);
    long_pw[AUTH_PASSWORD_MAX] = '\0'; /* exactly the maximum is fine */
    assert_int_equal(auth_password_hash(long_pw, h, &e), 0);
    assert_int_equal(auth_password_verify(h, long_pw), 0);
    free(long_pw);
}

static void test_needs_rehash_on_other_parameters(void **state)
{
    (void)state;
    assert_int_equal(auth_init(), 0);
    char weak[crypto_pwhash_STRBYTES];
    assert_int_equal(
        crypto_pwhash_str_alg(weak, "pw", 2, 3, 8u << 20, crypto_pwhash_ALG_ARGON2ID13), 0);
    assert_true(auth_password_needs_rehash(weak));
    assert_int_equal(auth_password_verify(weak, "pw"), 0); /* still verifies */
    assert_true(auth_password_needs_rehash("garbage"));
}

static void *hash_worker(void *arg)
{
    char h[AUTH_HASH_MAX];
    struct js_error e;
    long rc = auth_password_hash((const char *)arg, h, &e);
    if (rc == 0)
        rc = auth_password_verify(h, (const char *)arg);
    return (void *)rc;
}

static void test_concurrent_hashes_are_bounded(void **state)
{
    (void)state;
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hash_worker, "parallel password"), 0);
    for (int i = 0; i < 6; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_int_equal((long)rc, 0);
    }
    /* Six threads of ~60 ms each: two ran together, never more. */
    assert_int_equal(auth_hashing_peak(), AUTH_MAX_HASHING);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_tokens(void **state)
{
    (void)state;
    enum { N = 2000 };
    char(*tok)[AUTH_TOKEN_HEX] = malloc(N * sizeof *tok);
    assert_non_null(tok);
    int seen[16] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(auth_token_new(tok[i]), 0);
        assert_int_equal(strlen(tok[i]), 64);
        assert_true(auth_token_wellformed(tok[i]));
        for (int k = 0; k < 64; k++) {
            char c = tok[i][k];
            seen[c <= '9' ? c - '0' : c - 'a' + 10]++;
        }
    }
    qsort(tok, N, sizeof *tok, cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(tok[i - 1], tok[i]);
    /* 128000 random hex digits: each of the 16 appears about 8000 times. */
    for (int d = 0; d < 16; d++)
        assert_in_range(seen[d], 7000, 9000);
    free(tok);

    assert_false(auth_token_wellformed(NULL));
    assert_false(auth_token_wellformed(""));
    assert_false(auth_token_wellformed("abc"));
    char t[AUTH_TOKEN_HEX + 1];
    memset(t, 'a', 64);
    t[64] = '\0';
    assert_true(auth_token_wellformed(t));
    t[10] = 'A'; /* uppercase is not what we issue */
    assert_false(auth_token_wellformed(t));
    t[10] = 'g';
    assert_false(auth_token_wellformed(t));
    t[10] = 'a';
    t[64] = 'a';
    t[65] = '\0';
    assert_false(auth_token_wellformed(t));
}

static void test_digest_known_vectors(void **state)
{
    (void)state;
    char d[AUTH_TOKEN_HEX];
    assert_int_equal(auth_token_digest("abc", d), 0);
    assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(auth_token_digest("", d), 0);
    assert_string_equal(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(
        auth_token_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", d), 0);
    assert_string_equal(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_bearer(void **state)
{
    (void)state;
    assert_string_equal(auth_bearer("Bearer abc123"), "abc123");
    assert_string_equal(auth_bearer("  bearer \t xyz"), "xyz");
    assert_string_equal(auth_bearer("BEARER q"), "q");
    assert_null(auth_bearer("Basic dXNlcjpwYXNz"));
    assert_null(auth_bearer("Bearer"));
    assert_null(auth_bearer("Bearer   "));
    assert_null(auth_bearer("Bearerabc"));
    assert_null(auth_bearer(NULL));
}

struct fake_clock {
    int64_t t;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->t;
}

static void test_limiter_sliding_window(void **state)
{
    (void)state;
    struct fake_clock fc = {1000000};
    struct jclock clock = {fake_now, &fc};
    struct auth_limiter *l;
    int64_t wait = -1;
    assert_int_equal(auth_limiter_new(0, 60, &clock, &l), -JS_EINVAL);
    assert_int_equal(auth_limiter_new(3, 0, &clock, &l), -JS_EINVAL);
    assert_int_equal(auth_limiter_new(3, 60, &clock, &l), 0);

    assert_int_equal(auth_limiter_check(l, "alice", "10.0.0.1", &wait), 0);
    assert_int_equal(wait, 0);
    /* Failures at t0, t0+10, t0+20. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(auth_limiter_check(l, "alice", "10.0.0.1", NULL), 0);
        auth_limiter_fail(l, "alice", "10.0.0.1");
        fc.t += 10;
    }
    fc.t -= 10; /* now t0+20 */
    /* Blocked by login from any address; the address's own limit is higher (one user's typos
     * do not lock out an office behind one NAT address). */
    assert_int_equal(auth_limiter_check(l, "alice", "10.9.9.9", &wait), -JS_ERATELIMIT);
    assert_int_equal(wait, 40);
    assert_int_equal(auth_limiter_check(l, "bob", "10.0.0.1", &wait), 0);
    assert_int_equal(auth_limiter_check(l, "bob", "10.9.9.9", &wait), 0);
    assert_int_equal(auth_limiter_size(l), 2);

    fc.t = 1000000 + 59;
    assert_int_equal(auth_limiter_check(l, "alice", NULL, &wait), -JS_ERATELIMIT);
    assert_int_equal(wait, 1);
    /* At t0+60 the first failure has left the window: two remain, one more try is allowed. */
    fc.t = 1000000 + 60;
    assert_int_equal(auth_limiter_check(l, "alice", "10.0.0.1", &wait), 0);
    auth_limiter_fail(l, "alice", "10.0.0.1");
    assert_int_equal(auth_limiter_check(l, "alice", NULL, &wait), -JS_ERATELIMIT);
    assert_int_equal(wait, 10); /* the oldest kept is t0+10 */
    fc.t = 1000000 + 200;       /* everything expired */
    assert_int_equal(auth_limiter_check(l, "alice", "10.0.0.1", &wait), 0);
    assert_int_equal(wait, 0);
    auth_limiter_free(l);
    auth_limiter_free(NULL);
}

static void test_limiter_success_resets_login_only(void **state)
{
    (void)state;
    struct fake_clock fc = {5000};
    struct jclock clock = {fake_now, &fc};
    struct auth_limiter *l;
    assert_int_equal(auth_limiter_new(3, 300, &clock, &l), 0);
    auth_limiter_set_remote_max(l, 3);
    auth_limiter_fail(l, "carol", "192.0.2.7");
    auth_limiter_fail(l, "carol", "192.0.2.7");
    auth_limiter_success(l, "carol");
    auth_limiter_fail(l, "carol", "192.0.2.7");
    auth_limiter_fail(l, "carol", NULL);
    /* Two failures since the success: the login may try again... */
    assert_int_equal(auth_limiter_check(l, "carol", NULL, NULL), 0);
    /* ...but the address has three in the window and stays blocked. */
    assert_int_equal(auth_limiter_check(l, "carol", "192.0.2.7", NULL), -JS_ERATELIMIT);
    auth_limiter_fail(l, "carol", NULL);
    assert_int_equal(auth_limiter_check(l, "carol", NULL, NULL), -JS_ERATELIMIT);
    auth_limiter_free(l);
}

/* Per login 5, per address 50: one address may fail 50 times over many logins, not more. */
static void test_limiter_login_and_address_limits(void **state)
{
    (void)state;
    struct fake_clock fc = {100000};
    struct jclock clock = {fake_now, &fc};
    struct auth_limiter *l;
    char name[32];
    assert_int_equal(auth_limiter_new(5, 900, &clock, &l), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(auth_limiter_attempt(l, "dave", "198.51.100.1", NULL), 0);
    assert_int_equal(auth_limiter_attempt(l, "dave", "198.51.100.1", NULL), -JS_ERATELIMIT);
    /* a refused attempt is not counted: the address has 5, others log in from it */
    assert_int_equal(auth_limiter_attempt(l, "erin", "198.51.100.1", NULL), 0);
    auth_limiter_succeeded(l, "erin", "198.51.100.1");
    int passed = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "user%d", i);
        passed += auth_limiter_attempt(l, name, "198.51.100.1", NULL) == 0;
    }
    assert_int_equal(passed, 5 * AUTH_REMOTE_FACTOR - 5);
    int64_t wait = 0;
    assert_int_equal(auth_limiter_attempt(l, "frank", "198.51.100.1", &wait), -JS_ERATELIMIT);
    assert_true(wait > 0 && wait <= 900);
    assert_int_equal(auth_limiter_attempt(l, "frank", "198.51.100.2", NULL), 0);
    auth_limiter_free(l);
}

struct guess_ctx {
    struct auth_limiter *l;
    atomic_int passed;
    atomic_int go;
};

static void *guess(void *arg)
{
    struct guess_ctx *g = arg;
    while (!atomic_load(&g->go))
        ;
    for (int i = 0; i < 25; i++)
        if (auth_limiter_attempt(g->l, "grace", "203.0.113.9", NULL) == 0)
            atomic_fetch_add(&g->passed, 1);
    return NULL;
}

/* Check and count are one step: 8 threads × 25 guesses let exactly 5 through. */
static void test_limiter_attempt_is_atomic(void **state)
{
    (void)state;
    struct guess_ctx g;
    g.l = NULL;
    atomic_init(&g.passed, 0);
    atomic_init(&g.go, 0);
    assert_int_equal(auth_limiter_new(5, 900, NULL, &g.l), 0);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, guess, &g), 0);
    atomic_store(&g.go, 1);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&g.passed), 5);
    auth_limiter_free(g.l);
}

/* Failures reloaded from the store count like fresh ones; those out of the window do not. */
static void test_limiter_restore(void **state)
{
    (void)state;
    struct fake_clock fc = {10000};
    struct jclock clock = {fake_now, &fc};
    struct auth_limiter *l;
    assert_int_equal(auth_limiter_new(3, 600, &clock, &l), 0);
    auth_limiter_restore(l, "Lheidi", 10000 - 700); /* left the window */
    auth_limiter_restore(l, "Lheidi", 10000 - 300);
    auth_limiter_restore(l, "Lheidi", 10000 - 200);
    assert_int_equal(auth_limiter_check(l, "heidi", NULL, NULL), 0);
    auth_limiter_restore(l, "Lheidi", 10000 - 100);
    int64_t wait = 0;
    assert_int_equal(auth_limiter_check(l, "heidi", NULL, &wait), -JS_ERATELIMIT);
    assert_int_equal(wait, 300);
    auth_limiter_restore(l, "X?", 10000);
    auth_limiter_restore(l, "A", 10000);
    assert_int_equal(auth_limiter_size(l), 1);
    auth_limiter_free(l);
}

static void test_limiter_memory_is_bounded(void **state)
{
    (void)state;
    struct fake_clock fc = {0};
    struct jclock clock = {fake_now, &fc};
    struct auth_limiter *l;
    assert_int_equal(auth_limiter_new(2, 60, &clock, &l), 0);
    char name[32];
    for (int i = 0; i < 100500; i++) {
        snprintf(name, sizeof name, "user%d", i);
        auth_limiter_fail(l, name, NULL);
    }
    assert_true(auth_limiter_size(l) <= 100000);
    /* The latest ones are still tracked. */
    auth_limiter_fail(l, "user100499", NULL);
    assert_int_equal(auth_limiter_check(l, "user100499", NULL, NULL), -JS_ERATELIMIT);
    /* Once their window has passed, they are dropped. */
    fc.t = 1000;
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "late%d", i);
        auth_limiter_fail(l, name, NULL);
    }
    assert_int_equal(auth_limiter_size(l), 10);
    assert_int_equal(auth_limiter_check(l, "user100499", NULL, NULL), 0);
    auth_limiter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_hash_rejects_bad_passwords),
        cmocka_unit_test(test_needs_rehash_on_other_parameters),
        cmocka_unit_test(test_concurrent_hashes_are_bounded),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_digest_known_vectors),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_limiter_sliding_window),
        cmocka_unit_test(test_limiter_success_resets_login_only),
        cmocka_unit_test(test_limiter_memory_is_bounded),
        cmocka_unit_test(test_limiter_login_and_address_limits),
        cmocka_unit_test(test_limiter_attempt_is_atomic),
        cmocka_unit_test(test_limiter_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the Chinese text segmenter with the real friso dictionary and OpenCC tables. */
#include "compat.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/segment.h"

static struct segmenter *seg(void)
{
    struct segmenter *s = segmenter_default();
    if (!s)
        fail_msg("the default segmenter did not open (friso or OpenCC missing?)");
    return s;
}

/* Cuts text into a new string (free it). */
static char *cut(const char *text)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = segmenter_cut(seg(), text, &b);
    if (rc)
        fail_msg("cut '%s': %s", text, js_err_name(rc));
    char *r = buf_steal(&b);
    assert_non_null(r);
    return r;
}

/* True if the space-separated list words contains w as a whole word. */
static bool has_word(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; (p = strstr(p, w)) != NULL; p++)
        if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Words are non-empty and separated by exactly one space. */
static void assert_well_formed(const char *words)
{
    size_t n = strlen(words);
    if (n == 0)
        return;
    assert_true(words[0] != ' ' && words[n - 1] != ' ');
    assert_null(strstr(words, "  "));
}

static void test_words(void **state)
{
    (void)state;
    char *w = cut("小区噪音扰民");
    assert_true(has_word(w, "噪音"));
    assert_false(has_word(w, "小区噪音扰民")); /* it was really cut */
    assert_well_formed(w);
    free(w);

    /* characters friso's dictionary lacks are kept as words of their own */
    w = cut("张堃反映");
    assert_true(has_word(w, "堃"));
    free(w);

    w = cut("东城区东华门街道的路灯坏了");
    assert_true(has_word(w, "东城区"));
    assert_true(has_word(w, "路灯"));
    assert_well_formed(w);
    free(w);
}

static void test_traditional(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(segmenter_simplify(seg(), "停車場收費", &b), 0);
    assert_string_equal(b.data, "停车场收费");
    buf_release(&b);

    char *t = cut("停車場收費");
    char *s = cut("停车场收费");
    assert_string_equal(t, s);
    assert_true(has_word(s, "收费"));
    free(t);
    free(s);

    t = cut("北京對市民訴求實施限時辦理");
    assert_true(has_word(t, "市民"));
    assert_true(has_word(t, "诉求"));
    free(t);
}

static void test_ascii_lowercased(void **state)
{
    (void)state;
    char *w = cut("Hello WORLD 12345热线 ＡＢＣ");
    assert_true(has_word(w, "hello"));
    assert_true(has_word(w, "world"));
    assert_true(has_word(w, "12345"));
    assert_true(has_word(w, "热线"));
    assert_true(has_word(w, "abc"));
    for (const char *p = w; *p; p++)
        assert_false(*p >= 'A' && *p <= 'Z');
    free(w);
}

static void test_punctuation_dropped(void **state)
{
    (void)state;
    char *w = cut("噪音！！扰民，“投诉”。（紧急）……—— ? ! , . ; : 、《路灯》");
    assert_string_equal(w, "噪音 扰民 投诉 紧急 路灯");
    free(w);

    w = cut("，。！？ ,.!? “” 　\t\n");
    assert_string_equal(w, "");
    free(w);
}

static void test_empty_and_errors(void **state)
{
    (void)state;
    char *w = cut("");
    assert_string_equal(w, "");
    free(w);

    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(segmenter_cut(seg(), "\xe5\x99", &b), -JS_EUTF8);
    assert_int_equal(segmenter_simplify(seg(), "\xff", &b), -JS_EUTF8);
    assert_int_equal(segmenter_cut(seg(), NULL, &b), -JS_EINVAL);
    assert_int_equal(segmenter_cut(NULL, "x", &b), -JS_EINVAL);
    assert_int_equal(b.len, 0);

    /* appending to text already in the buffer keeps a separator */
    assert_int_equal(buf_puts(&b, "标题"), 0);
    assert_int_equal(segmenter_cut(seg(), "小区噪音", &b), 0);
    assert_string_equal(b.data, "标题 小区 噪音");

    /* a cut that does not fit the buffer's cap leaves it as it was */
    struct buf small;
    buf_init(&small, 8);
    assert_int_equal(buf_puts(&small, "ab"), 0);
    assert_int_equal(segmenter_cut(seg(), "小区噪音扰民", &small), -JS_ETOOLARGE);
    assert_string_equal(small.data, "ab");
    buf_release(&small);
    buf_release(&b);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct segmenter *s = (struct segmenter *)1;
    struct js_error e;
    assert_int_equal(segmenter_open(tu_path("no-such.ini"), &s, &e), -JS_EIO);
    assert_null(s);

    /* a configuration whose lexicon directory does not exist loads no dictionary */
    FILE *f = fopen(tu_path("bad.ini"), "w");
    assert_non_null(f);
    fputs("friso.charset = 0\nfriso.lex_dir = /nonexistent-jiesu/\nfriso.mode = 2\n", f);
    fclose(f);
    assert_int_equal(segmenter_open(tu_path("bad.ini"), &s, &e), -JS_EIO);
    assert_null(s);
    f = fopen(tu_path("nolex.ini"), "w");
    assert_non_null(f);
    fputs("friso.charset = 0\nfriso.mode = 2\n", f);
    fclose(f);
    assert_int_equal(segmenter_open(tu_path("nolex.ini"), &s, &e), -JS_EIO);
    assert_null(s);
    segmenter_free(NULL);

    /* a private segmenter works like the default one */
    assert_int_equal(segmenter_open(NULL, &s, &e), 0);
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(segmenter_cut(s, "小区噪音扰民", &b), 0);
    char *d = cut("小区噪音扰民");
    assert_string_equal(b.data, d);
    free(d);
    buf_release(&b);
    segmenter_free(s);
}

static const char *const corpus[] = {
    "小区噪音扰民，晚上十点以后还在施工",         "停車場收費不合理，要求物業公示收費標準",
    "朝阳区望京街道路灯不亮 Street light broken", "12345热线反映：自来水水质发黄，已持续3天",
    "幼儿园门口违章停车严重，影响接送孩子",       "供暖温度不达标，室温只有16℃",
};

#define ROUNDS 150

struct worker {
    char *out[JS_ARRAY_LEN(corpus)];
    int rc;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct buf b;
    buf_init(&b, 0);
    for (int r = 0; r < ROUNDS && !w->rc; r++)
        for (size_t i = 0; i < JS_ARRAY_LEN(corpus) && !w->rc; i++) {
            buf_reset(&b);
            w->rc = segmenter_cut(segmenter_default(), corpus[i], &b);
            if (w->rc)
                break;
            if (!w->out[i])
                w->out[i] = strdup(b.data);
            else if (strcmp(w->out[i], b.data) != 0)
                w->rc = -JS_EINTERNAL; /* a result changed between rounds */
        }
    buf_release(&b);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    char *expect[JS_ARRAY_LEN(corpus)];
    for (size_t i = 0; i < JS_ARRAY_LEN(corpus); i++)
        expect[i] = cut(corpus[i]);

    pthread_t th[4];
    struct worker w[4];
    memset(w, 0, sizeof w);
    for (int t = 0; t < 4; t++)
        assert_int_equal(pthread_create(&th[t], NULL, work, &w[t]), 0);
    for (int t = 0; t < 4; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < 4; t++) {
        assert_int_equal(w[t].rc, 0);
        for (size_t i = 0; i < JS_ARRAY_LEN(corpus); i++) {
            assert_string_equal(w[t].out[i], expect[i]);
            free(w[t].out[i]);
        }
    }
    for (size_t i = 0; i < JS_ARRAY_LEN(corpus); i++)
        free(expect[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_traditional),
        cmocka_unit_test(test_ascii_lowercased),
        cmocka_unit_test(test_punctuation_dropped),
        cmocka_unit_test(test_empty_and_errors),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

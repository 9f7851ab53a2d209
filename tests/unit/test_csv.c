/* Tests of the RFC 4180 CSV reader: quoting, line ends, BOM, caps, errors, and the real demo
 * data files. */
#include "compat.h"
#include "testutil.h"
#include "util/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reader over an in-memory text of n bytes (n 0: strlen). */
struct mem {
    FILE *f;
    struct csv_reader r;
    struct js_error e;
};

static void mem_open(struct mem *m, const char *text, size_t n, size_t max_field)
{
    if (!n)
        n = strlen(text);
    m->f = fmemopen((void *)text, n, "r");
    assert_non_null(m->f);
    csv_init(&m->r, m->f, max_field);
    js_error_clear(&m->e);
}

static void mem_close(struct mem *m)
{
    csv_release(&m->r);
    fclose(m->f);
}

/* Reads one record and checks its fields against the NULL-terminated list want. */
static void expect_row(struct mem *m, const char *const *want)
{
    bool got = false;
    int rc = csv_next(&m->r, &got, &m->e);
    if (rc)
        fail_msg("csv_next failed: %s", m->e.message);
    assert_true(got);
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(csv_count(&m->r), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(csv_field(&m->r, i), want[i]);
}

static void expect_end(struct mem *m)
{
    bool got = true;
    assert_int_equal(csv_next(&m->r, &got, &m->e), 0);
    assert_false(got);
    /* and it stays at the end */
    assert_int_equal(csv_next(&m->r, &got, &m->e), 0);
    assert_false(got);
}

static void expect_error(struct mem *m, int code)
{
    bool got = false;
    int rc = 0;
    for (int i = 0; i < 10 && rc == 0; i++)
        rc = csv_next(&m->r, &got, &m->e);
    assert_int_equal(rc, code);
    assert_int_equal(m->e.code, code);
    assert_string_equal(m->e.field, "csv");
    assert_non_null(strstr(m->e.message, "行"));
}

static void test_plain_lf_and_crlf(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m, "a,b,c\n1,2,3\r\nx,y,z", 0, 0);
    expect_row(&m, (const char *[]){"a", "b", "c", NULL});
    assert_int_equal(m.r.line, 1);
    expect_row(&m, (const char *[]){"1", "2", "3", NULL});
    assert_int_equal(m.r.line, 2);
    expect_row(&m, (const char *[]){"x", "y", "z", NULL});
    assert_int_equal(m.r.line, 3);
    expect_end(&m);
    assert_int_equal(m.r.records, 3);
    mem_close(&m);
}

static void test_quoted(void **state)
{
    (void)state;
    struct mem m;
    const char *text = "id,text\r\n"
                       "1,\"a, b\"\r\n"
                       "2,\"say \"\"hi\"\"\"\r\n"
                       "3,\"two\nlines\"\r\n"
                       "4,\"crlf\r\ninside\",\"\"\r\n"
                       "5,\"\"\"\"\n";
    mem_open(&m, text, 0, 0);
    expect_row(&m, (const char *[]){"id", "text", NULL});
    expect_row(&m, (const char *[]){"1", "a, b", NULL});
    expect_row(&m, (const char *[]){"2", "say \"hi\"", NULL});
    expect_row(&m, (const char *[]){"3", "two\nlines", NULL});
    assert_int_equal(m.r.line, 4);
    expect_row(&m, (const char *[]){"4", "crlf\r\ninside", "", NULL});
    assert_int_equal(m.r.line, 6);
    expect_row(&m, (const char *[]){"5", "\"", NULL});
    assert_int_equal(m.r.line, 8); /* the physical line count went on inside the quotes */
    expect_end(&m);
    mem_close(&m);
}

static void test_empty_fields_and_lines(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m, "\n\r\n,,\na,\n\n\n,b\n\n", 0, 0);
    expect_row(&m, (const char *[]){"", "", "", NULL});
    assert_int_equal(m.r.line, 3);
    expect_row(&m, (const char *[]){"a", "", NULL});
    expect_row(&m, (const char *[]){"", "b", NULL});
    assert_int_equal(m.r.line, 7);
    expect_end(&m);
    mem_close(&m);
}

static void test_bom(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m, "\xEF\xBB\xBF一级分类,二级分类\n城乡建设,安全生产\n", 0, 0);
    expect_row(&m, (const char *[]){"一级分类", "二级分类", NULL});
    assert_int_equal(csv_find(&m.r, "二级分类"), 1);
    assert_int_equal(csv_find(&m.r, "三级分类"), -1);
    expect_row(&m, (const char *[]){"城乡建设", "安全生产", NULL});
    expect_end(&m);
    mem_close(&m);

    /* a leading EF byte that is not a BOM (full-width comma U+FF0C) is kept */
    mem_open(&m, "\xEF\xBC\x8C,x\n", 0, 0);
    expect_row(&m, (const char *[]){"\xEF\xBC\x8C", "x", NULL});
    expect_end(&m);
    mem_close(&m);

    /* a BOM only once: a second one is data */
    mem_open(&m,
             "\xEF\xBB\xBF\xEF\xBB\xBF"
             "a\n",
             0, 0);
    expect_row(&m, (const char *[]){"\xEF\xBB\xBF"
                                    "a",
                                    NULL});
    mem_close(&m);
}

static void test_nul_byte_and_length(void **state)
{
    (void)state;
    static const char text[] = "a\0b,c\n";
    struct mem m;
    mem_open(&m, text, sizeof text - 1, 0);
    bool got = false;
    assert_int_equal(csv_next(&m.r, &got, &m.e), 0);
    assert_true(got);
    assert_int_equal(csv_field_len(&m.r, 0), 3);
    assert_memory_equal(csv_field(&m.r, 0), "a\0b", 3);
    assert_int_equal(csv_field_len(&m.r, 1), 1);
    assert_string_equal(csv_field(&m.r, 7), "");
    assert_int_equal(csv_field_len(&m.r, -1), 0);
    mem_close(&m);
}

static void test_stray_quote_in_unquoted_field(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m, "5 \"inch\",x\n", 0, 0);
    expect_row(&m, (const char *[]){"5 \"inch\"", "x", NULL});
    mem_close(&m);
}

static void test_errors(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m, "a,b\n1,\"open\nnever closed\n", 0, 0);
    expect_error(&m, -JS_EINVAL);
    assert_non_null(strstr(m.e.message, "第 2 行"));
    mem_close(&m);

    mem_open(&m, "1,\"quoted\"tail,3\n", 0, 0);
    expect_error(&m, -JS_EINVAL);
    mem_close(&m);

    mem_open(&m, "short,0123456789abcdef\n", 0, 8);
    expect_error(&m, -JS_ETOOLARGE);
    assert_non_null(strstr(m.e.message, "第 2 个字段"));
    mem_close(&m);

    /* exactly at the cap is fine */
    mem_open(&m, "12345678,\"abcdefgh\"\n", 0, 8);
    expect_row(&m, (const char *[]){"12345678", "abcdefgh", NULL});
    mem_close(&m);

    /* too many fields */
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i <= CSV_DEFAULT_MAX_FIELDS; i++)
        assert_int_equal(buf_puts(&b, i ? ",x" : "x"), 0);
    mem_open(&m, b.data, b.len, 0);
    expect_error(&m, -JS_ETOOLARGE);
    mem_close(&m);
    buf_release(&b);
}

static void test_big_field_streams(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "k,\""), 0);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(buf_puts(&b, i % 100 == 99 ? "噪音\"\"\n" : "噪音"), 0);
    assert_int_equal(buf_puts(&b, "\"\nnext,row\n"), 0);
    struct mem m;
    mem_open(&m, b.data, b.len, 0);
    bool got = false;
    assert_int_equal(csv_next(&m.r, &got, &m.e), 0);
    assert_true(got);
    assert_int_equal(csv_count(&m.r), 2);
    /* 20000 × 6 bytes, plus 200 × (quote + newline) */
    assert_int_equal(csv_field_len(&m.r, 1), 20000 * 6 + 200 * 2);
    expect_row(&m, (const char *[]){"next", "row", NULL});
    assert_int_equal(m.r.line, 202);
    expect_end(&m);
    mem_close(&m);
    buf_release(&b);
}

/* Reads a whole data file: returns the number of data records, checks every record has the
 * header's width, and hands the first data record's field fi to first (may be NULL). */
static long read_file(const char *name, int width, int fi, char *first, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/%s", tu_shared(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct csv_reader r;
    csv_init(&r, f, 0);
    struct js_error e;
    js_error_clear(&e);
    bool got = false;
    long rows = -1;
    int rc;
    while ((rc = csv_next(&r, &got, &e)) == 0 && got) {
        assert_int_equal(csv_count(&r), width);
        if (rows == 0 && first)
            snprintf(first, n, "%s", csv_field(&r, fi));
        rows++;
    }
    if (rc)
        fail_msg("%s: %s", name, e.message);
    csv_release(&r);
    fclose(f);
    return rows;
}

static void test_real_files(void **state)
{
    (void)state;
    char first[256];
    /* row counts from the data set's README */
    assert_int_equal(read_file("categories.csv", 3, 0, first, sizeof first), 517);
    assert_string_equal(first, "城乡建设");
    assert_int_equal(read_file("messages_with_votes.csv", 7, 2, first, sizeof first), 4326);
    assert_string_equal(first, "A3区一米阳光婚纱艺术摄影是否合法纳税了？");
    assert_int_equal(read_file("messages_with_replies.csv", 7, 2, first, sizeof first), 2816);
    assert_string_equal(first, "A2区景蓉华苑物业管理有问题");
}

/* The writer: plain text as it is, quoting when needed, and cells a spreadsheet would take for a
 * formula defused with a leading apostrophe (OWASP), in a buffer and in a FILE alike. */
static void expect_written(const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(csv_put_field(&b, in), 0);
    assert_string_equal(b.data ? b.data : "", want);
    buf_release(&b);

    char out[256] = {0};
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    assert_non_null(f);
    assert_int_equal(csv_write_field(f, in), 0);
    fclose(f);
    assert_string_equal(out, want);
}

static void test_writer(void **state)
{
    (void)state;
    expect_written("小区噪音", "小区噪音");
    expect_written("", "");
    expect_written(NULL, "");
    expect_written("a,b", "\"a,b\"");
    expect_written("say \"hi\"", "\"say \"\"hi\"\"\"");
    expect_written("两行\n文字", "\"两行\n文字\"");
    /* formula injection */
    expect_written("=1+1", "'=1+1");
    expect_written("=HYPERLINK(\"http://evil\",\"点我\")",
                   "\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"");
    expect_written("+8613812341111", "'+8613812341111");
    expect_written("-2+3", "'-2+3");
    expect_written("@SUM(A1:A9)", "'@SUM(A1:A9)");
    expect_written("\t=1", "'\t=1");
    expect_written("\r=1", "\"'\r=1\"");
    expect_written("=cmd|' /C calc'!A0,x", "\"'=cmd|' /C calc'!A0,x\"");
    /* only the first character counts */
    expect_written("a=1", "a=1");
    expect_written(" =1", " =1");
    expect_written("'=1", "'=1");
    assert_true(csv_cell_risky("=x"));
    assert_false(csv_cell_risky("x="));
    assert_false(csv_cell_risky(""));
    assert_false(csv_cell_risky(NULL));
}

/* What the writer wrote reads back (apostrophe included) through the reader. */
static void test_writer_roundtrip(void **state)
{
    (void)state;
    static const char *const cells[] = {"普通",     "a,b", "\"q\"", "多\r\n行",
                                        "=SUM(A1)", "-1",  "@x",    ""};
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < JS_ARRAY_LEN(cells); i++) {
        if (i)
            assert_int_equal(buf_puts(&b, ","), 0);
        assert_int_equal(csv_put_field(&b, cells[i]), 0);
    }
    assert_int_equal(buf_puts(&b, "\r\n"), 0);
    struct mem m;
    mem_open(&m, b.data, b.len, 0);
    expect_row(&m, (const char *const[]){"普通", "a,b", "\"q\"", "多\r\n行", "'=SUM(A1)", "'-1",
                                         "'@x", "", NULL});
    expect_end(&m);
    mem_close(&m);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_lf_and_crlf),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_empty_fields_and_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_nul_byte_and_length),
        cmocka_unit_test(test_stray_quote_in_unquoted_field),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_big_field_streams),
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Character folding (see fold.h). The t2s table maps every CJK code point whose simplified form
 * is a single other code point; OpenCC converts the whole block once, one character per line,
 * so that no phrase rule spans two characters. */
#include "compat.h"
#include "text/fold.h"

#include <opencc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/jfield.h"

/* The ranges converted: CJK extension A, the unified ideographs, compatibility ideographs. */
static const struct {
    uint32_t lo, hi;
} ranges[] = {{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}};

#define TABLE_LO 0x3400
#define TABLE_HI 0xFAFF

static uint16_t *t2s; /* index cp - TABLE_LO → simplified cp (0: unchanged) */
static pthread_once_t t2s_once = PTHREAD_ONCE_INIT;

uint32_t text_next_cp(const char **pp)
{
    const unsigned char *q = (const unsigned char *)*pp;
    uint32_t c = q[0];
    int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (n)
        c &= 0x3F >> n;
    int i = 1;
    for (; i <= n && q[i]; i++)
        c = (c << 6) | (q[i] & 0x3F);
    *pp = (const char *)(q + i);
    return c;
}

int text_put_cp(struct buf *out, uint32_t c)
{
    char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return buf_append(out, b, n);
}

static void build_table(void)
{
    struct buf all;
    opencc_t cc = opencc_open("t2s.json");
    buf_init(&all, 0);
    uint16_t *table = calloc(TABLE_HI - TABLE_LO + 1, sizeof *table);
    if (cc == (opencc_t)-1 || !table) {
        fprintf(stderr,
                "jiesu: OpenCC t2s is unavailable: traditional characters are not folded\n");
        goto out;
    }
    for (size_t r = 0; r < JS_ARRAY_LEN(ranges); r++)
        for (uint32_t c = ranges[r].lo; c <= ranges[r].hi; c++)
            if (text_put_cp(&all, c) || buf_append(&all, "\n", 1))
                goto out;
    char *conv = opencc_convert_utf8(cc, all.data, all.len);
    if (!conv)
        goto out;
    const char *p = conv;
    for (size_t r = 0; r < JS_ARRAY_LEN(ranges); r++)
        for (uint32_t c = ranges[r].lo; c <= ranges[r].hi && *p; c++) {
            const char *line = p;
            const char *nl = strchr(p, '\n');
            if (!nl)
                break;
            p = nl + 1;
            const char *q = line;
            uint32_t s = text_next_cp(&q);
            if (q == nl && s != c && s >= TABLE_LO && s <= TABLE_HI)
                table[c - TABLE_LO] = (uint16_t)s;
        }
    opencc_convert_utf8_free(conv);
    t2s = table;
    table = NULL;
out:
    free(table);
    buf_release(&all);
    if (cc != (opencc_t)-1)
        opencc_close(cc);
}

uint32_t text_fold_cp(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    if (c >= 0xFF01 && c <= 0xFF5E) /* full-width ASCII */
        return text_fold_cp(c - 0xFF01 + 0x21);
    if (c == 0x3000)
        return ' ';
    if (c >= TABLE_LO && c <= TABLE_HI) {
        pthread_once(&t2s_once, build_table);
        if (t2s && t2s[c - TABLE_LO])
            return t2s[c - TABLE_LO];
    }
    return c;
}

int text_fold(const char *text, struct buf *out)
{
    if (!text)
        return -JS_EINVAL;
    if (utf8_len(text) == (size_t)-1)
        return -JS_EUTF8;
    int rc = buf_append(out, "", 0);
    const char *p = text;
    while (!rc && *p)
        rc = text_put_cp(out, text_fold_cp(text_next_cp(&p)));
    return rc;
}

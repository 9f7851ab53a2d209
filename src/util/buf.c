/* Growable buffer with a size cap, used for all text the program builds. */
#include "compat.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_LIMIT ((size_t)64 << 20)

void buf_init(struct buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit ? limit : BUF_DEFAULT_LIMIT;
}

void buf_release(struct buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int reserve(struct buf *b, size_t extra)
{
    if (extra > b->limit || b->len > b->limit - extra)
        return -JS_ETOOLARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -JS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_reserve(struct buf *b, size_t extra)
{
    return reserve(b, extra);
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_put_int(struct buf *b, int64_t v)
{
    char t[24];
    size_t i = sizeof t;
    /* through the unsigned magnitude, so that INT64_MIN has one */
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        t[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        t[--i] = '-';
    return buf_append(b, t + i, sizeof t - i);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -JS_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_steal(struct buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

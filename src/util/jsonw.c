/* Compact JSON text of a jansson value, written into a buf (see jsonw.h). json_dumps makes a
 * callback for every token and formats every integer with snprintf; on an order's answer that
 * was about a sixth of the server's instructions for a lifecycle action. */
#include "compat.h"

#include "util/jsonw.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

enum { JSONW_MAX_DEPTH = 2048 };

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 if there is none: no
 * overlong forms, no surrogates, nothing above U+10FFFF (jansson's own rules). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* What a byte of a string becomes: itself, a two-character escape, a \u00XX escape, or the lead
 * of a multi-byte character to check. */
enum { CH_PLAIN, CH_ESC2, CH_ESC6, CH_LEAD };

static unsigned char ch_class[256];

static void ch_class_init(void)
{
    for (int c = 0; c < 256; c++)
        ch_class[c] = c < 0x20 ? CH_ESC6 : c < 0x80 ? CH_PLAIN : CH_LEAD;
    ch_class['"'] = ch_class['\\'] = ch_class['\b'] = ch_class['\f'] = CH_ESC2;
    ch_class['\n'] = ch_class['\r'] = ch_class['\t'] = CH_ESC2;
}

static pthread_once_t ch_once = PTHREAD_ONCE_INIT;

/* Two passes: the first checks the UTF-8 and counts what the escapes add, so that the second
 * writes into room reserved once, and copies a string that needs no escape whole. */
static int put_string(struct buf *b, const char *str, size_t n)
{
    pthread_once(&ch_once, ch_class_init);
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    size_t extra = 0;
    for (size_t i = 0; i < n;) {
        switch (ch_class[s[i]]) {
        case CH_PLAIN:
            i++;
            break;
        case CH_ESC2:
            extra += 1;
            i++;
            break;
        case CH_ESC6:
            extra += 5;
            i++;
            break;
        default: {
            size_t len = utf8_seq(s + i, n - i);
            if (!len)
                return -JS_EINVAL;
            i += len;
        }
        }
    }
    if (n + 2 < n || n + 2 + extra < extra)
        return -JS_ETOOLARGE;
    int rc = buf_reserve(b, n + 2 + extra);
    if (rc)
        return rc;
    char *o = b->data + b->len;
    *o++ = '"';
    if (!extra) {
        memcpy(o, s, n);
        o += n;
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = s[i];
            switch (ch_class[c]) {
            case CH_ESC2:
                *o++ = '\\';
                *o++ = c == '"'    ? '"'
                       : c == '\\' ? '\\'
                       : c == '\b' ? 'b'
                       : c == '\f' ? 'f'
                       : c == '\n' ? 'n'
                       : c == '\r' ? 'r'
                                   : 't';
                break;
            case CH_ESC6:
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
                break;
            default:
                *o++ = (char)c;
            }
        }
    }
    *o++ = '"';
    *o = 0;
    b->len = (size_t)(o - b->data);
    return 0;
}

/* One byte of punctuation, without buf_append's call when there is room. */
static int put_ch(struct buf *b, char c)
{
    if (b->cap - b->len > 1 && b->len < b->limit) {
        b->data[b->len++] = c;
        b->data[b->len] = 0;
        return 0;
    }
    return buf_append(b, &c, 1);
}

static int put_value(struct buf *b, const json_t *v, int depth)
{
    if (!v || depth > JSONW_MAX_DEPTH)
        return -JS_EINVAL;
    int rc = 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        rc = put_ch(b, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); !rc && it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first)
                rc = put_ch(b, ',');
            first = false;
            if (!rc)
                rc = put_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
            if (!rc)
                rc = put_ch(b, ':');
            if (!rc)
                rc = put_value(b, json_object_iter_value(it), depth + 1);
        }
        return rc ? rc : put_ch(b, '}');
    }
    case JSON_ARRAY: {
        rc = put_ch(b, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; !rc && i < n; i++) {
            if (i)
                rc = put_ch(b, ',');
            if (!rc)
                rc = put_value(b, json_array_get(v, i), depth + 1);
        }
        return rc ? rc : put_ch(b, ']');
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return buf_put_int(b, (int64_t)json_integer_value(v));
    case JSON_REAL: {
        /* rare (coordinates): jansson's own %.17g with its ".0" and exponent rules */
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return -JS_EINVAL;
        rc = buf_puts(b, text);
        free(text);
        return rc;
    }
    case JSON_TRUE:
        return buf_append(b, "true", 4);
    case JSON_FALSE:
        return buf_append(b, "false", 5);
    case JSON_NULL:
        return buf_append(b, "null", 4);
    }
    return -JS_EINVAL;
}

int jsonw_put_str(struct buf *b, const char *s, size_t n)
{
    return put_string(b, s, n); /* writes nothing unless it succeeds */
}

int jsonw_put(struct buf *b, const json_t *v)
{
    size_t mark = b->len;
    int rc = put_value(b, v, 0);
    if (rc) {
        b->len = mark;
        if (b->data)
            b->data[mark] = 0;
    }
    return rc;
}

char *jsonw_dumps(const json_t *v)
{
    struct buf b;
    buf_init(&b, 0);
    char *out = jsonw_put(&b, v) == 0 ? buf_steal(&b) : NULL;
    buf_release(&b);
    return out;
}

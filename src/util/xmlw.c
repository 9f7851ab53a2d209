/* The XML writer: escaping, elements, and JSON written as XML by the Spark convention. */
#include "compat.h"
#include "util/xmlw.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

int xmlw_text(struct buf *b, const char *s)
{
    int rc = 0;
    const char *run = s;
    for (const char *p = s; p && *p && !rc; p++) {
        unsigned char ch = (unsigned char)*p;
        const char *rep = NULL;
        switch (ch) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
                rep = ""; /* not allowed in XML 1.0 */
        }
        if (!rep)
            continue;
        rc = buf_append(b, run, (size_t)(p - run));
        if (!rc)
            rc = buf_puts(b, rep);
        run = p + 1;
    }
    if (!rc && run)
        rc = buf_puts(b, run);
    return rc;
}

int xmlw_elem(struct buf *b, const char *name, const char *text)
{
    if (!text || !*text)
        return buf_printf(b, "<%s/>", name);
    int rc = buf_printf(b, "<%s>", name);
    if (!rc)
        rc = xmlw_text(b, text);
    if (!rc)
        rc = buf_printf(b, "</%s>", name);
    return rc;
}

static int value(struct buf *b, const char *name, const json_t *v, xmlw_item_fn item, int depth);

static int children(struct buf *b, const char *name, const json_t *v, xmlw_item_fn item, int depth)
{
    int rc = 0;
    if (json_is_object(v)) {
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            if ((rc = value(b, k, x, item, depth + 1)))
                break;
        }
    } else {
        const char *child = item ? item(name) : NULL;
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            if ((rc = value(b, child ? child : "item", x, item, depth + 1)))
                break;
        }
    }
    return rc;
}

static int value(struct buf *b, const char *name, const json_t *v, xmlw_item_fn item, int depth)
{
    char num[64];
    if (depth > 32)
        return -JS_ETOOLARGE;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
    case JSON_ARRAY: {
        if ((json_is_object(v) && !json_object_size(v)) ||
            (json_is_array(v) && !json_array_size(v)))
            return buf_printf(b, "<%s/>", name);
        int rc = buf_printf(b, "<%s>", name);
        if (!rc)
            rc = children(b, name, v, item, depth);
        if (!rc)
            rc = buf_printf(b, "</%s>", name);
        return rc;
    }
    case JSON_STRING:
        return xmlw_elem(b, name, json_string_value(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return xmlw_elem(b, name, num);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.10g", json_real_value(v));
        return xmlw_elem(b, name, num);
    case JSON_TRUE:
        return xmlw_elem(b, name, "true");
    case JSON_FALSE:
        return xmlw_elem(b, name, "false");
    default:
        return xmlw_elem(b, name, NULL);
    }
}

int xmlw_document(struct buf *b, const char *root, const json_t *v, xmlw_item_fn item)
{
    if (!json_is_object(v) && !json_is_array(v))
        return -JS_EINVAL;
    int rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    if (!rc)
        rc = value(b, root, v, item, 0);
    if (!rc)
        rc = buf_puts(b, "\n");
    return rc;
}

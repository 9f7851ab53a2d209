/* A small XML writer (issue 15, Open311): elements and escaped text appended to a struct buf,
 * and the Spark-convention mapping of a JSON value to XML that Open311 GeoReport v2 uses. */
#ifndef JIESU_XMLW_H
#define JIESU_XMLW_H

#include <jansson.h>

#include "util/buf.h"

/* Appends s with the five XML specials escaped (&amp; &lt; &gt; &quot; &apos;); characters XML
 * 1.0 does not allow (controls other than tab, LF and CR) are dropped. Returns 0 or a buf
 * error. */
int xmlw_text(struct buf *b, const char *s);
/* Appends <name>escaped text</name> (an empty element <name/> for NULL or ""). name must be an
 * XML name (not checked beyond being non-empty). Returns 0 or a buf error. */
int xmlw_elem(struct buf *b, const char *name, const char *text);

/* Names the element of each member of an array found under parent ("services" → "service");
 * NULL when there is none (the writer then uses "item"). */
typedef const char *(*xmlw_item_fn)(const char *parent);

/* Appends the XML declaration and v as the document element root, by the Spark convention:
 * an object's members become child elements in their order, an array's items repeat the
 * element item(parent), strings are escaped text, numbers and booleans their JSON text, null
 * an empty element. Returns 0, -JS_EINVAL for a root that is neither an object nor an array,
 * or a buf error. */
int xmlw_document(struct buf *b, const char *root, const json_t *v, xmlw_item_fn item);

#endif

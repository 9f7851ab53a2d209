/* The one growable byte buffer: always NUL-terminated, with a size cap. */
#ifndef JIESU_BUF_H
#define JIESU_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data;   /* owned; NUL-terminated when len > 0 or after any append */
    size_t len;   /* bytes used, not counting the NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* the most len may reach; 0 means 64 MiB */
};

/* Prepares an empty buffer that may grow to limit bytes (0: 64 MiB). */
void buf_init(struct buf *b, size_t limit);
/* Frees the storage; b may be reused after buf_init. Accepts NULL. */
void buf_release(struct buf *b);
/* Appends n bytes; returns 0, -JS_ENOMEM, or -JS_ETOOLARGE past the limit (b unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);
/* Makes room for extra more bytes and the NUL after them, leaving len as it is: a writer may
 * then fill up to extra bytes at data + len itself, add them to len and write the NUL. Returns 0,
 * -JS_ENOMEM, or -JS_ETOOLARGE when len + extra would pass the limit. */
int buf_reserve(struct buf *b, size_t extra);
/* Appends a NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);
/* Appends v in decimal, without printf's cost. */
int buf_put_int(struct buf *b, int64_t v);
/* Appends printf-formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Hands the storage to the caller (who frees it with free()) and empties b. Never NULL unless
 * out of memory. */
char *buf_steal(struct buf *b);

#endif

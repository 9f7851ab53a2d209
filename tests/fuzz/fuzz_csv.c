/* libFuzzer target: the CSV reader (src/util/csv.c) over any bytes, and the writer's round trip:
 * every field read, written back by csv_put_field after a first field, reads back as the same
 * text (with the apostrophe of a defused cell). */
#include "compat.h"
#include "util/buf.h"
#include "util/csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void roundtrip(const char *field)
{
    struct buf b;
    buf_init(&b, 0);
    if (buf_puts(&b, "a,") || csv_put_field(&b, field) || buf_puts(&b, "\r\n"))
        abort();
    FILE *f = fmemopen(b.data, b.len, "r");
    if (!f)
        abort();
    struct csv_reader r;
    struct js_error e;
    bool got = false;
    csv_init(&r, f, 0);
    if (csv_next(&r, &got, &e) || !got || csv_count(&r) != 2)
        abort();
    const char *back = csv_field(&r, 1);
    if (csv_cell_risky(field) ? (back[0] != '\'' || strcmp(back + 1, field) != 0)
                              : strcmp(back, field) != 0)
        abort(); /* the writer and the reader disagree */
    csv_release(&r);
    fclose(f);
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    struct csv_reader r;
    struct js_error e;
    csv_init(&r, f, 4096);
    for (int n = 0; n < 1000; n++) {
        bool got = false;
        if (csv_next(&r, &got, &e) || !got)
            break;
        for (int i = 0; i < csv_count(&r) && i < 8; i++)
            if (strlen(csv_field(&r, i)) == csv_field_len(&r, i)) /* no NUL inside */
                roundtrip(csv_field(&r, i));
    }
    csv_release(&r);
    fclose(f);
    return 0;
}

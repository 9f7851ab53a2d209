/* libFuzzer target: assessment schemes (src/core/scheme.c), a whole scheme document and a lone
 * expression over three names, compiled and, when accepted, evaluated for a few units. */
#include "compat.h"
#include "core/scheme.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int lookup(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    static const char *const names[] = {"a", "b", "推诿率"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return i;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct js_error e;
    struct scheme *s = NULL;
    if (scheme_parse((const char *)data, size, &s, &e) == 0)
        scheme_free(s);

    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    struct expr_names names = {lookup, NULL};
    struct expr *x = NULL;
    if (expr_compile(src, &names, "formula", &x, &e) == 0) {
        double vars[4 * 3] = {1, 2, 3, 0, 0, 0, -1, 5, 0.5, 7, 7, 7}, out[4];
        int group[4] = {0, 0, 1, 0};
        bool member[4] = {true, true, true, false};
        if (expr_eval(x, 4, vars, 3, group, member, out))
            abort();
        expr_free(x);
    }
    free(src);
    return 0;
}

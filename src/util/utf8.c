/* UTF-8 lengths and cuts on character boundaries. */
#include "compat.h"
#include "util/utf8.h"

#include <string.h>

size_t utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        int len;
        unsigned c = *p;
        if (c < 0x80)
            len = 1;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
            len = 2;
        else if ((c & 0xF0) == 0xE0)
            len = 3;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
            len = 4;
        else
            return (size_t)-1;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return (size_t)-1;
        p += len;
        n++;
    }
    return n;
}

/* A continuation byte (10xxxxxx). */
static int cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The number of bytes the sequence led by c has, 1 for ASCII and for bytes that lead nothing. */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

int utf8_clip(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strnlen((const char *)p, max + 1);
    if (n <= max)
        return (int)n;
    n = max; /* p[max] exists: cut before it, and before the character it may continue */
    while (n > 0 && cont(p[n]))
        n--;
    return (int)n;
}

void utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && n - i < 4 && cont((unsigned char)s[i - 1]))
        i--;
    /* s[i - 1] leads the last sequence if it is not ASCII: cut it when it lacks bytes */
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0 && seq_len((unsigned char)s[i - 1]) > n - i + 1)
        s[i - 1] = '\0';
}

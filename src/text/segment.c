/* Chinese text into words for search and matching: traditional characters become simplified
 * ones (text/fold.h: OpenCC's t2s table, one lookup per character), friso (mmseg, complex mode)
 * cuts the text into dictionary words. */
#include "compat.h"
#include "text/segment.h"
#include "text/fold.h"

#include <friso.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jfield.h"

#define DEFAULT_INI "/etc/friso/friso.ini"

/* friso note: friso 1.6.4 keeps the dictionary read-only during segmentation except for one
 * field: next_mmseg_token stores each token's offset into the shared dictionary entry
 * (lex->offset). helgrind shows that as the only conflicting access. Cutting is serialised by
 * friso_lock rather than tolerating the race: ~0.9 ms per 1 KB message is far above what intake
 * needs (a large city's hotline takes about one request a second), and one dictionary per
 * thread would cost 22 MB each. */
struct segmenter {
    pthread_mutex_t friso_lock;
    bool friso_lock_ready;
    friso_t friso;         /* dictionary, shared by every call */
    friso_config_t config; /* read-only once loaded */
};

int segmenter_open(const char *ini, struct segmenter **out, struct js_error *e)
{
    int rc = 0;
    struct segmenter *s = NULL;
    *out = NULL;
    if (!ini)
        ini = DEFAULT_INI;
    FILE *f = fopen(ini, "r");
    if (!f)
        return js_fail(e, JS_EIO, "", "cannot open the friso configuration %s", ini);
    fclose(f);

    s = calloc(1, sizeof *s);
    if (!s)
        return js_fail(e, JS_ENOMEM, "", "out of memory opening the segmenter");
    if (pthread_mutex_init(&s->friso_lock, NULL) != 0) {
        rc = js_fail(e, JS_EINTERNAL, "", "cannot create the friso lock");
        goto out;
    }
    s->friso_lock_ready = true;
    s->friso = friso_new();
    s->config = friso_new_config();
    if (!s->friso || !s->config) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory opening friso");
        goto out;
    }
    if (friso_init_from_ifile(s->friso, s->config, (fstring)ini) != 1 || !s->friso->dic ||
        friso_all_dic_size(s->friso->dic) == 0) {
        rc = js_fail(e, JS_EIO, "", "friso loaded no dictionary from %s: check friso.lex_dir", ini);
        goto out;
    }
    /* Words only, as the text has them: no synonyms appended, stopwords kept. */
    friso_set_mode(s->config, __FRISO_COMPLEX_MODE__);
    s->config->add_syn = 0;
    s->config->clr_stw = 0;
    s->config->spx_out = 0;

    *out = s;
    s = NULL;
out:
    segmenter_free(s);
    return rc;
}

void segmenter_free(struct segmenter *s)
{
    if (!s)
        return;
    if (s->friso_lock_ready)
        pthread_mutex_destroy(&s->friso_lock);
    if (s->config)
        friso_free_config(s->config);
    if (s->friso)
        friso_free(s->friso);
    free(s);
}

int segmenter_simplify(struct segmenter *s, const char *text, struct buf *out)
{
    if (!s || !text)
        return -JS_EINVAL;
    return text_fold(text, out);
}

/* Decodes the code point at *p (valid UTF-8) and advances p. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *q = *p;
    uint32_t c = q[0];
    int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (n)
        c &= 0x3F >> n;
    for (int i = 1; i <= n && q[i]; i++)
        c = (c << 6) | (q[i] & 0x3F);
    *p = q + 1 + n;
    return c;
}

/* True for code points that carry meaning in a word: letters, digits, CJK, units such as ℃;
 * false for spaces, punctuation and decorative symbols. */
static bool is_word_cp(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c <= 0xBF || c == 0xD7 || c == 0xF7)
        return false; /* Latin-1 spaces, punctuation, signs */
    if (c >= 0x2000 && c <= 0x206F)
        return false; /* general punctuation: dashes, quotes, ellipsis */
    if (c >= 0x2190 && c <= 0x2BFF)
        return false; /* arrows, operators, boxes, shapes, dingbats */
    if (c >= 0x3000 && c <= 0x303F)
        return c >= 0x3005 && c <= 0x3007; /* CJK punctuation, but 々 〆 〇 are word parts */
    if ((c >= 0xFE10 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F))
        return false; /* vertical and small forms of punctuation */
    if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
        return false; /* full-width punctuation */
    return true;
}

static bool is_word(const char *w)
{
    const unsigned char *p = (const unsigned char *)w;
    while (*p)
        if (is_word_cp(next_cp(&p)))
            return true;
    return false;
}

static void ascii_lower(char *w)
{
    for (; *w; w++)
        if (*w >= 'A' && *w <= 'Z')
            *w = (char)(*w - 'A' + 'a');
}

int segmenter_cut(struct segmenter *s, const char *text, struct buf *out)
{
    int rc = 0;
    struct buf simple;
    friso_task_t task = NULL;
    const size_t start = out->len;
    bool first = true;
    if (!s || !text)
        return -JS_EINVAL;
    if (utf8_len(text) == (size_t)-1)
        return -JS_EUTF8;
    rc = buf_append(out, "", 0);
    if (rc || !text[0])
        return rc;
    buf_init(&simple, 0);
    if ((rc = text_fold(text, &simple)) != 0)
        goto out;
    task = friso_new_task();
    if (!task) {
        rc = -JS_ENOMEM;
        goto out;
    }
    friso_set_text(task, simple.data);
    friso_token_t tok;
    pthread_mutex_lock(&s->friso_lock);
    while ((tok = s->config->next_token(s->friso, s->config, task)) != NULL) {
        /* not tok->type: friso types CJK characters missing from its dictionary (e.g. 堃)
         * as punctuation too */
        if (!is_word(tok->word))
            continue;
        ascii_lower(tok->word);
        /* separate from what out already held, and words from each other */
        bool sep = first ? out->len > 0 && out->data[out->len - 1] != ' ' : true;
        first = false;
        if ((sep && (rc = buf_append(out, " ", 1)) != 0) || (rc = buf_puts(out, tok->word)) != 0)
            break;
    }
    pthread_mutex_unlock(&s->friso_lock);
out:
    if (task)
        friso_free_task(task);
    buf_release(&simple);
    if (rc && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

static struct segmenter *default_seg;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void open_default(void)
{
    struct js_error e;
    if (segmenter_open(NULL, &default_seg, &e) != 0) {
        fprintf(stderr, "jiesu: text segmenter unavailable: %s\n", e.message);
        default_seg = NULL;
    }
}

struct segmenter *segmenter_default(void)
{
    pthread_once(&default_once, open_default);
    return default_seg;
}

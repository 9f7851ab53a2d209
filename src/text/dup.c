/* Duplicate/repeat scoring: IDF-weighted character bigrams (the IDF of the 1,100 commonest
 * hotline bigrams was learnt once from the 4,326 TipDM messages, every other bigram counts as
 * rare), place names cut out of the text around place suffixes (小区, 苑, 路, 学校 ...),
 * district codes (A3区, A7县), and the caller. No friso here: bigrams are robust to reworded
 * titles and unknown estate names, and cost microseconds. */
#include "compat.h"
#include "text/dup.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define DEFAULT_IDF    6.0 /* bigrams outside the table: seen in fewer than ~100 of 4,326 messages */
#define PLACE_MIN_W    3.0 /* place bigrams commoner than this (小区, 东路 ...) say nothing */
#define TERM_MIN_W     4.0 /* a shared distinctive term is made of bigrams at least this rare */
#define PLACE_PREFIX   4   /* characters kept before a place suffix */
#define PLACE_DAMP     0.3 /* weight left to place bigrams in the text similarity */
#define MAX_TEXT       (64u << 10)
#define NAME_MIN       2   /* characters a place name needs before its suffix */
#define PLACE_CONFLICT 0.5 /* place_novel from which the places are said to differ */

/* Common hotline bigrams and their IDF x 100 (ln(4326 / document frequency)). */
static const struct {
    const char *bg;
    int idf100;
} idf_table[] = {
#include "text/dup_idf.inc"
};

#define IDF_SLOTS 4096    /* open-addressing table, a power of two above 2 x the IDF table */
static uint64_t *idf_key; /* keys of idf_table by slot; 0 = empty (no bigram has key 0) */
static float *idf_val;    /* weights in the same slots */
static int idf_n;
static pthread_once_t idf_once = PTHREAD_ONCE_INIT;

/* Place suffixes, as UTF-8. */
static const char *const place_suffix[] = {
    "小区", "花园", "家园", "新城", "公寓", "苑",   "广场",   "小学", "中学", "学院", "学校",
    "医院", "公园", "大道", "路",   "街",   "村",   "社区",   "镇",   "街道", "大厦", "商城",
    "驾校", "城",   "府",   "湾",   "园",   "公司", "幼儿园", "市场", "站",
};

static inline uint64_t bkey(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 21) | b;
}

/* Decodes one UTF-8 sequence at *p (advancing it); returns the code point or 0xFFFD. */
static uint32_t utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = 0;
    if (c < 0x80)
        n = 0;
    else if ((c & 0xE0) == 0xC0)
        n = 1, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 2, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 3, c &= 0x07;
    else {
        *p = s + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + i;
            return 0xFFFD;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *p = s + n + 1;
    return c;
}

/* Folds c to the alphabet the scorer keeps (CJK, lower-case ASCII letters and digits) or 0. */
static uint32_t fold(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E) /* full-width ASCII */
        c -= 0xFEE0;
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return c;
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0xF900 && c <= 0xFAFF))
        return c;
    return 0;
}

/* Appends the kept code points of s to *cp (capacity *cap). Returns 0 or -JS_ENOMEM. */
static int to_cps(const char *s, uint32_t **cp, int *n, int *cap)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = fold(utf8_next(&p));
        if (!c)
            continue;
        if (*n == *cap) {
            int nc = *cap ? *cap * 2 : 256;
            uint32_t *m = realloc(*cp, (size_t)nc * sizeof **cp);
            if (!m)
                return -JS_ENOMEM;
            *cp = m;
            *cap = nc;
        }
        (*cp)[(*n)++] = c;
    }
    return 0;
}

/* Sorts k[0..n) ascending: quicksort (median of three) with insertion sort for short runs; the
 * recursion goes into the smaller half. Far cheaper than qsort's callbacks for these keys. */
static void sort_u64(uint64_t *k, int n)
{
    while (n > 16) {
        uint64_t a = k[0], b = k[n / 2], c = k[n - 1];
        uint64_t piv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        int i = 0, j = n - 1;
        for (;;) {
            while (k[i] < piv)
                i++;
            while (k[j] > piv)
                j--;
            if (i >= j)
                break;
            uint64_t t = k[i];
            k[i++] = k[j];
            k[j--] = t;
        }
        /* k[0..j] <= piv <= k[j+1..n) */
        if (j + 1 < n - j - 1) {
            sort_u64(k, j + 1);
            k += j + 1;
            n -= j + 1;
        } else {
            sort_u64(k + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (int i = 1; i < n; i++) {
        uint64_t x = k[i];
        int j = i;
        while (j > 0 && k[j - 1] > x) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = x;
    }
}

static uint32_t suf_first[0x10000 / 32]; /* bit c set: some place suffix starts with c */

/* Whether some place suffix starts with c (all of them are in the BMP). */
static inline bool suffix_start(uint32_t c)
{
    return c < 0x10000 && (suf_first[c >> 5] >> (c & 31)) & 1u;
}

static inline unsigned idf_slot(uint64_t key)
{
    return (unsigned)((key * 0x9E3779B97F4A7C15u) >> 52) & (IDF_SLOTS - 1);
}

static uint32_t suf[JS_ARRAY_LEN(place_suffix)][4]; /* place_suffix as code points */
static int suf_len[JS_ARRAY_LEN(place_suffix)];

static void idf_init(void)
{
    for (size_t s = 0; s < JS_ARRAY_LEN(place_suffix); s++) {
        const unsigned char *p = (const unsigned char *)place_suffix[s];
        int m = 0;
        while (*p && m < 4)
            suf[s][m++] = utf8_next(&p);
        suf_len[s] = m;
        if (suf[s][0] < 0x10000)
            suf_first[suf[s][0] >> 5] |= 1u << (suf[s][0] & 31);
    }
    int n = (int)JS_ARRAY_LEN(idf_table);
    uint64_t *k = calloc(IDF_SLOTS, sizeof *k);
    float *v = calloc(IDF_SLOTS, sizeof *v);
    if (!k || !v || 2 * n > IDF_SLOTS) {
        free(k);
        free(v);
        return; /* every bigram then weighs DEFAULT_IDF */
    }
    for (int i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)idf_table[i].bg;
        uint32_t a = fold(utf8_next(&p));
        uint32_t b = fold(utf8_next(&p));
        uint64_t key = bkey(a, b);
        unsigned h = idf_slot(key);
        while (k[h] && k[h] != key)
            h = (h + 1) & (IDF_SLOTS - 1);
        k[h] = key;
        v[h] = (float)idf_table[i].idf100 / 100.0f;
    }
    idf_key = k;
    idf_val = v;
    idf_n = n;
}

static double idf_of(uint64_t key)
{
    if (!idf_n)
        return DEFAULT_IDF;
    for (unsigned h = idf_slot(key); idf_key[h]; h = (h + 1) & (IDF_SLOTS - 1))
        if (idf_key[h] == key)
            return idf_val[h];
    return DEFAULT_IDF;
}

double dup_token_idf(const char *token)
{
    const unsigned char *p = (const unsigned char *)(token ? token : "");
    if (!*p)
        return 0;
    pthread_once(&idf_once, idf_init);
    uint32_t a = fold(utf8_next(&p));
    if (!*p)
        return 0; /* one character: no bigram */
    uint32_t b = fold(utf8_next(&p));
    return idf_of(bkey(a, b));
}

static void bag_release(struct dup_bag *b)
{
    free(b->key);
    free(b->w);
    memset(b, 0, sizeof *b);
}

/* Sorts and deduplicates keys[0..n) (taken over) into bag, weighting each by its IDF; keys whose
 * weight is below min_w are dropped. Returns 0 or -JS_ENOMEM (keys freed either way). */
static int bag_build(uint64_t *keys, int n, double min_w, struct dup_bag *bag)
{
    memset(bag, 0, sizeof *bag);
    if (n == 0) {
        free(keys);
        return 0;
    }
    sort_u64(keys, n);
    float *w = malloc((size_t)n * sizeof *w);
    if (!w) {
        free(keys);
        return -JS_ENOMEM;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && keys[m - 1] == keys[i])
            continue;
        double x = idf_of(keys[i]);
        if (x < min_w)
            continue;
        keys[m] = keys[i];
        w[m] = (float)x;
        bag->norm2 += x * x;
        bag->sum += x;
        m++;
    }
    bag->key = keys;
    bag->w = w;
    bag->n = m;
    return 0;
}

/* Collects the bigram keys of cp[from..to) into a new array. */
static int bigrams(const uint32_t *cp, int from, int to, uint64_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (to - from < 2)
        return 0;
    uint64_t *k = malloc((size_t)(to - from) * sizeof *k);
    if (!k)
        return -JS_ENOMEM;
    for (int i = from; i + 1 < to; i++)
        k[(*n)++] = bkey(cp[i], cp[i + 1]);
    *out = k;
    return 0;
}

/* The simplified form of s (or a copy when seg is NULL) appended to b. */
static int simplified(struct segmenter *seg, const char *s, struct buf *b)
{
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    if (n > MAX_TEXT)
        n = MAX_TEXT;
    if (!seg)
        return buf_append(b, s, n);
    if (n == strlen(s))
        return segmenter_simplify(seg, s, b);
    char *cut = strndup(s, n);
    if (!cut)
        return -JS_ENOMEM;
    int rc = segmenter_simplify(seg, cut, b);
    free(cut);
    return rc;
}

/* Appends key to the growable array *keys (freed on failure). */
static int push_key(uint64_t **keys, int *k, int *cap, uint64_t key)
{
    if (*k == *cap) {
        uint64_t *m = realloc(*keys, (size_t)*cap * 2 * sizeof **keys);
        if (!m) {
            free(*keys);
            *keys = NULL;
            return -JS_ENOMEM;
        }
        *keys = m;
        *cap *= 2;
    }
    (*keys)[(*k)++] = key;
    return 0;
}

/* Place bigrams: PLACE_PREFIX characters before each place suffix plus the suffix, and the whole
 * address. */
static int place_keys(const uint32_t *cp, int n, const uint32_t *addr, int n_addr, uint64_t **out,
                      int *n_out)
{
    int cap = 64 + n_addr, k = 0;
    uint64_t *keys = malloc((size_t)cap * sizeof *keys);
    if (!keys)
        return -JS_ENOMEM;
    for (int i = 0; i < n; i++) {
        if (!suffix_start(cp[i]))
            continue;
        for (size_t s = 0; s < JS_ARRAY_LEN(place_suffix); s++) {
            int L = suf_len[s];
            if (cp[i] != suf[s][0] || i + L > n ||
                memcmp(cp + i, suf[s], (size_t)L * sizeof *cp) != 0)
                continue;
            int from = i - PLACE_PREFIX < 0 ? 0 : i - PLACE_PREFIX;
            for (int j = from; j + 1 < i + L; j++)
                if (push_key(&keys, &k, &cap, bkey(cp[j], cp[j + 1])))
                    return -JS_ENOMEM;
        }
    }
    for (int j = 0; j + 1 < n_addr; j++)
        if (push_key(&keys, &k, &cap, bkey(addr[j], addr[j + 1])))
            return -JS_ENOMEM;
    *out = keys;
    *n_out = k;
    return 0;
}

/* Place names: before each place suffix, the up to PLACE_PREFIX characters joined to it by rare
 * bigrams only (a common bigram such as 政府, 很多 or a市 ends the name), when there are at least
 * NAME_MIN of them; each name is kept as its rare bigrams, the one into the suffix included. */
static int place_names(const uint32_t *cp, const float *cpw, int n, struct dup_sig *sig)
{
    int cap = 0, kcap = 0, k = 0;
    for (int i = 1; i < n; i++) {
        if (!suffix_start(cp[i]))
            continue;
        for (size_t s = 0; s < JS_ARRAY_LEN(place_suffix); s++) {
            int L = suf_len[s];
            if (cp[i] != suf[s][0] || i + L > n ||
                memcmp(cp + i, suf[s], (size_t)L * sizeof *cp) != 0)
                continue;
            int j = i;
            while (j > 0 && i - j < PLACE_PREFIX && cpw[j - 1] >= PLACE_MIN_W)
                j--;
            if (i - j < NAME_MIN)
                continue;
            if (sig->n_name == cap) {
                cap = cap ? cap * 2 : 8;
                int *m = realloc(sig->name_end, (size_t)cap * sizeof *m);
                if (!m)
                    return -JS_ENOMEM;
                sig->name_end = m;
            }
            if (k + (i - j) > kcap) {
                kcap = kcap ? kcap * 2 + (i - j) : 32;
                uint64_t *mk = realloc(sig->name_key, (size_t)kcap * sizeof *mk);
                if (!mk)
                    return -JS_ENOMEM;
                sig->name_key = mk;
                float *mw = realloc(sig->name_w, (size_t)kcap * sizeof *mw);
                if (!mw)
                    return -JS_ENOMEM;
                sig->name_w = mw;
            }
            for (int t = j; t < i; t++) {
                sig->name_key[k] = bkey(cp[t], cp[t + 1]);
                sig->name_w[k++] = cpw[t];
            }
            sig->name_end[sig->n_name++] = k;
            break; /* one name per position */
        }
    }
    return 0;
}

static bool bag_has(const struct dup_bag *b, uint64_t key);

/* Scales by PLACE_DAMP the weights in bag of keys that place holds, and recomputes its sums. */
static void place_damp(struct dup_bag *bag, const struct dup_bag *place)
{
    bag->norm2 = bag->sum = 0;
    for (int i = 0; i < bag->n; i++) {
        if (bag_has(place, bag->key[i]))
            bag->w[i] *= (float)PLACE_DAMP;
        bag->norm2 += (double)bag->w[i] * bag->w[i];
        bag->sum += bag->w[i];
    }
}

/* District codes such as a3区, a7县, b市 (letters, digits, then 区/县/市) as keys. */
static void find_regions(const uint32_t *cp, int n, struct dup_sig *sig)
{
    for (int i = 0; i < n && sig->n_region < (int)JS_ARRAY_LEN(sig->region); i++) {
        if (!(cp[i] >= 'a' && cp[i] <= 'z') || (i > 0 && cp[i - 1] >= 'a' && cp[i - 1] <= 'z'))
            continue;
        int j = i + 1;
        while (j < n && cp[j] >= '0' && cp[j] <= '9' && j - i < 4)
            j++;
        if (j == i + 1 || j >= n)
            continue; /* "A市" alone names the whole city: no district */
        if (cp[j] != 0x533A && cp[j] != 0x53BF && cp[j] != 0x5E02) /* 区 县 市 */
            continue;
        uint64_t key = 0;
        for (int t = i; t <= j; t++)
            key = key * 1000003u + cp[t];
        bool dup = false;
        for (int r = 0; r < sig->n_region; r++)
            dup |= sig->region[r] == key;
        if (!dup)
            sig->region[sig->n_region++] = key;
    }
}

int dup_sig_make(struct segmenter *seg, const struct dup_doc *doc, struct dup_sig *sig)
{
    int rc = 0, n_title = 0, cap = 0, n_addr = 0, cap_addr = 0, nk = 0;
    uint32_t *addr = NULL;
    uint64_t *keys = NULL;
    struct buf b;
    buf_init(&b, 0);
    memset(sig, 0, sizeof *sig);
    pthread_once(&idf_once, idf_init);

    if ((rc = simplified(seg, doc->title, &b)) != 0)
        goto out;
    if (b.len && (rc = to_cps(b.data, &sig->cp, &sig->n_cp, &cap)) != 0)
        goto out;
    n_title = sig->n_cp;
    buf_reset(&b);
    if ((rc = simplified(seg, doc->text, &b)) != 0)
        goto out;
    if (b.len && (rc = to_cps(b.data, &sig->cp, &sig->n_cp, &cap)) != 0)
        goto out;
    buf_reset(&b);
    if ((rc = simplified(seg, doc->address, &b)) != 0)
        goto out;
    if (b.len && (rc = to_cps(b.data, &addr, &n_addr, &cap_addr)) != 0)
        goto out;

    if ((rc = bigrams(sig->cp, 0, sig->n_cp, &keys, &nk)) != 0 ||
        (rc = bag_build(keys, nk, 0.0, &sig->all)) != 0)
        goto out;
    if ((rc = bigrams(sig->cp, 0, n_title, &keys, &nk)) != 0 ||
        (rc = bag_build(keys, nk, 0.0, &sig->title)) != 0)
        goto out;
    if ((rc = place_keys(sig->cp, sig->n_cp, addr, n_addr, &keys, &nk)) != 0 ||
        (rc = bag_build(keys, nk, PLACE_MIN_W, &sig->place)) != 0)
        goto out;
    keys = NULL;
    /* the place is scored by place overlap: in the text similarity it counts little, so that
     * the text says whether the problem is the same */
    place_damp(&sig->all, &sig->place);
    place_damp(&sig->title, &sig->place);
    if (sig->n_cp > 1) {
        sig->cpw = malloc((size_t)sig->n_cp * sizeof *sig->cpw);
        if (!sig->cpw) {
            rc = -JS_ENOMEM;
            goto out;
        }
        for (int i = 0; i + 1 < sig->n_cp; i++)
            sig->cpw[i] = (float)idf_of(bkey(sig->cp[i], sig->cp[i + 1]));
        sig->cpw[sig->n_cp - 1] = 0;
        if ((rc = place_names(sig->cp, sig->cpw, sig->n_cp, sig)) != 0)
            goto out;
    }
    find_regions(sig->cp, sig->n_cp, sig);
    if (addr)
        find_regions(addr, n_addr, sig);

    if (doc->phone) {
        size_t k = 0;
        for (const char *p = doc->phone; *p && k + 1 < sizeof sig->phone; p++)
            if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                sig->phone[k++] = *p;
        sig->phone[k] = '\0';
    }
    sig->region_id = doc->region_id;
    sig->category_id = doc->category_id;
    sig->created_at = doc->created_at;
out:
    free(addr);
    buf_release(&b);
    if (rc)
        dup_sig_release(sig);
    return rc;
}

void dup_sig_release(struct dup_sig *sig)
{
    if (!sig)
        return;
    free(sig->cp);
    free(sig->cpw);
    free(sig->name_key);
    free(sig->name_w);
    free(sig->name_end);
    bag_release(&sig->all);
    bag_release(&sig->title);
    bag_release(&sig->place);
    memset(sig, 0, sizeof *sig);
}

/* Sum of w^2 (dot) and of w (shared) over the keys both bags hold. */
static void overlap(const struct dup_bag *a, const struct dup_bag *b, double *dot, double *shared)
{
    double d = 0, s = 0;
    int i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->key[i] < b->key[j])
            i++;
        else if (a->key[i] > b->key[j])
            j++;
        else {
            d += (double)a->w[i] * a->w[i];
            s += a->w[i];
            i++;
            j++;
        }
    }
    *dot = d;
    *shared = s;
}

static bool bag_has(const struct dup_bag *b, uint64_t key)
{
    int lo = 0, hi = b->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (b->key[mid] == key)
            return true;
        if (b->key[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

/* Writes the code points cp[from..to) as UTF-8 into out (size n), truncating whole characters. */
static void cps_utf8(const uint32_t *cp, int from, int to, char *out, size_t n)
{
    size_t k = 0;
    for (int i = from; i < to; i++) {
        char t[4];
        size_t m;
        uint32_t c = cp[i];
        if (c < 0x80)
            t[0] = (char)c, m = 1;
        else if (c < 0x800)
            t[0] = (char)(0xC0 | (c >> 6)), t[1] = (char)(0x80 | (c & 0x3F)), m = 2;
        else if (c < 0x10000)
            t[0] = (char)(0xE0 | (c >> 12)), t[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
            t[2] = (char)(0x80 | (c & 0x3F)), m = 3;
        else
            t[0] = (char)(0xF0 | (c >> 18)), t[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
            t[2] = (char)(0x80 | ((c >> 6) & 0x3F)), t[3] = (char)(0x80 | (c & 0x3F)), m = 4;
        if (k + m + 1 > n)
            break;
        memcpy(out + k, t, m);
        k += m;
    }
    out[k] = '\0';
}

/* The up to three heaviest runs of rare bigrams of a that b shares, as terms. */
static void shared_terms(const struct dup_sig *a, const struct dup_sig *b, struct dup_why *why)
{
    double best[3] = {0, 0, 0};
    int from[3] = {0}, to[3] = {0};
    int i = 0;
    while (i + 1 < a->n_cp) {
        int s = i;
        double w = 0;
        while (i + 1 < a->n_cp) {
            double x = a->cpw[i];
            if (x < TERM_MIN_W || !bag_has(&b->all, bkey(a->cp[i], a->cp[i + 1])))
                break;
            w += x;
            i++;
        }
        if (i - s >= 2) { /* at least three characters */
            char tmp[64];
            cps_utf8(a->cp, s, i + 1, tmp, sizeof tmp);
            bool seen = false;
            for (int t = 0; t < 3; t++)
                seen |=
                    best[t] > 0 && (to[t] - from[t] == i + 1 - s) &&
                    memcmp(a->cp + from[t], a->cp + s, (size_t)(i + 1 - s) * sizeof *a->cp) == 0;
            if (!seen) {
                int slot = -1;
                for (int t = 0; t < 3; t++)
                    if (w > best[t] && (slot < 0 || best[t] < best[slot]))
                        slot = t;
                if (slot >= 0) {
                    best[slot] = w;
                    from[slot] = s;
                    to[slot] = i + 1;
                }
            }
        }
        if (i == s)
            i++;
    }
    why->n_terms = 0;
    for (int round = 0; round < 3; round++) {
        int t = -1;
        for (int u = 0; u < 3; u++)
            if (best[u] > 0 && (t < 0 || best[u] > best[t]))
                t = u;
        if (t < 0)
            break;
        cps_utf8(a->cp, from[t], to[t], why->terms[why->n_terms], sizeof why->terms[0]);
        why->n_terms++;
        best[t] = 0;
    }
}

/* The share (by weight) of a's place names that b never mentions: a name counts as mentioned
 * when one of its bigrams is in b's text or address. 0 when a names no place. */
static double place_novel(const struct dup_sig *a, const struct dup_sig *b)
{
    double all = 0, miss = 0;
    for (int m = 0, k = 0; m < a->n_name; m++) {
        double w = 0;
        bool found = false;
        for (; k < a->name_end[m]; k++) {
            w += a->name_w[k];
            found = found || bag_has(&b->all, a->name_key[k]) || bag_has(&b->place, a->name_key[k]);
        }
        all += w;
        if (!found)
            miss += w;
    }
    return all > 0 ? miss / all : 0;
}

static const struct dup_params params = {
    /* fitted by bench_dup --fit on the tuning half (even id_a) of tests/data/dup_pairs.csv:
     * recall >= 0.85 there, then the best precision; place_penalty held <= 0.2 by design */
    .title_w = 0.2,       .contain_w = 0.75,     .place_w = 0.5,     .text_floor = 0.2,
    .place_penalty = 0.1, .region_penalty = 0.3, .phone_bonus = 0.0,
};

const struct dup_params *dup_params_default(void)
{
    return &params;
}

double dup_combine(const struct dup_why *why, const struct dup_params *p)
{
    double body = why->cosine > p->contain_w * why->containment ? why->cosine
                                                                : p->contain_w * why->containment;
    double s = (1 - p->title_w) * body + p->title_w * why->title;
    if (why->place >= 0) {
        /* the same place only counts when the problem is alike too */
        double gate = p->text_floor > 0 && s < p->text_floor ? s / p->text_floor : 1;
        s = (1 - p->place_w) * s + p->place_w * why->place * gate * gate;
    }
    if (why->place_novel > 0)
        s *= pow(p->place_penalty, why->place_novel);
    if (why->region_conflict)
        s *= p->region_penalty;
    if (why->same_phone)
        s += p->phone_bonus * (1 - s);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

double dup_score(const struct dup_sig *a, const struct dup_sig *b, struct dup_why *why)
{
    struct dup_why local;
    if (!why)
        why = &local;
    memset(why, 0, sizeof *why);
    double dot, shared;

    overlap(&a->all, &b->all, &dot, &shared);
    why->cosine =
        a->all.norm2 > 0 && b->all.norm2 > 0 ? dot / sqrt(a->all.norm2 * b->all.norm2) : 0;
    double small = a->all.sum < b->all.sum ? a->all.sum : b->all.sum;
    why->containment = small > 0 ? shared / small : 0;
    overlap(&a->title, &b->title, &dot, &shared);
    why->title =
        a->title.norm2 > 0 && b->title.norm2 > 0 ? dot / sqrt(a->title.norm2 * b->title.norm2) : 0;
    if (a->place.n > 0 && b->place.n > 0) {
        overlap(&a->place, &b->place, &dot, &shared);
        double m = a->place.sum < b->place.sum ? a->place.sum : b->place.sum;
        why->place = m > 0 ? shared / m : 0;
    } else {
        why->place = -1;
    }
    double na = place_novel(a, b), nb = place_novel(b, a);
    why->place_novel = na < nb ? na : nb;
    why->same_place = why->place >= 0.4 && why->place_novel < PLACE_CONFLICT;
    why->place_conflict =
        (why->place >= 0 && why->place < 0.1) || why->place_novel >= PLACE_CONFLICT;
    why->text = (1 - params.title_w) * (why->cosine > params.contain_w * why->containment
                                            ? why->cosine
                                            : params.contain_w * why->containment) +
                params.title_w * why->title;

    why->same_phone = a->phone[0] && strcmp(a->phone, b->phone) == 0;
    if (a->region_id && b->region_id) {
        why->same_region = a->region_id == b->region_id;
        why->region_conflict = !why->same_region;
    } else if (a->n_region && b->n_region) {
        for (int i = 0; i < a->n_region; i++)
            for (int j = 0; j < b->n_region; j++)
                why->same_region |= a->region[i] == b->region[j];
        why->region_conflict = !why->same_region;
    }
    why->same_category = a->category_id && a->category_id == b->category_id;
    why->gap_seconds = a->created_at && b->created_at
                           ? (a->created_at > b->created_at ? a->created_at - b->created_at
                                                            : b->created_at - a->created_at)
                           : -1;
    shared_terms(a, b, why);
    return dup_combine(why, &params);
}

/* Appends {"code": code, "label": label} to arr; returns 0 or -JS_ENOMEM. */
static int reason(json_t *arr, const char *code, const char *label)
{
    json_t *o = json_pack("{s:s, s:s}", "code", code, "label", label);
    if (!o || json_array_append_new(arr, o) != 0)
        return -JS_ENOMEM;
    return 0;
}

json_t *dup_why_json(const struct dup_why *why)
{
    json_t *arr = json_array();
    char label[256];
    int rc = 0;
    if (!arr)
        return NULL;
    if (why->same_phone && (rc = reason(arr, "same_phone", "同一来电人")) != 0)
        goto out;
    if (why->same_place && (rc = reason(arr, "same_place", "同一地址")) != 0)
        goto out;
    if (why->same_region && (rc = reason(arr, "same_region", "同一区域")) != 0)
        goto out;
    if (why->same_category && (rc = reason(arr, "same_category", "同一类别")) != 0)
        goto out;
    snprintf(label, sizeof label, "内容相似度 %.2f", why->text);
    if ((rc = reason(arr, "text", label)) != 0)
        goto out;
    if (why->n_terms > 0) {
        struct buf b;
        buf_init(&b, sizeof label);
        rc = buf_puts(&b, "共同词语：");
        for (int i = 0; i < why->n_terms && rc == 0; i++)
            rc = buf_printf(&b, "%s%s", i ? "、" : "", why->terms[i]);
        if (rc == 0)
            rc = reason(arr, "terms", b.data);
        buf_release(&b);
        if (rc)
            goto out;
    }
    if (why->gap_seconds >= 0) {
        long long h = why->gap_seconds / 3600;
        if (h < 48)
            snprintf(label, sizeof label, "相隔 %lld 小时", h);
        else
            snprintf(label, sizeof label, "相隔 %lld 天", h / 24);
        if ((rc = reason(arr, "time_gap", label)) != 0)
            goto out;
    }
    if (why->place_conflict && (rc = reason(arr, "place_conflict", "地点不同")) != 0)
        goto out;
    if (why->region_conflict && (rc = reason(arr, "region_conflict", "区域不同")) != 0)
        goto out;
out:
    if (rc) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* bench_dup: quality and speed of the duplicate/repeat scorer (src/text/dup.c) on the labelled
 * pairs of tests/data/dup_pairs.csv over ../shared/data/tipdm2020c/messages_with_votes.csv.
 * Prints precision/recall/F1 at DUP_THRESHOLD on the tuning half (even id_a), the held-out half
 * (odd id_a) and all pairs, a precision-recall table, the time per pair, and the baseline
 * measured in the same run: plain Jaccard over character bigrams at its best threshold on the
 * tuning half. --fit also searches the weights (struct dup_params) on the tuning half only.
 * Usage: bench_dup [--fit] [--shared DIR] [--pairs FILE] */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/dup.h"
#include "text/segment.h"
#include "util/csv.h"

struct msg {
    long id;
    struct dup_sig sig;
    uint64_t *set; /* plain character-bigram set for the baseline, sorted */
    int n_set;
};

struct pair {
    long a, b;
    int ia, ib;
    int label;
    bool tune;
    struct dup_why why;
    double score, jac;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* "2019/2/28 11:25:05" as Unix seconds (UTC); 0 if unparsable. */
static int64_t parse_time(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (sscanf(s, "%d/%d/%d %d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 3)
        return 0;
    y -= mo <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    return (int64_t)days * 86400 + h * 3600 + mi * 60 + se;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The plain bigram set of title + text (bytes of whole UTF-8 characters, punctuation kept). */
static int plain_set(const char *title, const char *text, struct msg *m)
{
    size_t n = strlen(title) + strlen(text);
    uint32_t *cp = malloc((n + 1) * sizeof *cp);
    int k = 0;
    if (!cp)
        return -1;
    for (int pass = 0; pass < 2; pass++)
        for (const unsigned char *p = (const unsigned char *)(pass ? text : title); *p;) {
            uint32_t c = *p++;
            while ((*p & 0xC0) == 0x80)
                c = (c << 8) | *p++;
            cp[k++] = c;
        }
    m->set = malloc((size_t)(k > 1 ? k : 1) * sizeof *m->set);
    if (!m->set) {
        free(cp);
        return -1;
    }
    m->n_set = 0;
    for (int i = 0; i + 1 < k; i++)
        m->set[m->n_set++] = ((uint64_t)cp[i] << 32) | cp[i + 1];
    qsort(m->set, (size_t)m->n_set, sizeof *m->set, cmp_u64);
    int u = 0;
    for (int i = 0; i < m->n_set; i++)
        if (u == 0 || m->set[u - 1] != m->set[i])
            m->set[u++] = m->set[i];
    m->n_set = u;
    free(cp);
    return 0;
}

static double jaccard(const struct msg *a, const struct msg *b)
{
    int i = 0, j = 0, inter = 0;
    while (i < a->n_set && j < b->n_set) {
        if (a->set[i] < b->set[j])
            i++;
        else if (a->set[i] > b->set[j])
            j++;
        else
            inter++, i++, j++;
    }
    int uni = a->n_set + b->n_set - inter;
    return uni ? (double)inter / uni : 0;
}

static int find_msg(const struct msg *m, int n, long id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (m[mid].id == id)
            return mid;
        if (m[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int cmp_msg(const void *a, const void *b)
{
    long x = ((const struct msg *)a)->id, y = ((const struct msg *)b)->id;
    return x < y ? -1 : x > y;
}

struct prf {
    double p, r, f;
    int tp, fp, fn;
};

/* which: 0 tuning half, 1 held-out half, 2 all; use_jac: score the baseline instead. */
static struct prf measure(const struct pair *ps, int n, int which, bool use_jac, double th)
{
    struct prf m = {0};
    for (int i = 0; i < n; i++) {
        if ((which == 0 && !ps[i].tune) || (which == 1 && ps[i].tune))
            continue;
        bool yes = (use_jac ? ps[i].jac : ps[i].score) >= th;
        m.tp += yes && ps[i].label;
        m.fp += yes && !ps[i].label;
        m.fn += !yes && ps[i].label;
    }
    m.p = m.tp + m.fp ? (double)m.tp / (m.tp + m.fp) : 1;
    m.r = m.tp + m.fn ? (double)m.tp / (m.tp + m.fn) : 1;
    m.f = m.p + m.r > 0 ? 2 * m.p * m.r / (m.p + m.r) : 0;
    return m;
}

/* The threshold with the best F1 on the tuning half (ties: the higher threshold). */
static double best_threshold(const struct pair *ps, int n, bool use_jac, double min_p)
{
    double best = 0.5, best_key = -1;
    for (int t = 1; t < 100; t++) {
        struct prf m = measure(ps, n, 0, use_jac, t / 100.0);
        double key = min_p > 0 ? (m.p >= min_p ? m.r + m.f / 100 : -1) : m.f;
        if (key >= best_key) {
            best_key = key;
            best = t / 100.0;
        }
    }
    return best;
}

/* The recall the fit holds on the tuning half; it then maximises precision (a call-taker sees
 * every false alarm, and real candidate lists are mostly unrelated orders). */
#define FIT_RECALL 0.85

/* The highest threshold whose recall on the tuning half is at least min_r (0.01 if none). */
static double recall_threshold(const struct pair *ps, int n, double min_r)
{
    for (int t = 99; t >= 1; t--)
        if (measure(ps, n, 0, false, t / 100.0).r >= min_r)
            return t / 100.0;
    return 0.01;
}

static void fit(struct pair *ps, int n)
{
    static const double tw[] = {0, 0.1, 0.2, 0.3}, cw[] = {0.6, 0.75, 0.85, 1.0},
                        pw[] = {0, 0.2, 0.35, 0.5}, tf[] = {0, 0.1, 0.15, 0.2, 0.25, 0.3},
                        pp[] = {0.05, 0.1, 0.2}, rp[] = {0.3, 0.5, 0.7, 1.0},
                        pb[] = {0, 0.1, 0.2, 0.3};
    struct dup_params best = *dup_params_default(), p;
    double best_key = -1, best_th = 0;
    for (size_t a = 0; a < JS_ARRAY_LEN(tw); a++)
        for (size_t b = 0; b < JS_ARRAY_LEN(cw); b++)
            for (size_t c = 0; c < JS_ARRAY_LEN(pw); c++)
                for (size_t g = 0; g < JS_ARRAY_LEN(tf); g++)
                    for (size_t d = 0; d < JS_ARRAY_LEN(pp); d++)
                        for (size_t e = 0; e < JS_ARRAY_LEN(rp); e++)
                            for (size_t f = 0; f < JS_ARRAY_LEN(pb); f++) {
                                p = (struct dup_params){.title_w = tw[a],
                                                        .contain_w = cw[b],
                                                        .place_w = pw[c],
                                                        .text_floor = tf[g],
                                                        .place_penalty = pp[d],
                                                        .region_penalty = rp[e],
                                                        .phone_bonus = pb[f]};
                                for (int i = 0; i < n; i++)
                                    if (ps[i].tune)
                                        ps[i].score = dup_combine(&ps[i].why, &p);
                                double th = recall_threshold(ps, n, FIT_RECALL);
                                struct prf m = measure(ps, n, 0, false, th);
                                double key = m.r >= FIT_RECALL ? m.p + m.f / 100 : -1;
                                if (key > best_key)
                                    best_key = key, best = p, best_th = th;
                            }
    printf("fit on the tuning half (recall >= %.2f, then precision): title_w %.2f contain_w %.2f "
           "place_w %.2f text_floor %.2f place_penalty %.2f region_penalty %.2f phone_bonus %.2f "
           "threshold %.2f\n",
           FIT_RECALL, best.title_w, best.contain_w, best.place_w, best.text_floor,
           best.place_penalty, best.region_penalty, best.phone_bonus, best_th);
}

int main(int argc, char **argv)
{
    const char *shared =
        getenv("JIESU_SHARED") ? getenv("JIESU_SHARED") : JIESU_SOURCE_DIR "/../shared";
    const char *pairs_path = JIESU_SOURCE_DIR "/tests/data/dup_pairs.csv";
    bool do_fit = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fit") == 0)
            do_fit = true;
        else if (strcmp(argv[i], "--shared") == 0 && i + 1 < argc)
            shared = argv[++i];
        else if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc)
            pairs_path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_dup [--fit] [--shared DIR] [--pairs FILE]\n");
            return 2;
        }
    }
    struct segmenter *seg = segmenter_default();
    if (!seg) {
        fprintf(stderr, "bench_dup: the segmenter did not open\n");
        return 1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/messages_with_votes.csv", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    struct csv_reader r;
    struct js_error e;
    bool got;
    int cap = 0, n_msg = 0;
    struct msg *msgs = NULL;
    csv_init(&r, f, 0);
    double t0 = now(), t_null = 0, kb_null = 0;
    if (csv_next(&r, &got, &e) || !got)
        return 1;
    int c_id = csv_find(&r, "id"), c_user = csv_find(&r, "user"), c_title = csv_find(&r, "title"),
        c_time = csv_find(&r, "time"), c_text = csv_find(&r, "text");
    while (csv_next(&r, &got, &e) == 0 && got) {
        if (n_msg == cap) {
            cap = cap ? cap * 2 : 4096;
            struct msg *grown = realloc(msgs, (size_t)cap * sizeof *msgs);
            if (!grown) {
                free(msgs);
                return 1;
            }
            msgs = grown;
        }
        struct msg *m = &msgs[n_msg++];
        memset(m, 0, sizeof *m);
        m->id = atol(csv_field(&r, c_id));
        struct dup_doc d = {.title = csv_field(&r, c_title),
                            .text = csv_field(&r, c_text),
                            .phone = csv_field(&r, c_user),
                            .created_at = parse_time(csv_field(&r, c_time))};
        if (dup_sig_make(seg, &d, &m->sig) != 0 || plain_set(d.title, d.text, m) != 0)
            return 1;
        /* the intake path: texts already simplified, no segmenter */
        struct dup_sig tmp;
        double t1 = now();
        if (dup_sig_make(NULL, &d, &tmp) != 0)
            return 1;
        dup_sig_release(&tmp);
        t_null += now() - t1;
        kb_null += (strlen(d.title) + strlen(d.text)) / 1024.0;
    }
    double t_sig = (now() - t0 - t_null) / n_msg;
    csv_release(&r);
    fclose(f);
    qsort(msgs, (size_t)n_msg, sizeof *msgs, cmp_msg);

    f = fopen(pairs_path, "r");
    if (!f) {
        perror(pairs_path);
        return 1;
    }
    struct pair *ps = NULL;
    int n = 0, pcap = 0;
    csv_init(&r, f, 0);
    if (csv_next(&r, &got, &e) || !got)
        return 1;
    int c_a = csv_find(&r, "id_a"), c_b = csv_find(&r, "id_b"), c_l = csv_find(&r, "label");
    while (csv_next(&r, &got, &e) == 0 && got) {
        if (n == pcap) {
            pcap = pcap ? pcap * 2 : 1024;
            struct pair *grown = realloc(ps, (size_t)pcap * sizeof *ps);
            if (!grown) {
                free(ps);
                return 1;
            }
            ps = grown;
        }
        struct pair *p = &ps[n];
        p->a = atol(csv_field(&r, c_a));
        p->b = atol(csv_field(&r, c_b));
        p->label = atoi(csv_field(&r, c_l));
        p->tune = p->a % 2 == 0;
        p->ia = find_msg(msgs, n_msg, p->a);
        p->ib = find_msg(msgs, n_msg, p->b);
        if (p->ia < 0 || p->ib < 0) {
            fprintf(stderr, "bench_dup: pair %ld-%ld names an unknown message\n", p->a, p->b);
            return 1;
        }
        n++;
    }
    csv_release(&r);
    fclose(f);

    int pos = 0, tune = 0;
    for (int i = 0; i < n; i++) {
        struct pair *p = &ps[i];
        p->score = dup_score(&msgs[p->ia].sig, &msgs[p->ib].sig, &p->why);
        p->jac = jaccard(&msgs[p->ia], &msgs[p->ib]);
        pos += p->label;
        tune += p->tune;
    }
    printf("pairs: %d (%d positive, %d negative); tuning half (even id_a) %d, held-out half %d\n",
           n, pos, n - pos, tune, n - tune);

    /* time per pair: score every pair many times */
    int reps = 200;
    double sink = 0;
    t0 = now();
    for (int k = 0; k < reps; k++)
        for (int i = 0; i < n; i++) {
            struct dup_why w;
            sink += dup_score(&msgs[ps[i].ia].sig, &msgs[ps[i].ib].sig, &w);
        }
    double t_pair = (now() - t0) / ((double)reps * n);
    t0 = now();
    for (int k = 0; k < reps; k++)
        for (int i = 0; i < n; i++)
            sink += jaccard(&msgs[ps[i].ia], &msgs[ps[i].ib]);
    double t_jac = (now() - t0) / ((double)reps * n);

    static const char *half[] = {"tuning half", "held-out half", "all pairs"};
    printf("\njiesu dup_score at DUP_THRESHOLD %.2f\n", DUP_THRESHOLD);
    printf("%-14s %9s %9s %9s %5s %5s %5s\n", "set", "precision", "recall", "F1", "TP", "FP", "FN");
    for (int w = 0; w < 3; w++) {
        struct prf m = measure(ps, n, w, false, DUP_THRESHOLD);
        printf("%-14s %9.3f %9.3f %9.3f %5d %5d %5d\n", half[w], m.p, m.r, m.f, m.tp, m.fp, m.fn);
    }
    double jt = best_threshold(ps, n, true, 0);
    printf("\nbaseline: plain Jaccard of character bigrams, best-F1 threshold on the tuning half "
           "%.2f\n",
           jt);
    printf("%-14s %9s %9s %9s %5s %5s %5s\n", "set", "precision", "recall", "F1", "TP", "FP", "FN");
    for (int w = 0; w < 3; w++) {
        struct prf m = measure(ps, n, w, true, jt);
        printf("%-14s %9.3f %9.3f %9.3f %5d %5d %5d\n", half[w], m.p, m.r, m.f, m.tp, m.fp, m.fn);
    }
    double jt9 = best_threshold(ps, n, true, 0.9);
    struct prf m9 = measure(ps, n, 2, true, jt9);
    printf(
        "baseline held to precision >= 0.9 on the tuning half: threshold %.2f, all pairs P %.3f R "
        "%.3f F1 %.3f\n",
        jt9, m9.p, m9.r, m9.f);

    printf("\nprecision-recall over thresholds (all pairs)\n%9s %9s %9s %9s %9s\n", "threshold",
           "P dup", "R dup", "P jaccard", "R jaccard");
    for (int t = 10; t <= 80; t += 5) {
        struct prf a = measure(ps, n, 2, false, t / 100.0), b = measure(ps, n, 2, true, t / 100.0);
        printf("%9.2f %9.3f %9.3f %9.3f %9.3f\n", t / 100.0, a.p, a.r, b.p, b.r);
    }
    printf(
        "\ntime: dup_sig_make %.3f ms per message (OpenCC included); without a segmenter %.1f us "
        "per message, %.1f us per KB; dup_score %.2f us per pair (with reasons); Jaccard %.2f "
        "us per pair  [%g]\n",
        t_sig * 1e3, t_null / n_msg * 1e6, t_null / kb_null * 1e6, t_pair * 1e6, t_jac * 1e6,
        sink > 0 ? 0.0 : 1.0);
    if (getenv("BENCH_DUP_DUMP"))
        for (int i = 0; i < n; i++)
            printf("dump %ld %ld %d %.4f %.4f %.4f %.4f %.4f %.4f %d %d\n", ps[i].a, ps[i].b,
                   ps[i].label, ps[i].score, ps[i].why.cosine, ps[i].why.containment,
                   ps[i].why.title, ps[i].why.place, ps[i].why.place_novel, ps[i].why.same_phone,
                   ps[i].why.region_conflict);
    if (getenv("BENCH_DUP_ERRORS"))
        for (int i = 0; i < n; i++)
            if ((ps[i].score >= DUP_THRESHOLD) != (ps[i].label == 1))
                printf("miss %ld-%ld label %d score %.3f cos %.2f cont %.2f title %.2f place %.2f "
                       "novel %.2f phone %d region_conflict %d\n",
                       ps[i].a, ps[i].b, ps[i].label, ps[i].score, ps[i].why.cosine,
                       ps[i].why.containment, ps[i].why.title, ps[i].why.place,
                       ps[i].why.place_novel, ps[i].why.same_phone, ps[i].why.region_conflict);
    if (do_fit)
        fit(ps, n);
    for (int i = 0; i < n_msg; i++) {
        dup_sig_release(&msgs[i].sig);
        free(msgs[i].set);
    }
    free(msgs);
    free(ps);
    return 0;
}

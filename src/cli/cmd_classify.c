/* `jiesu classify --train A.csv --test B.csv [--out FILE]`: trains the suggestion classifier on
 * one labelled file and labels the other with its top 3 and their confidences, so that anyone
 * can measure it on messages the model never saw (issue 9). Columns as in tipdm2020c/train.csv:
 * row_index, label, title, text[, segmented_text]; label may be absent from the test file. */
#include "compat.h"
#include "text/classify.h"
#include "util/csv.h"
#include "util/jfield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

int cli_classify(struct opts *o);

struct rows {
    char **id, **label, **title, **text;
    int n, cap;
    bool labelled;
};

static void rows_release(struct rows *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->id[i]);
        free(r->label[i]);
        free(r->title[i]);
        free(r->text[i]);
    }
    free(r->id);
    free(r->label);
    free(r->title);
    free(r->text);
    memset(r, 0, sizeof *r);
}

static int rows_grow(struct rows *r)
{
    int cap = r->cap ? r->cap * 2 : 1024;
    char ***arrays[] = {&r->id, &r->label, &r->title, &r->text};
    for (size_t i = 0; i < JS_ARRAY_LEN(arrays); i++) {
        char **p = realloc(*arrays[i], (size_t)cap * sizeof *p);
        if (!p)
            return -JS_ENOMEM;
        *arrays[i] = p;
    }
    r->cap = cap;
    return 0;
}

/* Reads a CSV file of messages; prints the reason (in Chinese) and returns non-zero on bad
 * input. need_label: the label column is required. */
static int read_rows(const char *path, bool need_label, struct rows *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "jiesu classify: 无法打开文件 %s\n", path);
        return 1;
    }
    struct csv_reader r;
    csv_init(&r, f, 0);
    struct js_error e;
    js_error_clear(&e);
    bool got = false;
    int rc = 1;
    if (csv_next(&r, &got, &e) || !got) {
        fprintf(stderr, "jiesu classify: %s 是空文件或不是 CSV 文件%s%s\n", path,
                e.message[0] ? "：" : "", e.message);
        goto out;
    }
    int ci = csv_find(&r, "row_index"), cl = csv_find(&r, "label"), ct = csv_find(&r, "title"),
        cx = csv_find(&r, "text");
    if (ct < 0 || cx < 0 || (need_label && cl < 0)) {
        fprintf(stderr,
                "jiesu classify: %s 的表头缺少列 %s（应为 row_index,label,title,text"
                "[,segmented_text]）\n",
                path,
                ct < 0   ? "title"
                : cx < 0 ? "text"
                         : "label");
        goto out;
    }
    out->labelled = cl >= 0;
    for (;;) {
        int crc = csv_next(&r, &got, &e);
        if (crc) {
            fprintf(stderr, "jiesu classify: %s 第 %ld 行格式错误：%s\n", path, r.line, e.message);
            goto out;
        }
        if (!got)
            break;
        if (out->n == out->cap && rows_grow(out)) {
            fprintf(stderr, "jiesu classify: 内存不足\n");
            goto out;
        }
        int i = out->n;
        char idx[32];
        snprintf(idx, sizeof idx, "%d", i);
        out->id[i] = strdup(ci >= 0 ? csv_field(&r, ci) : idx);
        out->label[i] = strdup(cl >= 0 ? csv_field(&r, cl) : "");
        out->title[i] = strdup(csv_field(&r, ct));
        out->text[i] = strdup(csv_field(&r, cx));
        out->n++;
        if (!out->id[i] || !out->label[i] || !out->title[i] || !out->text[i]) {
            fprintf(stderr, "jiesu classify: 内存不足\n");
            goto out;
        }
        if (utf8_len(out->title[i]) == (size_t)-1 || utf8_len(out->text[i]) == (size_t)-1) {
            fprintf(stderr, "jiesu classify: %s 第 %ld 行不是有效的 UTF-8 文本\n", path, r.line);
            goto out;
        }
        if (need_label && !out->label[i][0]) {
            fprintf(stderr, "jiesu classify: %s 第 %ld 行没有标签（label）\n", path, r.line);
            goto out;
        }
    }
    if (out->n == 0) {
        fprintf(stderr, "jiesu classify: %s 没有数据行\n", path);
        goto out;
    }
    rc = 0;
out:
    csv_release(&r);
    fclose(f);
    return rc;
}

/* Writes s as one CSV field (quoted when it must be, defused against formula injection). */
static void put_field(FILE *f, const char *s)
{
    (void)csv_write_field(f, s); /* a write error shows in the ferror check of the caller */
}

int cli_classify(struct opts *o)
{
    const char *train_path = opts_get(o, "train"), *test_path = opts_get(o, "test");
    const char *out_path = opts_get(o, "out");
    if (!train_path || !test_path) {
        fprintf(stderr, "jiesu classify: 需要 --train A.csv 和 --test B.csv\n");
        return 2;
    }
    struct rows tr = {0}, te = {0};
    struct classifier_doc *docs = NULL;
    struct classifier *c = NULL;
    FILE *out = NULL;
    int rc = 1;
    if (read_rows(train_path, true, &tr) || read_rows(test_path, false, &te))
        goto out;
    docs = malloc((size_t)tr.n * sizeof *docs);
    if (!docs) {
        fprintf(stderr, "jiesu classify: 内存不足\n");
        goto out;
    }
    for (int i = 0; i < tr.n; i++)
        docs[i] = (struct classifier_doc){tr.title[i], tr.text[i], tr.label[i]};
    struct js_error e;
    js_error_clear(&e);
    if (classifier_train(docs, tr.n, NULL, &c, &e)) {
        fprintf(stderr, "jiesu classify: 训练失败：%s\n", e.message);
        goto out;
    }
    fprintf(stderr, "jiesu classify: 已用 %d 条训练，%d 个类别，%d 个特征\n", tr.n,
            classifier_classes(c), classifier_features_kept(c));
    out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "jiesu classify: 无法写入 %s\n", out_path);
        goto out;
    }
    fputs("row_index,label1,conf1,label2,conf2,label3,conf3\n", out);
    int ok1 = 0, ok3 = 0, labelled = 0;
    for (int i = 0; i < te.n; i++) {
        struct classifier_hit hits[3];
        int nh = 0;
        int prc = classifier_predict(c, te.title[i], te.text[i], 3, hits, &nh);
        if (prc) {
            fprintf(stderr, "jiesu classify: 第 %d 条无法分类：%s\n", i + 1, js_err_message(prc));
            goto out;
        }
        put_field(out, te.id[i]);
        for (int h = 0; h < 3; h++) {
            fputc(',', out);
            if (h < nh) {
                put_field(out, hits[h].label);
                fprintf(out, ",%.4f", hits[h].confidence);
            } else {
                fputc(',', out);
            }
        }
        fputc('\n', out);
        if (te.labelled && te.label[i][0]) {
            labelled++;
            for (int h = 0; h < nh; h++)
                if (strcmp(hits[h].label, te.label[i]) == 0) {
                    ok1 += h == 0;
                    ok3++;
                }
        }
    }
    if (fflush(out) || ferror(out)) {
        fprintf(stderr, "jiesu classify: 写入失败\n");
        goto out;
    }
    if (labelled)
        fprintf(stderr, "准确率：top-1 %.4f（%d/%d），top-3 %.4f（%d/%d）\n",
                (double)ok1 / labelled, ok1, labelled, (double)ok3 / labelled, ok3, labelled);
    rc = 0;
out:
    if (out && out != stdout)
        fclose(out);
    classifier_free(c);
    free(docs);
    rows_release(&tr);
    rows_release(&te);
    return rc;
}

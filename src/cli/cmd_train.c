/* `jiesu train`: learns the category and unit suggestions from the platform's own orders and
 * stores both models in the database (issue 9); `jiesu serve` also does it on a schedule. */
#include "compat.h"

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/trainer.h"
#include "store/learn.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int cli_train(struct opts *o);

/* Prints what learn_train did, in Chinese. */
void cli_print_train_report(FILE *f, const struct learn_report *r)
{
    fprintf(f, "已读取最新的 %ld 张工单，用时 %.1f 秒\n", r->orders, r->seconds);
    if (r->older)
        fprintf(f, "只学习最新的 %d 张有分类或承办单位的工单，较早的 %ld 张未读\n",
                LEARN_MAX_EXAMPLES, r->older);
    if (r->cat_classes)
        fprintf(f, "分类模型：%d 张工单，%d 个类别，%.0f KB\n", r->cat_examples, r->cat_classes,
                (double)r->cat_bytes / 1024);
    else
        fprintf(f, "分类模型：未训练（每类至少 %d 张工单、至少两类）\n", LEARN_MIN_PER_CLASS);
    if (r->unit_classes)
        fprintf(f, "承办单位模型：%d 张工单，%d 个单位，%.0f KB\n", r->unit_examples,
                r->unit_classes, (double)r->unit_bytes / 1024);
    else
        fprintf(f, "承办单位模型：未训练（每个单位至少 %d 张已派发工单、至少两个单位）\n",
                LEARN_MIN_PER_CLASS);
}

int cli_train(struct opts *o)
{
    struct js_error e;
    js_error_clear(&e);
    struct store *s = NULL;
    if (cli_open_store(o, &s))
        return 1;
    struct learn_report r;
    int rc = learn_train(s, (int64_t)time(NULL), &r, &e);
    store_close(s);
    if (rc) {
        fprintf(stderr, "jiesu train: 训练失败：%s\n", e.message);
        return 1;
    }
    cli_print_train_report(stdout, &r);
    return 0;
}

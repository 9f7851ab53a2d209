/* The retraining thread of `jiesu serve` (issue 9): trains the suggestion models from the
 * orders when none exists yet and then every few hours, on its own store handle, and hands the
 * new models to the application. */
#ifndef JIESU_TRAINER_H
#define JIESU_TRAINER_H

#include <stdio.h>

#include "store/learn.h"
#include "util/err.h"

struct app;

struct trainer_config {
    const char *db;  /* store location; copied */
    int hours;       /* hours between trainings; 0: only when no model exists yet */
    struct app *app; /* receives the new models (res_suggest_set_models) */
    FILE *log;       /* one line per training, and errors; NULL: none */
};

struct trainer;

/* Starts the thread. Block the process's stop signals before. Returns 0 and *out, or a negative
 * code with e filled. */
int trainer_start(const struct trainer_config *cfg, struct trainer **out, struct js_error *e);
/* Asks the thread to stop, cutting a training under way short (its models are not stored; the
 * previous ones stay), waits and frees t. Accepts NULL. */
void trainer_stop(struct trainer *t);

/* Prints what learn_train did, in Chinese (cmd_train.c). */
void cli_print_train_report(FILE *f, const struct learn_report *r);

#endif

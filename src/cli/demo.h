/* The demo district (`jiesu demo`): a realistic organisation (regions, the real category tree,
 * units with contacts, users for every role, the responsibility catalogue) and a few thousand
 * orders made from real citizen messages, each driven through the real engine action by action
 * so that every order's timeline is made of genuine events. */
#ifndef JIESU_DEMO_H
#define JIESU_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "core/engine.h"
#include "util/err.h"

struct demo_options {
    const char *data_dir; /* the tipdm2020c folder, e.g. ../shared/data/tipdm2020c */
    int n_orders;         /* orders to create, split children and merged duplicates included
                             (0: 2400); at most the number of source messages */
    unsigned seed;        /* the same seed gives the same district and the same orders */
    int64_t now;          /* anchor (0: the system time); orders are received in [now-90d, now]
                             and no action happens after it */
    const char *password; /* for every demo user (NULL: "jiesu-demo") */
    FILE *log;            /* progress lines, may be NULL */
};

/* Loads the demo district into an initialised, migrated store through en, which must hold no
 * orders yet (else -JS_EEXISTS). The organisation is written through the store in transactions;
 * every order is made by engine_execute with the actor of the role that would do it, one
 * transaction per action, under a fake clock (en->clock is restored before returning). Any
 * refusal by the engine is reported in e with the action and the order number. Reads
 * categories.csv, messages_with_votes.csv and messages_with_replies.csv from opt->data_dir
 * (never train.csv). */
int demo_load(struct engine *en, const struct demo_options *opt, struct js_error *e);

/* Issues the reports a district running since the demo's first order would hold at now (issue
 * 11), as the scheduler would have: a pass just after each of the last seven days, four weeks,
 * two months and one quarter ended, each issuing everything due then (早报, 专报 and analyses,
 * 通报 and the units' monthly reports, the quarterly analysis). db is the store's location (for
 * the assessment's scores). Reports already issued are left alone. log may be NULL. */
int demo_reports(struct store *s, const char *db, int64_t now, FILE *log, struct js_error *e);

/* Prints the demo logins to f: one line per user with login, role, unit and password (the
 * demo password is printed as given, since every demo user shares it). */
void demo_print_logins(struct engine *en, FILE *f, const char *password);

#endif

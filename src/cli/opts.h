/* Command-line options of the form --name value, --name=value or a bare --flag. */
#ifndef JIESU_OPTS_H
#define JIESU_OPTS_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

#define OPTS_MAX 64

struct opts {
    int n;
    const char *name[OPTS_MAX];  /* borrowed from argv or owned copies (see owned) */
    const char *value[OPTS_MAX]; /* NULL for a bare flag */
    char *owned[OPTS_MAX];       /* storage for split --name=value pairs */
    char error[160];
};

/* Parses argv (without the program and command names). Returns 0 or -1 with o->error set.
 * Release with opts_release either way. */
int opts_parse(struct opts *o, int argc, char **argv);
/* Frees what parsing copied. Accepts NULL. */
void opts_release(struct opts *o);
/* The last value of --name, NULL if absent (a bare flag gives "true"). */
const char *opts_get(const struct opts *o, const char *name);
/* True if --name was given. */
bool opts_has(const struct opts *o, const char *name);
/* Builds the overrides object from every --set KEY=VALUE (VALUE parsed as JSON when it is
 * JSON, else taken as a string). *out is NULL when there is none; else a new reference. */
int opts_collect_sets(const struct opts *o, json_t **out, struct js_error *e);
/* Builds an action's arguments from --json and the --FIELD options the action accepts, each
 * typed by the action's field table (lifecycle_fields): ids and integers as integers, booleans
 * as true/false, lists and objects as JSON, the rest (upstream_id too) as strings. *out is a new
 * reference. */
int opts_action_args(const struct opts *o, int action, json_t **out, struct js_error *e);

#endif

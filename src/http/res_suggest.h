/* Suggestions over the API (issue 9): the top categories and units for a new order's text. */
#ifndef JIESU_RES_SUGGEST_H
#define JIESU_RES_SUGGEST_H

struct app;
struct learn_models;

/* Registers POST /api/v1/suggest and its description, and loads the models the store holds
 * into the app (a->models). Returns 0 or the first error. */
int res_suggest_register(struct app *a);
/* Replaces the app's models (takes over m's reference; safe while requests run). */
void res_suggest_set_models(struct app *a, struct learn_models *m);
/* Frees the app's models. Accepts an app without them. */
void res_suggest_free(struct app *a);

#endif

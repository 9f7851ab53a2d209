/* POST /api/v1/suggest: from the title and text of a new order, the three likeliest categories
 * and the three likeliest units with confidences, the responsibility catalogue's unit first
 * (issue 9). The models are the app's, swapped whole after training (store/learn.h). */
#include "compat.h"
#include "http/res_suggest.h"
#include "http/app.h"
#include "http/respond.h"
#include "store/learn.h"
#include "util/jfield.h"

#include <stdlib.h>
#include <string.h>

/* Every platform role; unit users do not take in or dispatch orders. */
#define ROLES_SUGGEST ROLES_PLATFORM

static json_t *suggestion_json(const struct suggestion *g, bool category)
{
    json_t *j = json_pack("{sI ss sf ss}", "id", (json_int_t)g->id, "name", g->name, "confidence",
                          g->confidence, "source", g->source);
    if (j && category)
        json_object_set_new(j, "path", json_string(g->path));
    return j;
}

static void post_suggest(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    static const char *const fields[] = {"title", "text", "region_id", "category_id", NULL};
    json_t *body = NULL;
    if (app_require_roles(c, ROLES_SUGGEST, res) || app_body(req, fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    const char *title = NULL, *text = NULL;
    int64_t region_id = 0, category_id = 0;
    if (jf_str(body, "title", false, JS_MAX_TITLE, &title, &e) ||
        jf_str(body, "text", false, JS_MAX_TEXT, &text, &e) ||
        jf_int(body, "region_id", false, 1, (int64_t)1 << 53, &region_id, &e) ||
        jf_int(body, "category_id", false, 1, (int64_t)1 << 53, &category_id, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if ((!title || !title[0]) && (!text || !text[0])) {
        http_error(res, -JS_EMISSING, "title", "give the title or the text of the order");
        goto out;
    }
    struct store *s = c->store;
    struct category cat;
    struct region reg;
    int rc;
    if (category_id && (rc = s->ops->category_get(s, category_id, &cat))) {
        app_store_error(res, rc, "category_id", "category");
        goto out;
    }
    if (region_id && (rc = s->ops->region_get(s, region_id, &reg))) {
        app_store_error(res, rc, "region_id", "region");
        goto out;
    }
    struct learn_models *m = learn_slot_get(a->models);
    struct suggestions sg;
    rc = learn_suggest(s, m, title, text ? text : "", region_id, category_id, &sg);
    learn_models_unref(m);
    if (rc) {
        http_error(res, rc, "", "cannot make suggestions");
        goto out;
    }
    json_t *cats = json_array(), *units = json_array();
    for (int i = 0; i < sg.n_categories; i++)
        json_array_append_new(cats, suggestion_json(&sg.categories[i], true));
    for (int i = 0; i < sg.n_units; i++)
        json_array_append_new(units, suggestion_json(&sg.units[i], false));
    http_json(res, 200,
              json_pack("{so so so}", "categories", cats, "units", units, "model_at",
                        app_time_json(sg.model_at)));
out:
    json_decref(body);
}

static const struct route_doc suggest_docs[] = {
    {"POST", "/api/v1/suggest", "suggest",
     "Suggest the three likeliest categories and units for a new order's title and text, each "
     "with a confidence in [0, 1]; the responsibility catalogue's unit comes first (source "
     "\"catalogue\") for the given category, or else for the first suggested one; the others "
     "are learnt from the platform's own orders (source \"model\", `jiesu train`). Empty lists "
     "when no model is trained yet and the catalogue has no answer",
     "platform users", NULL, "title:string,text:string,region_id:integer,category_id:integer", 200},
};

int res_suggest_register(struct app *a)
{
    struct learn_slot *slot = calloc(1, sizeof *slot);
    if (!slot)
        return -JS_ENOMEM;
    if (learn_slot_init(slot)) {
        free(slot);
        return -JS_EINTERNAL;
    }
    a->models = slot;
    /* the models the store holds now; none yet is fine */
    struct store *s = NULL;
    struct learn_models *m = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (store_open(a->db, &s, &e) == 0 && learn_load(s, &m, &e) == 0)
        learn_slot_set(slot, m);
    else
        fprintf(stderr, "jiesu: suggestions: %s\n", e.message);
    store_close(s);
    int rc = router_add(a->router, "POST", "/api/v1/suggest", post_suggest);
    if (!rc)
        rc = app_route_docs(a, suggest_docs, (int)JS_ARRAY_LEN(suggest_docs));
    return rc;
}

void res_suggest_set_models(struct app *a, struct learn_models *m)
{
    if (a->models)
        learn_slot_set(a->models, m);
    else
        learn_models_unref(m);
}

void res_suggest_free(struct app *a)
{
    if (!a->models)
        return;
    learn_slot_release(a->models);
    free(a->models);
    a->models = NULL;
}

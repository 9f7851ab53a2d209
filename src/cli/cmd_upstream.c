/* `jiesu upstream`: the link to the city's 12345 platform (issue 15) from the command line, as
 * an administrator does through PUT /api/v1/upstream/link: the city's base URL, the shared
 * secret of the signatures, the poll interval. The secret is never printed back. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/upstream.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_upstream(struct opts *o);

int cli_upstream(struct opts *o)
{
    struct js_error e;
    struct store *s = NULL;
    struct upstream_link l;
    json_t *in = NULL, *shown = NULL;
    int rc = 1;
    js_error_clear(&e);
    const char *db = cli_db_path(o);
    const char *url = opts_get(o, "url"), *secret = opts_get(o, "secret");
    const char *poll = opts_get(o, "poll-seconds");
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, "jiesu upstream：%s：%s\n", db, e.message);
        goto out;
    }
    if (url || secret || poll) {
        char *end = NULL;
        long seconds = poll ? strtol(poll, &end, 10) : 0;
        if (poll && (!end || *end || !poll[0])) {
            fprintf(stderr, "jiesu upstream：--poll-seconds 须为整数\n");
            rc = 2;
            goto out;
        }
        in = json_pack("{ss ss sI}", "url", url ? url : "", "secret", secret ? secret : "",
                       "poll_seconds", (json_int_t)seconds);
        if (!in || upstream_link_from_json(in, &l, &e)) {
            fprintf(stderr, "jiesu upstream：%s（字段 %s）\n", e.message, e.field);
            rc = 2;
            goto out;
        }
        if (upstream_link_save(s, &l)) {
            fprintf(stderr, "jiesu upstream：无法保存市级平台连接\n");
            goto out;
        }
    } else if ((rc = upstream_link_load(s, &l)) && rc != -JS_ENOTFOUND) {
        fprintf(stderr, "jiesu upstream：无法读取市级平台连接\n");
        rc = 1;
        goto out;
    }
    shown = upstream_link_public(&l);
    char *text = shown ? json_dumps(shown, JSON_INDENT(2)) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    rc = 0;
out:
    json_decref(in);
    json_decref(shown);
    store_close(s);
    return rc;
}

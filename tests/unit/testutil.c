/* Temporary directories and paths for unit tests. */
#include "compat.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/shipped.h"

static char dir[256];

static void cleanup(void)
{
    if (dir[0] && !getenv("JIESU_KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

const char *tu_tmpdir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/jiesu-test-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(cleanup);
    }
    return dir;
}

const char *tu_path(const char *name)
{
    static char slots[8][512];
    static int next;
    char *p = slots[next++ % 8];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    return p;
}

const char *tu_shared(void)
{
    const char *s = getenv("JIESU_SHARED");
    return s ? s : JIESU_SOURCE_DIR "/../shared";
}

const struct shipped *tu_shipped(void)
{
    const struct shipped *sh = NULL;
    struct js_error e;
    if (shipped_default(&sh, &e))
        fail_msg("shipped presets and calendars: %s", e.message);
    return sh;
}

/* Reading the shipped presets and calendars from their directories (see shipped.h). */
#include "compat.h"
#include "util/shipped.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (256 * 1024)
#define MAX_NAME       63
#define PRESET_DIR     "/usr/share/jiesu/presets"
#define CALENDAR_DIR   "/usr/share/jiesu/calendars"

static const char *default_dir(const char *env_name, const char *sub, const char *fallback)
{
    const char *env = getenv(env_name);
    if (env && env[0])
        return env;
#ifdef JIESU_SOURCE_DIR
    static char paths[2][1024];
    char *path = paths[strcmp(sub, "presets") == 0 ? 0 : 1];
    struct stat st;
    snprintf(path, sizeof paths[0], "%s/%s", JIESU_SOURCE_DIR, sub);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return path;
#else
    (void)sub;
#endif
    return fallback;
}

const char *shipped_preset_dir(void)
{
    return default_dir("JIESU_PRESETS", "presets", PRESET_DIR);
}

const char *shipped_calendar_dir(void)
{
    return default_dir("JIESU_CALENDARS", "calendars", CALENDAR_DIR);
}

/* Reads and parses one small JSON file into *out (new reference). */
static int read_doc(const char *path, const char *field, json_t **out, struct js_error *e)
{
    int rc = 0;
    char *data = NULL;
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f)
        return js_fail(e, errno == ENOENT ? JS_ENOTFOUND : JS_EIO, field, "无法打开 %s：%s", path,
                       strerror(errno));
    data = malloc(MAX_FILE_BYTES + 1);
    if (!data) {
        rc = js_fail(e, JS_ENOMEM, field, "读取 %s 时内存不足", path);
        goto out;
    }
    size_t n = fread(data, 1, MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        rc = js_fail(e, JS_EIO, field, "无法读取 %s", path);
        goto out;
    }
    if (n > MAX_FILE_BYTES) {
        rc = js_fail(e, JS_ETOOLARGE, field, "%s 超过 %d 字节", path, MAX_FILE_BYTES);
        goto out;
    }
    json_error_t jerr;
    *out = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!*out)
        rc = js_fail(e, JS_EBADJSON, field, "%s 第 %d 行第 %d 列：%s", path, jerr.line, jerr.column,
                     jerr.text);
out:
    free(data);
    fclose(f);
    return rc;
}

/* NAME.json with NAME of [a-z0-9-]: copies NAME into name. */
static bool preset_file(const char *file, char name[MAX_NAME + 1])
{
    size_t len = strlen(file);
    if (len <= 5 || len - 5 > MAX_NAME || strcmp(file + len - 5, ".json") != 0)
        return false;
    for (size_t i = 0; i < len - 5; i++)
        if (!((file[i] >= 'a' && file[i] <= 'z') || (file[i] >= '0' && file[i] <= '9') ||
              file[i] == '-'))
            return false;
    memcpy(name, file, len - 5);
    name[len - 5] = '\0';
    return true;
}

/* cn-YYYY.json: copies YYYY into year. */
static bool calendar_file(const char *file, char year[5])
{
    if (strlen(file) != 12 || strncmp(file, "cn-", 3) != 0 || strcmp(file + 7, ".json") != 0)
        return false;
    for (int i = 3; i < 7; i++)
        if (file[i] < '0' || file[i] > '9')
            return false;
    memcpy(year, file + 3, 4);
    year[4] = '\0';
    return true;
}

/* Reads the files of dir that `pick` accepts into obj under the key it gives. */
static int read_dir(const char *dir, bool missing_ok, const char *field,
                    bool (*pick)(const char *file, char *key), json_t *obj, struct js_error *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT && missing_ok)
            return 0;
        return js_fail(e, errno == ENOENT ? JS_ENOTFOUND : JS_EIO, field, "无法读取目录 %s：%s",
                       dir, strerror(errno));
    }
    int rc = 0;
    struct dirent *ent;
    while (!rc && (ent = readdir(d))) {
        char key[MAX_NAME + 1], path[1400];
        if (!pick(ent->d_name, key))
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, ent->d_name) >= sizeof path) {
            rc = js_fail(e, JS_EINVAL, field, "目录路径过长：%s", dir);
            break;
        }
        json_t *doc;
        rc = read_doc(path, field, &doc, e);
        if (!rc && json_object_set_new(obj, key, doc))
            rc = js_fail(e, JS_ENOMEM, field, NULL);
    }
    closedir(d);
    return rc;
}

static bool pick_preset(const char *file, char *key)
{
    return preset_file(file, key);
}

static bool pick_calendar(const char *file, char *key)
{
    return calendar_file(file, key);
}

int shipped_load(struct shipped *sh, const char *preset_dir, const char *calendar_dir,
                 struct js_error *e)
{
    int rc = 0;
    sh->presets = json_object();
    sh->calendars = json_object();
    if (!sh->presets || !sh->calendars) {
        rc = js_fail(e, JS_ENOMEM, "", NULL);
        goto out;
    }
    rc = read_dir(preset_dir ? preset_dir : shipped_preset_dir(), false, "preset", pick_preset,
                  sh->presets, e);
    if (!rc)
        rc = read_dir(calendar_dir ? calendar_dir : shipped_calendar_dir(), true, "calendar",
                      pick_calendar, sh->calendars, e);
out:
    if (rc)
        shipped_release(sh);
    return rc;
}

void shipped_release(struct shipped *sh)
{
    if (!sh)
        return;
    json_decref(sh->presets);
    json_decref(sh->calendars);
    sh->presets = sh->calendars = NULL;
}

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct shipped default_sh;
static struct js_error default_err;
static int default_rc;

static void load_default(void)
{
    default_rc = shipped_load(&default_sh, NULL, NULL, &default_err);
}

int shipped_default(const struct shipped **out, struct js_error *e)
{
    pthread_once(&default_once, load_default);
    *out = default_rc ? NULL : &default_sh;
    if (default_rc && e)
        *e = default_err;
    return default_rc;
}

const json_t *shipped_preset(const struct shipped *sh, const char *name)
{
    return sh && name ? json_object_get(sh->presets, name) : NULL;
}

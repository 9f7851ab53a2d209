/* `jiesu calendar`: lists the working-day calendar per year and edits its holidays and swapped
 * working days, one by one, from a year's JSON file or from the State Council's notice (the edits
 * are kept in the database over the shipped calendars/cn-YYYY.json). */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/calendar.h"
#include "core/engine.h"
#include "core/notice.h"
#include "store/store.h"
#include "store/timers_store.h"
#include "util/shipped.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_calendar(struct opts *o);

static int fail(const char *what, const struct js_error *e)
{
    if (e->field[0])
        fprintf(stderr, "jiesu calendar：%s：%s（字段：%s）\n", what, e->message, e->field);
    else
        fprintf(stderr, "jiesu calendar：%s：%s\n", what, e->message);
    return 1;
}

/* Removes date from a list of {date, name}; returns true if it was there. */
static bool drop_date(json_t *list, const char *date)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *d = json_string_value(json_object_get(item, "date"));
        if (d && strcmp(d, date) == 0) {
            json_array_remove(list, i);
            return true;
        }
    }
    return false;
}

/* The year of a "YYYY-MM-DD" date, or 0. */
static int year_of(const char *date)
{
    int64_t t;
    int y, m, d;
    if (!date || strlen(date) != 10 || jtime_parse(date, &t))
        return 0;
    jtime_civil_from_days(jtime_local_day(t), &y, &m, &d);
    return y;
}

static void print_years(const struct calendar *cal)
{
    int years[128];
    int n = calendar_years(cal, years, (int)JS_ARRAY_LEN(years));
    printf("年份  数据来源     节假日  调休上班  依据\n");
    for (int i = 0; i < n; i++) {
        json_t *doc = calendar_year_json(cal, years[i]);
        printf("%d  %-9s  %8zu  %8zu  %s\n", years[i],
               json_is_true(json_object_get(doc, "edited")) ? "管理员修改" : "随附日历",
               json_array_size(json_object_get(doc, "holidays")),
               json_array_size(json_object_get(doc, "workdays")),
               json_string_value(json_object_get(doc, "source")));
        json_decref(doc);
    }
    if (n == 0)
        printf("（没有任何年份的数据：每年都按周一至周五为工作日计算）\n");
}

/* Reads the notice in file path for year into *doc (ready to store). Returns 0, 1 after saying
 * why the file cannot be read, or a negative code with e filled. */
static int read_notice(const char *path, int year, json_t **doc, struct js_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "jiesu calendar：无法打开 %s\n", path);
        return 1;
    }
    char *text = malloc(NOTICE_MAX_BYTES + 2);
    size_t n = text ? fread(text, 1, NOTICE_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!text) {
        fprintf(stderr, "jiesu calendar：内存不足\n");
        return 1;
    }
    text[n] = '\0';
    int rc = notice_parse(text, year, doc, e);
    free(text);
    if (rc)
        return rc;
    json_t *other = json_object_get(*doc, "other_years");
    if (json_array_size(other) > 0) {
        fprintf(stderr, "jiesu calendar：通知中不属于 %d 年的日期未导入（请在该年份导入）：", year);
        size_t i;
        json_t *d;
        json_array_foreach(other, i, d)
            fprintf(stderr, "%s%s", i ? "、" : "", json_string_value(d));
        fprintf(stderr, "\n");
    }
    json_object_del(*doc, "other_years");
    return 0;
}

int cli_calendar(struct opts *o)
{
    struct js_error e;
    struct store *s = NULL;
    struct engine en;
    json_t *doc = NULL, *file = NULL;
    int rc = 0, year = 0;
    bool engine_ready = false;
    js_error_clear(&e);
    const char *db = cli_db_path(o);
    const char *holiday = opts_get(o, "holiday"), *workday = opts_get(o, "workday");
    const char *remove = opts_get(o, "remove"), *path = opts_get(o, "file");
    const char *notice = opts_get(o, "notice");
    const char *name = opts_get(o, "name"), *y = opts_get(o, "year");
    const char *date = holiday ? holiday : workday ? workday : remove;
    bool reset = opts_has(o, "reset");
    int edits = (holiday != NULL) + (workday != NULL) + (remove != NULL) + (path != NULL) +
                (notice != NULL) + reset;
    if (edits > 1) {
        fprintf(stderr, "jiesu calendar：--holiday、--workday、--remove、--file、--notice、--reset "
                        "只能给一个\n");
        return 2;
    }
    if (y) {
        char *end;
        year = (int)strtol(y, &end, 10);
        if (*end || year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR) {
            fprintf(stderr, "jiesu calendar：--year 须为 %d 至 %d 的年份\n", CALENDAR_MIN_YEAR,
                    CALENDAR_MAX_YEAR);
            return 2;
        }
    }
    if (date) {
        int dy = year_of(date);
        if (!dy) {
            fprintf(stderr, "jiesu calendar：%s 不是 YYYY-MM-DD 格式的日期\n", date);
            return 2;
        }
        if (year && dy != year) {
            fprintf(stderr, "jiesu calendar：%s 不在 %d 年\n", date, year);
            return 2;
        }
        year = dy;
    }
    if ((path || notice || reset) && !year) {
        fprintf(stderr, "jiesu calendar：--file、--notice 与 --reset 须同时给出 --year\n");
        return 2;
    }
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        rc = fail(db, &e);
        goto out;
    }
    const struct shipped *sh;
    if (shipped_default(&sh, &e) || engine_init(&en, s, sh, NULL, &e)) {
        rc = fail("无法载入工作日历", &e);
        goto out;
    }
    engine_ready = true;
    if (edits) {
        if (reset) {
            rc = timers_calendar_put(s, year, NULL, &e);
        } else if (path) {
            json_error_t jerr;
            file = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
            if (!file) {
                fprintf(stderr, "jiesu calendar：%s 第 %d 行不是有效的 JSON（%s）\n", path,
                        jerr.line, jerr.text);
                rc = 1;
                goto out;
            }
            rc = timers_calendar_put(s, year, file, &e);
        } else if (notice) {
            rc = read_notice(notice, year, &file, &e);
            if (rc == 1)
                goto out;
            if (!rc)
                rc = timers_calendar_put(s, year, file, &e);
        } else {
            doc = calendar_year_json(en.cal, year);
            if (!doc)
                doc = json_pack("{si ss s[] s[]}", "year", year, "source", "", "holidays",
                                "workdays");
            json_t *hol = json_object_get(doc, "holidays"),
                   *work = json_object_get(doc, "workdays");
            bool in_hol = drop_date(hol, date), in_work = drop_date(work, date); /* both */
            bool was = in_hol || in_work;
            if (remove && !was) {
                fprintf(stderr, "jiesu calendar：%s 既不是节假日也不是调休上班日\n", date);
                rc = 1;
                goto out;
            }
            if (!remove)
                json_array_append_new(holiday ? hol : work,
                                      json_pack("{ss ss}", "date", date, "name", name ? name : ""));
            rc = timers_calendar_put(s, year, doc, &e);
        }
        if (rc) {
            rc = fail("无法修改工作日历", &e);
            goto out;
        }
        if (engine_reload_calendar(&en, &e)) {
            rc = fail("无法载入工作日历", &e);
            goto out;
        }
    }
    if (!year) {
        print_years(en.cal);
        goto out;
    }
    json_decref(doc);
    doc = calendar_year_json(en.cal, year);
    if (!doc) {
        printf("%d 年没有节假日数据：按周一至周五为工作日计算\n", year);
        goto out;
    }
    json_dumpf(doc, stdout, JSON_INDENT(2));
    putchar('\n');
out:
    json_decref(doc);
    json_decref(file);
    if (engine_ready)
        engine_release(&en);
    store_close(s);
    return rc;
}

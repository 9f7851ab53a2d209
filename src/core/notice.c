/* Reading the State Council's holiday notice: the text is cleaned (remarks in parentheses
 * dropped, full-width digits made ASCII), cut into sentences, and in each sentence the dates
 * before 放假 are holidays and those before 上班 swapped working days, named after the festival
 * that heads the paragraph ("一、元旦："). */
#include "compat.h"
#include "core/notice.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "util/buf.h"
#include "util/jtime.h"

#define MAX_DAYS  128 /* a year has about 30 holidays and 8 swapped days */
#define MAX_RANGE 15  /* the longest holiday (春节) is 8 or 9 days */

#define U_PERIOD "\xE3\x80\x82" /* 。 */
#define U_SEMI   "\xEF\xBC\x9B" /* ； */
#define U_COLON  "\xEF\xBC\x9A" /* ： */
#define U_COMMA  "\xE3\x80\x81" /* 、 */
#define U_YEAR   "\xE5\xB9\xB4" /* 年 */
#define U_MONTH  "\xE6\x9C\x88" /* 月 */
#define U_DAY    "\xE6\x97\xA5" /* 日 */
#define U_TO     "\xE8\x87\xB3" /* 至 */
#define U_LPAREN "\xEF\xBC\x88" /* （ */
#define U_RPAREN "\xEF\xBC\x89" /* ） */

/* One day read from the notice. */
struct nday {
    int64_t day;
    bool work;
    char name[4 * CALENDAR_MAX_NAME + 16];
};

struct reading {
    int year;
    struct nday days[MAX_DAYS];
    int n;
    json_t *other; /* dates of other years, "YYYY-MM-DD" */
    struct js_error *e;
};

static bool at(const char *s, const char *w)
{
    return strncmp(s, w, strlen(w)) == 0;
}

/* The text without remarks in parentheses, spaces and carriage returns, with full-width digits
 * made ASCII and line ends made sentence ends. */
static int clean(const char *text, struct buf *out)
{
    int depth = 0, rc = buf_append(out, "", 0);
    for (const char *p = text; *p && !rc;) {
        if (at(p, U_LPAREN) || *p == '(') {
            depth++;
            p += *p == '(' ? 1 : 3;
        } else if (at(p, U_RPAREN) || *p == ')') {
            depth = depth > 0 ? depth - 1 : 0;
            p += *p == ')' ? 1 : 3;
        } else if (depth > 0) {
            p++;
        } else if (*p == ' ' || *p == '\t' || *p == '\r' || at(p, "\xE3\x80\x80")) {
            p += *p == '\xE3' ? 3 : 1;
        } else if (*p == '\n') {
            rc = buf_puts(out, U_PERIOD);
            p++;
        } else if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBC &&
                   (unsigned char)p[2] >= 0x90 && (unsigned char)p[2] <= 0x99) {
            char d = (char)('0' + ((unsigned char)p[2] - 0x90));
            rc = buf_append(out, &d, 1);
            p += 3;
        } else {
            rc = buf_append(out, p, 1);
            p++;
        }
    }
    return rc ? -JS_ENOMEM : 0;
}

/* Reads digits at *p (at most 4) into *n; false when there are none. */
static bool number(const char **p, int *n)
{
    int v = 0, k = 0;
    while (**p >= '0' && **p <= '9' && k < 5) {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    *n = v;
    return k > 0 && k <= 4;
}

/* Reads "[YYYY年][M月]D日" at *p; y and m hold the defaults and get what was read. Moves *p past
 * the date and returns true, or leaves it and returns false. */
static bool date_at(const char **p, int *y, int *m, int *d, bool need_month, bool *year_given)
{
    const char *s = *p;
    int v;
    int yy = *y, mm = *m;
    bool month = false, yg = false;
    if (!number(&s, &v))
        return false;
    if (at(s, U_YEAR)) {
        yy = v;
        yg = true;
        s += 3;
        if (!number(&s, &v))
            return false;
    }
    if (at(s, U_MONTH)) {
        mm = v;
        month = true;
        s += 3;
        if (!number(&s, &v))
            return false;
    }
    if (!at(s, U_DAY) || (need_month && !month))
        return false;
    s += 3;
    *y = yy;
    *m = mm;
    *d = v;
    *p = s;
    *year_given = yg;
    return true;
}

static bool valid(int y, int m, int d)
{
    if (y < CALENDAR_MIN_YEAR || y > CALENDAR_MAX_YEAR || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int y2, m2, d2;
    jtime_civil_from_days(jtime_days_from_civil(y, m, d), &y2, &m2, &d2);
    return y2 == y && m2 == m && d2 == d;
}

/* Adds the days from..to (day numbers) as holidays or working days named name. */
static int add_days(struct reading *r, int64_t from, int64_t to, bool work, const char *name)
{
    for (int64_t day = from; day <= to; day++) {
        int y, m, d;
        jtime_civil_from_days(day, &y, &m, &d);
        if (y != r->year) {
            char ds[16];
            snprintf(ds, sizeof ds, "%04d-%02d-%02d", y, m, d);
            json_array_append_new(r->other, json_string(ds));
            continue;
        }
        int k;
        for (k = 0; k < r->n && r->days[k].day != day; k++)
            ;
        if (k < r->n) {
            if (r->days[k].work != work)
                return js_fail(r->e, JS_EINVAL, "text", "通知中%d月%d日既是放假日又是上班日", m, d);
            continue;
        }
        if (r->n == MAX_DAYS)
            return js_fail(r->e, JS_EINVAL, "text", "通知中的日期过多（最多%d天）", MAX_DAYS);
        struct nday *nd = &r->days[r->n++];
        nd->day = day;
        nd->work = work;
        snprintf(nd->name, sizeof nd->name, "%s%s", name, work ? "调休上班" : "");
        if (!nd->name[0])
            snprintf(nd->name, sizeof nd->name, "%s", work ? "调休上班" : "节假日");
    }
    return 0;
}

/* The festival heading a sentence ("一、元旦：…" → 元旦) into name; *body: what follows the
 * colon. Leaves name as it was when the sentence has no heading. */
static void heading(const char *s, char *name, size_t cap, const char **body)
{
    const char *colon = strstr(s, U_COLON);
    const char *ascii = strchr(s, ':');
    size_t clen = 3;
    if (ascii && (!colon || ascii < colon)) {
        colon = ascii;
        clen = 1;
    }
    *body = s;
    if (!colon)
        return;
    /* the paragraph's number ("六、") is not part of the name ("国庆节、中秋节") */
    static const char *const numerals[] = {"一", "二", "三", "四", "五",
                                           "六", "七", "八", "九", "十"};
    const char *from = s;
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < JS_ARRAY_LEN(numerals); i++)
            if (at(from, numerals[i])) {
                from += strlen(numerals[i]);
                more = true;
            }
    }
    if (from > s && at(from, U_COMMA))
        from += 3;
    else
        from = s;
    for (const char *q = from; q < colon; q++)
        if ((*q >= '0' && *q <= '9') || at(q, U_MONTH))
            return; /* a date before the colon: not a heading */
    size_t n = (size_t)(colon - from);
    if (n == 0 || n >= cap || n > 4 * CALENDAR_MAX_NAME)
        return;
    memcpy(name, from, n);
    name[n] = '\0';
    *body = colon + clen;
}

/* Reads one sentence: each date (or range) counts for the first 放假 or 上班 after it. */
static int sentence(struct reading *r, const char *s, const char *name)
{
    struct {
        int64_t from, to;
        const char *where;
    } spans[32];
    int n = 0, rc = 0;
    int y = r->year, m = 0;
    for (const char *p = s; *p && n < (int)JS_ARRAY_LEN(spans);) {
        int d, y1 = y, m1 = m;
        bool yg;
        const char *start = p;
        if (!(*p >= '0' && *p <= '9') || !date_at(&p, &y1, &m1, &d, m == 0, &yg)) {
            p = start + 1;
            continue;
        }
        if (!valid(y1, m1, d))
            return js_fail(r->e, JS_EINVAL, "text", "通知中的日期%d年%d月%d日不存在", y1, m1, d);
        int64_t from = jtime_days_from_civil(y1, m1, d), to = from;
        y = y1;
        m = m1;
        if (at(p, U_TO)) {
            const char *q = p + 3;
            int y2 = y1, m2 = m1, d2;
            bool year_given = false;
            if (date_at(&q, &y2, &m2, &d2, false, &year_given)) {
                if (!year_given && (m2 < m1 || (m2 == m1 && d2 < d)))
                    y2++; /* 12月31日至1月2日 */
                if (!valid(y2, m2, d2))
                    return js_fail(r->e, JS_EINVAL, "text", "通知中的日期%d年%d月%d日不存在", y2,
                                   m2, d2);
                to = jtime_days_from_civil(y2, m2, d2);
                y = y2;
                m = m2;
                p = q;
            }
        }
        if (to < from || to - from >= MAX_RANGE)
            return js_fail(r->e, JS_EINVAL, "text", "通知中%d月%d日起的放假时段不合理（超过%d天）",
                           m1, d, MAX_RANGE);
        spans[n].from = from;
        spans[n].to = to;
        spans[n].where = start;
        n++;
    }
    for (int i = 0; i < n && !rc; i++) {
        const char *rest = spans[i].where;
        const char *off = strstr(rest, "\xE6\x94\xBE\xE5\x81\x87"); /* 放假 */
        const char *on = strstr(rest, "\xE4\xB8\x8A\xE7\x8F\xAD");  /* 上班 */
        if (!off && !on)
            continue;
        bool work = on && (!off || on < off);
        rc = add_days(r, spans[i].from, spans[i].to, work, name);
    }
    return rc;
}

static int by_day(const void *a, const void *b)
{
    const struct nday *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* The notice's own year ("关于2027年部分节假日安排的通知"), or 0 when it does not say. */
static int notice_year(const char *t)
{
    const char *k =
        strstr(t, U_YEAR
               "\xE9\x83\xA8\xE5\x88\x86\xE8\x8A\x82\xE5\x81\x87\xE6\x97\xA5"); /* 年部分节假日 */
    if (!k || k - t < 4)
        return 0;
    int v = 0;
    for (const char *q = k - 4; q < k; q++) {
        if (*q < '0' || *q > '9')
            return 0;
        v = v * 10 + (*q - '0');
    }
    return v;
}

int notice_parse(const char *text, int year, json_t **out, struct js_error *e)
{
    *out = NULL;
    struct buf t;
    buf_init(&t, 2 * NOTICE_MAX_BYTES); /* the cleaned text is never longer than the notice */
    struct reading *r = calloc(1, sizeof *r);
    json_t *doc = NULL, *hol = NULL, *work = NULL;
    int rc = 0;
    if (!r || !(r->other = json_array())) {
        rc = js_fail(e, JS_ENOMEM, NULL, "内存不足");
        goto out;
    }
    r->year = year;
    r->e = e;
    if (!text || !*text) {
        rc = js_fail(e, JS_EINVAL, "text", "通知内容为空");
        goto out;
    }
    if (strlen(text) > NOTICE_MAX_BYTES) {
        rc = js_fail(e, JS_EINVAL, "text", "通知内容过长（最多%d字节）", NOTICE_MAX_BYTES);
        goto out;
    }
    if (year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR) {
        rc = js_fail(e, JS_EINVAL, "year", "年份须在%d至%d之间", CALENDAR_MIN_YEAR,
                     CALENDAR_MAX_YEAR);
        goto out;
    }
    if ((rc = clean(text, &t))) {
        js_fail(e, JS_ENOMEM, NULL, "内存不足");
        goto out;
    }
    int said = notice_year(t.data);
    if (said && said != year) {
        rc =
            js_fail(e, JS_EINVAL, "text", "这是%d年的节假日安排通知，与所选的%d年不符", said, year);
        goto out;
    }
    char name[4 * CALENDAR_MAX_NAME + 1] = "";
    /* sentences end at 。 ； or ; (cut in place) */
    for (char *s = t.data; s && *s && !rc;) {
        char *end = s;
        size_t cut = 0;
        for (; *end; end++) {
            if (at(end, U_PERIOD) || at(end, U_SEMI)) {
                cut = 3;
                break;
            }
            if (*end == ';') {
                cut = 1;
                break;
            }
        }
        char *next = *end ? end + cut : NULL;
        *end = '\0';
        const char *body;
        heading(s, name, sizeof name, &body);
        rc = sentence(r, body, name);
        s = next;
    }
    if (rc)
        goto out;
    int holidays = 0;
    for (int i = 0; i < r->n; i++)
        holidays += !r->days[i].work;
    if (holidays == 0) {
        rc = js_fail(e, JS_EINVAL, "text",
                     "未能从通知中读出%d年的放假安排（应有如“10月1日至7日放假调休”的句子）", year);
        goto out;
    }
    qsort(r->days, (size_t)r->n, sizeof r->days[0], by_day);
    hol = json_array();
    work = json_array();
    for (int i = 0; i < r->n && hol && work; i++) {
        int y, m, d;
        char ds[16];
        jtime_civil_from_days(r->days[i].day, &y, &m, &d);
        snprintf(ds, sizeof ds, "%04d-%02d-%02d", y, m, d);
        json_array_append_new(r->days[i].work ? work : hol,
                              json_pack("{ss ss}", "date", ds, "name", r->days[i].name));
    }
    char source[128];
    snprintf(source, sizeof source, "国务院办公厅关于%d年部分节假日安排的通知（导入）", year);
    doc = json_pack("{si ss so so}", "year", year, "source", source, "holidays", hol, "workdays",
                    work);
    hol = work = NULL;
    if (!doc) {
        rc = js_fail(e, JS_ENOMEM, NULL, "内存不足");
        goto out;
    }
    if ((rc = calendar_check_year(year, doc, e))) {
        /* a swapped working day on a weekday, most likely: say it about the text */
        char why[sizeof e->message];
        snprintf(why, sizeof why, "%s", e->message);
        js_fail(e, -rc, "text", "通知读出的日期不合规定：%s", why);
        goto out;
    }
    json_object_set(doc, "other_years", r->other);
    *out = doc;
    doc = NULL;
out:
    json_decref(doc);
    json_decref(hol);
    json_decref(work);
    if (r)
        json_decref(r->other);
    free(r);
    buf_release(&t);
    return rc;
}

/* The demo district: a realistic organisation and orders made from real citizen messages,
 * each order driven through the real engine, action by action, under a fake clock. */
#include "compat.h"
#include "cli/demo.h"
#include "core/deadline.h"
#include "core/kb.h"
#include "core/scheduler.h"
#include "core/calendar.h"
#include "store/report_store.h"
#include "store/hotspot_scan.h"
#include "store/store.h"
#include "util/auth.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/jfield.h"
#include "util/jtime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_DAYS        90
#define DEMO_MAX_UNITS   48
#define DEMO_MAX_STREETS 10
#define DEMO_MAX_COMMS   40
#define DEMO_OPEN_RING   64
#define HOUR             3600

/* ---- deterministic randomness (splitmix64) ------------------------------------------------- */

struct demo;
static uint64_t rnd(struct demo *d);

/* ---- the data ------------------------------------------------------------------------------ */

/* One real citizen message; reply is the official reply, NULL for messages without one. */
struct msg {
    char *title, *text, *reply;
    int cat; /* category index, -2 until classified */
};

/* Messages of one source file, shuffled; taken from `next` on. */
struct pool {
    struct msg *v;
    int n, cap, next;
};

struct cat {
    int64_t id;
    int parent; /* index of the parent, -1 at level 1 */
    int level;
    int children;
    char code[32];
    char name[64];
    size_t len; /* bytes of name */
};

struct dunit {
    int64_t id;
    char code[16];
    char name[64];
    int kind;   /* enum unit_kind */
    int street; /* index of its street for street offices, else -1 */
    struct actor op, lead;
};

struct street {
    int64_t id;
    const char *name;
    int unit; /* index of its office in units */
    int first_comm, n_comm;
    double lat, lon;
};

struct comm {
    int64_t id;
    int64_t grid[2];
    char name[64];
    int street;
};

/* What a slot of the timeline becomes. */
enum kind {
    K_NONE,
    K_RECEIVED,
    K_FILED,
    K_NOT_FILED,
    K_TRANSFER,
    K_ANSWER,
    K_MAIN,
    K_MERGE,
    K_SPLIT,
    K__COUNT
};
/* Where a dispatched order stops (also used, loosely, by the simple kinds: see run_plan). */
enum stop {
    MS_DISPATCHED,
    MS_RETURNED,
    MS_COORDINATION,
    MS_HANDLING,
    MS_REPLIED,
    MS_CALLBACK,
    MS_CLOSED,
    MS_ARCHIVED,
    MS_FORCED,
    MS__COUNT
};
/* How an order reaches its handling unit. */
enum route { R_PLAIN, R_REDISPATCH, R_SECOND_RETURN, R_COORD, R_REJECT_KEEP, R__COUNT };
/* Where an order left in handling stands. */
enum hvariant {
    HV_PLAIN,
    HV_EXT_PENDING,
    HV_HANG,
    HV_REWORK,
    HV_REOPENED,
    HV_SUPERVISED,
    HV__COUNT
};
/* The final callback. */
enum outcome { CB_SATISFIED, CB_BASIC, CB_UNSAT_CLOSE, CB_UNREACHABLE, CB__COUNT };

struct plan {
    int64_t t0; /* received */
    int kind;
    int stop;
    int extra; /* merged duplicates or split children */
};

/* One order being driven. */
struct flow {
    int64_t id;
    const struct msg *msg;
    int stop, variant, route, outcome;
    bool anonymous, upstream;
    int type;
    int64_t category_id, region_id;
    int comm, street;                    /* comm: community index, -1 until intake picks one */
    int lead, dual, assist[2], n_assist; /* unit indexes, -1 for none */
    int reworks, reopens;
    char number[20];
};

struct counters {
    long returns, second_returns, redispatches, coordinations, rejects, extensions, hangs, reworks,
        reopens, reopened_twice, reopened_thrice, urges, supervisions, unreachable, unsatisfied,
        dual, assist, merged, split_children, forced, instructions, upstream, anonymous;
};

struct demo {
    struct engine *en;
    struct store *s;
    const struct demo_options *opt;
    struct js_error *e;
    uint64_t rng;
    int64_t now; /* the anchor: nothing happens after it */
    int64_t t;   /* the fake clock */
    struct jclock clock;
    char number[20]; /* the order being acted on, for messages */

    struct pool votes, replies;
    struct cat *cats;
    int n_cats, default_cat;
    double *score;       /* one per category, for classify */
    int keyword_cat[64]; /* category of each row of keywords[] */
    int64_t district;
    struct street streets[DEMO_MAX_STREETS];
    int n_streets;
    struct comm comms[DEMO_MAX_COMMS];
    int n_comms;
    struct dunit units[DEMO_MAX_UNITS];
    int n_units;
    struct actor agent[2], dispatcher[2], reviewer, callback[2], supervisor, admin, auditor, leader,
        system;
    char pwhash[160];

    int64_t open_ids[DEMO_OPEN_RING]; /* orders left open, for duplicates to point at */
    int n_open;
    long n_orders, n_actions;
    struct counters c;
};

static uint64_t rnd(struct demo *d)
{
    uint64_t z = (d->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static int rnd_int(struct demo *d, int lo, int hi)
{
    return lo + (int)(rnd(d) % (uint64_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double rnd01(struct demo *d)
{
    return (double)(rnd(d) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(struct demo *d, double p)
{
    return rnd01(d) < p;
}

/* Seconds, uniform between lo and hi hours. */
static int64_t rnd_hours(struct demo *d, double lo, double hi)
{
    return (int64_t)((lo + (hi - lo) * rnd01(d)) * HOUR);
}

/* Index drawn with the given weights (at least one positive). */
static int weighted(struct demo *d, const double *w, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i] > 0 ? w[i] : 0;
    double x = rnd01(d) * sum;
    for (int i = 0; i < n; i++) {
        if (w[i] <= 0)
            continue;
        if (x < w[i])
            return i;
        x -= w[i];
    }
    for (int i = n - 1; i >= 0; i--)
        if (w[i] > 0)
            return i;
    return 0;
}

#define PICK(d, arr) ((arr)[rnd((d)) % JS_ARRAY_LEN(arr)])

/* ---- synthetic people ---------------------------------------------------------------------- */

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏",
    "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石"};
static const char *const given[] = {
    "伟",   "芳", "娜", "敏", "静",   "丽",   "强",   "磊",   "军",   "洋",   "勇",
    "艳",   "杰", "娟", "涛", "明",   "超",   "秀英", "霞",   "平",   "刚",   "桂英",
    "建华", "文", "华", "红", "玲",   "斌",   "宇",   "浩",   "凯",   "鹏",   "丹",
    "萍",   "晨", "欣", "倩", "海燕", "志强", "建国", "国庆", "春梅", "晓东", "丽华",
    "雪",   "婷", "俊", "波", "辉",   "琳",   "秀兰", "玉兰", "建军", "亮",   "颖"};
static const char *const mobile_prefix[] = {"130", "131", "132", "133", "135", "136", "137",
                                            "138", "139", "150", "151", "152", "155", "156",
                                            "158", "159", "177", "180", "186", "188", "189"};

static void person(struct demo *d, char *out, size_t n)
{
    const char *s = PICK(d, surnames);
    const char *g = PICK(d, given);
    snprintf(out, n, "%s%s", s, g);
}

static void mobile(struct demo *d, char *out, size_t n)
{
    const char *p = PICK(d, mobile_prefix);
    snprintf(out, n, "%s%08u", p, (unsigned)(rnd(d) % 100000000u));
}

/* ---- text helpers -------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. */
static int utf8_seq(const unsigned char *p)
{
    int len;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0 && p[0] >= 0xC2)
        len = 2;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3;
    else if ((p[0] & 0xF8) == 0xF0 && p[0] <= 0xF4)
        len = 4;
    else
        return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* A copy of s with valid UTF-8 only (invalid bytes become U+FFFD, control characters other
 * than newline and tab are dropped), cut to maxchars characters on a character boundary.
 * Returns a malloc'ed string or NULL when out of memory. */
static char *clean_text(const char *s, size_t maxchars)
{
    struct buf b;
    buf_init(&b, 0);
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    int rc = 0;
    while (*p && chars < maxchars && !rc) {
        int len = utf8_seq(p);
        if (len == 0) {
            rc = buf_puts(&b, "\xEF\xBF\xBD");
            p++;
            chars++;
            continue;
        }
        if (len == 1 && ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F)) {
            p++;
            continue;
        }
        rc = buf_append(&b, p, (size_t)len);
        p += len;
        chars++;
    }
    if (rc) {
        buf_release(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* Decodes the character at s (valid UTF-8) into *cp; returns its length (0 at the end). */
static int decode(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    int len = *p ? utf8_seq(p) : 0;
    if (len <= 1) {
        *cp = *p;
        return *p ? 1 : 0;
    }
    uint32_t v = p[0] & (0xFF >> (len + 1));
    for (int i = 1; i < len; i++)
        v = (v << 6) | (p[i] & 0x3F);
    *cp = v;
    return len;
}

/* Start of the character before position i of s. */
static size_t prev_char(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* True if the character at s is one of the characters of set (UTF-8 text). */
static bool char_in(const char *s, const char *set)
{
    uint32_t c, x;
    if (!decode(s, &c))
        return false;
    for (const char *p = set; *p;) {
        int n = decode(p, &x);
        if (x == c)
            return true;
        p += n;
    }
    return false;
}

/* Punctuation and blanks that end an address. */
static bool is_break(const char *s)
{
    uint32_t c;
    decode(s, &c);
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '-' || c == '#');
    return char_in(s, "，。、；：！？（）【】《》“”‘’　…—～·");
}

/* True for ASCII letters and digits (house numbers such as G2栋320). */
static bool is_alnum(const char *s)
{
    char c = *s;
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Finds an address in h: a name of at least two characters before 小区 / 路 / 街, and after it
 * what ends like an address (…栋, …号, …小区), e.g. 联丰路米兰春天G2栋320. Writes it to out and
 * returns true if one was found. */
static bool find_address(const char *h, char *out, size_t n)
{
    static const struct {
        const char *marker;
        const char *not_after; /* a marker right after one of these is an ordinary word */
    } markers[] = {
        {"小区", "本该此这那个我们的各老新整全多大小附近据等档"},
        {"路", "道马公思出一铁线网电门水走带问引套后退进环陆岔迷销半此这那同上下找让开修断"
               "绕小大回去来过无之分泥站几以条跑段"},
        {"街", "上大老沿逛扫当临一满过"},
    };
    static const char *const back_stop = "市区县省镇在于到的是把从对和与及住近靠个之了";
    static const char *const fwd_stop = "的有被和与及至到在是因已没不从对将把也都又还就要会能"
                                        "可为上下里内外前后等很太距打电旁附离往向那这该其之经给"
                                        "让出进";
    static const char *const terminal = "号栋楼室期幢座门口段巷弄组村园苑城区店场院厦心府湾居"
                                        "庭馆站桥";
    for (size_t m = 0; m < JS_ARRAY_LEN(markers); m++) {
        const char *mk = markers[m].marker;
        size_t mlen = strlen(mk);
        for (const char *hit = strstr(h, mk); hit; hit = strstr(hit + mlen, mk)) {
            size_t pos = (size_t)(hit - h);
            if (pos == 0)
                continue;
            size_t pv = prev_char(h, pos);
            if (char_in(h + pv, markers[m].not_after) || is_break(h + pv) || is_alnum(h + pv))
                continue; /* also 12路: a bus line */
            /* back: up to 10 characters, stopping at a break or a boundary word */
            size_t start = pos;
            int before = 0;
            for (; before < 10 && start > 0; before++) {
                size_t q = prev_char(h, start);
                if (is_break(h + q) || char_in(h + q, back_stop))
                    break;
                start = q;
            }
            if (before < 2)
                continue;
            /* forward: up to 12 characters, kept up to the last one that ends an address */
            size_t end = pos + mlen, scan = end;
            bool tail = false;
            for (int k = 0; k < 12 && h[scan]; k++) {
                if (is_break(h + scan) || char_in(h + scan, fwd_stop))
                    break;
                bool ends = char_in(h + scan, terminal);
                tail = ends || (tail && is_alnum(h + scan));
                uint32_t cp;
                scan += (size_t)decode(h + scan, &cp);
                if (tail)
                    end = scan;
            }
            if (end - start >= n)
                continue;
            memcpy(out, h + start, end - start);
            out[end - start] = '\0';
            return true;
        }
    }
    return false;
}

/* ---- the organisation ---------------------------------------------------------------------- */

static const char *const street_names[DEMO_MAX_STREETS] = {
    "城关街道", "东湖街道", "西山街道", "南苑街道", "北辰街道",
    "新华街道", "和平街道", "文昌街道", "滨河街道", "桂花坪街道"};
static const char *const comm_names[DEMO_MAX_COMMS] = {
    "幸福里", "锦绣", "向阳", "育才", "花园", "友谊", "光明",   "金桥", "春晖", "康乐",
    "翠竹",   "丽景", "长青", "东风", "红星", "建设", "民主",   "团结", "胜利", "前进",
    "青年",   "朝阳", "阳光", "新村", "枫林", "桃源", "荷花池", "杏林", "书香", "紫荆",
    "湖滨",   "河西", "馨苑", "嘉园", "望月", "景园", "银杏",   "石桥", "柳岸", "松林"};

/* Departments and enterprises, with the categories they answer for (level 1, 2 or 3 paths). */
static const struct unit_def {
    const char *code, *name;
    int kind;
    const char *duties[5];
} unit_defs[] = {
    {"zjw", "区住建委", UNIT_DEPARTMENT, {"城乡建设", "城乡建设/住房保障与房地产"}},
    {"cgw",
     "区城管委",
     UNIT_DEPARTMENT,
     {"城乡建设/城市建设和市政管理", "城乡建设/城乡规划/违章建筑"}},
    {"ghzy", "区规划自然资源分局", UNIT_DEPARTMENT, {"国土资源", "城乡建设/城乡规划"}},
    {"jtw", "区交通委", UNIT_DEPARTMENT, {"交通运输"}},
    {"sthj", "区生态环境局", UNIT_DEPARTMENT, {"环境保护"}},
    {"scjg", "区市场监管局", UNIT_DEPARTMENT, {"商贸旅游", "卫生计生/食品药品监管"}},
    {"wly",
     "区文化和旅游局",
     UNIT_DEPARTMENT,
     {"商贸旅游/旅游管理", "教育文体/文化", "教育文体/文物管理", "教育文体/体育"}},
    {"jyw", "区教委", UNIT_DEPARTMENT, {"教育文体"}},
    {"wjw", "区卫健委", UNIT_DEPARTMENT, {"卫生计生"}},
    {"rsj", "区人力社保局", UNIT_DEPARTMENT, {"劳动和社会保障"}},
    {"mzj", "区民政局", UNIT_DEPARTMENT, {"民政"}},
    {"swj", "区水务局", UNIT_DEPARTMENT, {"农村农业/水利水电"}},
    {"gafj", "公安分局", UNIT_DEPARTMENT, {"政法"}},
    {"sfj",
     "区司法局",
     UNIT_DEPARTMENT,
     {"政法/法律服务", "政法/仲裁与调解", "政法/法制建设", "政法/行政复议"}},
    {"nyj", "区农业农村局", UNIT_DEPARTMENT, {"农村农业"}},
    {"fgw", "区发展改革委", UNIT_DEPARTMENT, {"经济管理"}},
    {"yjj", "区应急管理局", UNIT_DEPARTMENT, {"城乡建设/安全生产", "经济管理/安全生产"}},
    {"kxj", "区科技和信息化局", UNIT_DEPARTMENT, {"科技与信息产业"}},
    {"zfb", "区政府办公室", UNIT_DEPARTMENT, {"党务政务"}},
    {"jjw", "区纪委监委", UNIT_DEPARTMENT, {"纪检监察"}},
    {"zls", "自来水公司", UNIT_ENTERPRISE, {"城乡建设/城市建设和市政管理/自来水供应"}},
    {"gdgs", "供电公司", UNIT_ENTERPRISE, {"城乡建设/城市建设和市政管理/电力供应"}},
    {"rqgs", "燃气公司", UNIT_ENTERPRISE, {"城乡建设/城市建设和市政管理/燃气供应"}},
    {"rlgs", "热力公司", UNIT_ENTERPRISE, {"城乡建设/城市建设和市政管理/冬季采暖"}},
    {"gjjt", "公交集团", UNIT_ENTERPRISE, {"城乡建设/城市建设和市政管理/公共汽车"}},
};

/* Categories a street office answers for inside its own street. */
static const char *const street_duties[] = {
    "城乡建设/城市建设和市政管理/小区管理", "城乡建设/住房保障与房地产/物业服务",
    "城乡建设/城市建设和市政管理/环境卫生", "民政/基层选举和社区建设", "农村农业/村务管理"};

/* Everyday words of citizens' messages and the category each suggests (SPEC §6 would learn
 * this; the demo uses a fixed list). Every path must exist in categories.csv. */
static const struct {
    const char *words; /* separated by '|' */
    const char *path;
} keywords[] = {
    {"物业|业委会|业主委员会|物业费", "城乡建设/住房保障与房地产/物业服务"},
    {"噪音|噪声|扰民|广场舞|施工声", "环境保护/环境污染/噪音污染"},
    {"油烟|废气|臭气|异味|烟尘|粉尘|扬尘|有毒气体", "环境保护/环境污染/大气污染"},
    {"污水|排污|黑臭|水体", "环境保护/环境污染/水污染"},
    {"垃圾|环卫|公厕", "城乡建设/城市建设和市政管理/环境卫生"},
    {"拆迁|征收", "城乡建设/国有土地上房屋征收与补偿/房屋拆迁"},
    {"棚改|棚户区|城中村", "城乡建设/国有土地上房屋征收与补偿/棚户区和城中村改造"},
    {"违建|违章|私搭|乱搭|加层|乱建", "城乡建设/城乡规划/违章建筑"},
    {"公交|站台|公汽", "城乡建设/城市建设和市政管理/公共汽车"},
    {"地铁|轻轨", "城乡建设/城市建设和市政管理/地铁城铁"},
    {"停车|占道|摆摊|流动摊贩|城管", "城乡建设/城市建设和市政管理/城管执法"},
    {"路灯|路面|人行道|井盖|坑洼|破损|修路", "城乡建设/城市建设和市政管理/基础设施"},
    {"绿化|树木|修剪|草坪", "城乡建设/城市建设和市政管理/园林绿化"},
    {"停水|自来水|水压|水费|供水", "城乡建设/城市建设和市政管理/自来水供应"},
    {"停电|电压|电费|供电|变压器", "城乡建设/城市建设和市政管理/电力供应"},
    {"燃气|天然气|液化气|煤气", "城乡建设/城市建设和市政管理/燃气供应"},
    {"暖气|供暖|采暖", "城乡建设/城市建设和市政管理/冬季采暖"},
    {"电梯|小区", "城乡建设/城市建设和市政管理/小区管理"},
    {"幼儿园", "教育文体/教育体制/教育资源配置"},
    {"入学|学位|招生|择校|划片", "教育文体/考试招生/招生录取"},
    {"学校|小学|中学|学生|老师|教师|补课|校园", "教育文体/教育行政管理/教学管理"},
    {"医院|医生|看病|诊所", "卫生计生/医政监管/医疗技术和服务"},
    {"医保|医疗保险", "劳动和社会保障/城镇居民社会保险/城镇居民医疗保险"},
    {"社保|养老保险|养老金", "劳动和社会保障/城镇职工社会保险/职工养老保险"},
    {"工资|欠薪|讨薪", "劳动和社会保障/工资福利/工资发放"},
    {"公积金", "劳动和社会保障/工资福利/住房公积金"},
    {"劳动合同|辞退|加班", "劳动和社会保障/劳动关系/劳动合同纠纷"},
    {"户口|落户|户籍", "政法/户籍证件/户籍管理"},
    {"身份证", "政法/户籍证件/身份证管理"},
    {"开发商|楼盘|交房|购房|延期交房|捆绑", "城乡建设/住房保障与房地产/房地产开发管理"},
    {"房产证|不动产证", "城乡建设/住房保障与房地产/房产证登记、办理"},
    {"出租车|的士", "交通运输/出租车管理/行业监管"},
    {"网约车|滴滴", "交通运输/出租车管理/网约车问题"},
    {"快递", "交通运输/邮政管理/快递市场管理"},
    {"红绿灯|违停|交警|车辆|驾驶|超速", "政法/交通管理/交通安全管理"},
    {"诈骗|盗窃|治安|赌博|打架|黑恶", "政法/社会治安/治安案件"},
    {"消防|火灾", "政法/社会治安/消防安全"},
    {"食品|餐馆|饭店|外卖", "卫生计生/食品药品监管/食品安全"},
    {"药店|药品", "卫生计生/食品药品监管/药品和医疗器械管理"},
    {"乱收费|价格|涨价", "商贸旅游/市场监管/物价监督"},
    {"商家|退款|假货|消费者", "商贸旅游/市场监管/商品质量"},
    {"传销", "商贸旅游/市场监管/传销"},
    {"低保|救助|困难户", "民政/社会救助/城镇低保"},
    {"养老院|老人|老年|残疾", "民政/福利慈善/福利事业"},
    {"退伍|退役|军人", "民政/优抚/其他"},
    {"村民|村委|村干部|村里", "农村农业/村务管理/其他"},
    {"征地|土地", "国土资源/土地征收/安置补偿"},
    {"扶贫|贫困户", "农村农业/扶贫开发/扶贫开发政策"},
    {"网络|宽带|信号|基站", "科技与信息产业/电信/通信保障"},
    {"纳税|税务|发票|偷税", "经济管理/金融财税/税收征管"},
    {"集资|理财|贷款|银行|P2P", "经济管理/金融财税/集资融资"},
    {"腐败|贪污|受贿|作风", "纪检监察/干部作风/其他"},
};

/* ---- errors and the clock ------------------------------------------------------------------ */

static int64_t demo_clock_now(void *ctx)
{
    return ((const struct demo *)ctx)->t;
}

/* Moves the clock on by dt seconds (office: into office hours 8:00–20:00), never past now: what
 * would pass it is squeezed into a quarter of the time left. */
static void wait_for(struct demo *d, int64_t dt, bool office)
{
    if (dt < 0)
        dt = 0;
    int64_t t = d->t + dt;
    if (office) {
        int64_t day = jtime_local_day(t);
        int64_t tod = t - jtime_day_start(day);
        if (tod < 8 * HOUR)
            t = jtime_day_start(day) + 8 * HOUR + rnd_hours(d, 0, 1.5);
        else if (tod >= 20 * HOUR)
            t = jtime_day_start(day + 1) + 8 * HOUR + rnd_hours(d, 0, 1.5);
    }
    int64_t room = d->now - d->t;
    if (t - d->t >= room)
        t = d->t + (room > 0 ? room / 4 : 0);
    d->t = t;
}

/* Moves the clock to instant t if it is ahead (never past now, as above). */
static void wait_until(struct demo *d, int64_t t)
{
    wait_for(d, t - d->t, false);
}

/* Carries out one action as the users would: one engine_execute, one transaction. args is
 * consumed. Any refusal is a bug in the demo or the engine and fails loudly. */
static int act(struct demo *d, const struct actor *who, int action, int64_t order_id, json_t *args,
               struct engine_result *res)
{
    struct engine_result r;
    struct js_error ee;
    js_error_clear(&ee);
    int rc = engine_execute(d->en, who, action, order_id, 0, args, &r, &ee);
    json_decref(args);
    if (rc)
        return js_fail(d->e, rc, ee.field, "演示数据：%s（%s）对工单 %s 执行 %s 被拒绝：%s",
                       who->name, js_role_labels[who->role], order_id ? d->number : "（新建）",
                       js_action_names[action], ee.message);
    d->n_actions++;
    if (action == ACT_INTAKE) {
        memcpy(d->number, r.number, sizeof d->number);
        d->n_orders++;
    }
    if (res)
        *res = r;
    return 0;
}

static void put_s(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

static void put_i(json_t *o, const char *k, int64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void put_b(json_t *o, const char *k, bool v)
{
    json_object_set_new(o, k, json_boolean(v));
}

static void put_t(json_t *o, const char *k, int64_t t)
{
    char s[40];
    jtime_format(t, s, sizeof s);
    put_s(o, k, s);
}

/* A one-field argument object. */
static json_t *arg_s(const char *k, const char *v)
{
    json_t *o = json_object();
    put_s(o, k, v);
    return o;
}

/* Archives a finished order later on when its plan stops at archived (else does nothing):
 * after min_h to max_h hours, by the administrator, with note. */
static int archive_if_planned(struct demo *d, int stop, int64_t id, double min_h, double max_h,
                              const char *note)
{
    if (stop != MS_ARCHIVED)
        return 0;
    wait_for(d, rnd_hours(d, min_h, max_h), true);
    return act(d, &d->admin, ACT_ARCHIVE, id, arg_s("note", note), NULL);
}

/* ---- loading the organisation -------------------------------------------------------------- */

static int data_path(struct demo *d, const char *file, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/%s", d->opt->data_dir, file);
    if (w < 0 || (size_t)w >= n)
        return js_fail(d->e, JS_EINVAL, "data_dir", "数据目录路径过长");
    return 0;
}

static int cat_find_child(struct demo *d, int parent, const char *name)
{
    for (int i = 0; i < d->n_cats; i++)
        if (d->cats[i].parent == parent && strcmp(d->cats[i].name, name) == 0)
            return i;
    return -1;
}

/* Index of the category at "L1/L2/L3" (any depth), or -1. */
static int cat_by_path(struct demo *d, const char *path)
{
    char part[64];
    int at = -1;
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n >= sizeof part)
            return -1;
        memcpy(part, p, n);
        part[n] = '\0';
        at = cat_find_child(d, at, part);
        if (at < 0)
            return -1;
        p += n + (slash ? 1 : 0);
    }
    return at;
}

static int cat_add(struct demo *d, int parent, const char *name, int *out)
{
    int i = cat_find_child(d, parent, name);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    if (strlen(name) >= sizeof d->cats[0].name || !name[0])
        return js_fail(d->e, JS_EINVAL, "categories.csv", "分类名称 '%s' 为空或过长", name);
    struct cat *v = realloc(d->cats, (size_t)(d->n_cats + 1) * sizeof *v);
    if (!v)
        return js_fail(d->e, JS_ENOMEM, "", NULL);
    d->cats = v;
    struct cat *c = &d->cats[d->n_cats];
    memset(c, 0, sizeof *c);
    c->parent = parent;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->len = strlen(c->name);
    if (parent < 0) {
        int top = 0;
        for (int k = 0; k < d->n_cats; k++)
            top += d->cats[k].parent < 0;
        c->level = 1;
        snprintf(c->code, sizeof c->code, "%02d", top + 1);
    } else {
        struct cat *p = &d->cats[parent];
        c->level = p->level + 1;
        p->children++;
        snprintf(c->code, sizeof c->code, "%.12s.%02d", p->code, p->children);
    }
    *out = d->n_cats++;
    return 0;
}

/* Reads the three-level tree of categories.csv. */
static int load_categories(struct demo *d)
{
    char path[1024];
    int rc = data_path(d, "categories.csv", path, sizeof path);
    if (rc)
        return rc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return js_fail(d->e, JS_EIO, "data_dir", "无法打开 %s", path);
    struct csv_reader r;
    csv_init(&r, f, 4096);
    bool got = false;
    bool header = true;
    while ((rc = csv_next(&r, &got, d->e)) == 0 && got) {
        if (header) {
            header = false;
            continue;
        }
        if (csv_count(&r) < 3) {
            rc = js_fail(d->e, JS_EINVAL, "categories.csv", "第 %ld 行：应有三列", r.line);
            break;
        }
        int parent = -1;
        for (int lv = 0; lv < 3 && !rc; lv++)
            rc = cat_add(d, parent, csv_field(&r, lv), &parent);
        if (rc)
            break;
    }
    csv_release(&r);
    fclose(f);
    if (rc)
        return rc;
    d->default_cat = cat_by_path(d, "城乡建设/其他/其他");
    if (d->n_cats == 0 || d->default_cat < 0)
        return js_fail(d->e, JS_EINVAL, "categories.csv", "分类树中缺少 城乡建设/其他/其他");
    _Static_assert(JS_ARRAY_LEN(keywords) <= JS_ARRAY_LEN(((struct demo *)0)->keyword_cat),
                   "keyword_cat too small");
    for (size_t k = 0; k < JS_ARRAY_LEN(keywords); k++)
        if ((d->keyword_cat[k] = cat_by_path(d, keywords[k].path)) < 0)
            return js_fail(d->e, JS_EINVAL, "categories.csv", "分类树中缺少 %s", keywords[k].path);
    d->score = calloc((size_t)d->n_cats, sizeof *d->score);
    if (!d->score)
        return js_fail(d->e, JS_ENOMEM, "", NULL);
    return 0;
}

static int pool_push(struct demo *d, struct pool *p, const struct msg *m)
{
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 1024;
        struct msg *v = realloc(p->v, (size_t)cap * sizeof *v);
        if (!v)
            return js_fail(d->e, JS_ENOMEM, "", NULL);
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = *m;
    return 0;
}

static void msg_free(struct msg *m)
{
    free(m->title);
    free(m->text);
    free(m->reply);
}

static void pool_release(struct pool *p)
{
    for (int i = 0; i < p->n; i++)
        msg_free(&p->v[i]);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* Reads the messages of one file (title, text, and reply when with_reply), then shuffles them. */
static int load_messages(struct demo *d, const char *file, bool with_reply, struct pool *p)
{
    char path[1024];
    int rc = data_path(d, file, path, sizeof path);
    if (rc)
        return rc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return js_fail(d->e, JS_EIO, "data_dir", "无法打开 %s", path);
    struct csv_reader r;
    csv_init(&r, f, 0);
    bool got = false;
    int ct = -1, cx = -1, cr = -1;
    if ((rc = csv_next(&r, &got, d->e)) == 0 && got) {
        ct = csv_find(&r, "title");
        cx = csv_find(&r, "text");
        cr = csv_find(&r, "reply");
    }
    if (!rc && (ct < 0 || cx < 0 || (with_reply && cr < 0)))
        rc = js_fail(d->e, JS_EINVAL, file, "%s 缺少 title/text%s 列", file,
                     with_reply ? "/reply" : "");
    while (!rc && (rc = csv_next(&r, &got, d->e)) == 0 && got) {
        struct msg m = {.cat = -2};
        m.title = clean_text(csv_field(&r, ct), JS_MAX_TITLE);
        m.text = clean_text(csv_field(&r, cx), JS_MAX_TEXT);
        if (with_reply)
            m.reply = clean_text(csv_field(&r, cr), JS_MAX_TEXT);
        if (!m.title || !m.text || (with_reply && !m.reply)) {
            msg_free(&m);
            rc = js_fail(d->e, JS_ENOMEM, "", NULL);
            break;
        }
        if (!m.title[0] || !m.text[0] || (m.reply && !m.reply[0])) {
            msg_free(&m);
            continue;
        }
        if ((rc = pool_push(d, p, &m)))
            msg_free(&m);
    }
    csv_release(&r);
    fclose(f);
    if (rc)
        return rc;
    for (int i = p->n - 1; i > 0; i--) {
        int j = (int)(rnd(d) % (uint64_t)(i + 1));
        struct msg t = p->v[i];
        p->v[i] = p->v[j];
        p->v[j] = t;
    }
    return 0;
}

static int put_region(struct demo *d, int64_t parent, int level, const char *code, const char *name,
                      int64_t *id)
{
    struct region r = {.parent_id = parent, .level = level};
    snprintf(r.code, sizeof r.code, "%s", code);
    snprintf(r.name, sizeof r.name, "%s", name);
    int rc = d->s->ops->region_put(d->s, &r);
    if (rc)
        return js_fail(d->e, rc, "region", "无法保存地区 %s", name);
    *id = r.id;
    return 0;
}

/* District → streets → 2–4 communities each → 2 grids each. */
static int make_regions(struct demo *d)
{
    int rc = put_region(d, 0, RLEVEL_DISTRICT, "D01", "示范区", &d->district);
    if (rc)
        return rc;
    int next_comm = 0;
    for (int i = 0; i < DEMO_MAX_STREETS && !rc; i++) {
        struct street *st = &d->streets[d->n_streets++];
        char code[32];
        st->name = street_names[i];
        st->lat = 28.19 + 0.012 * (i % 5);
        st->lon = 112.96 + 0.015 * (i / 5);
        snprintf(code, sizeof code, "D01.%02d", i + 1);
        if ((rc = put_region(d, d->district, RLEVEL_STREET, code, st->name, &st->id)))
            break;
        int want = rnd_int(d, 2, 4);
        int left = DEMO_MAX_COMMS - next_comm - 2 * (DEMO_MAX_STREETS - i - 1);
        if (want > left)
            want = left;
        st->first_comm = next_comm;
        for (int k = 0; k < want && !rc; k++) {
            struct comm *c = &d->comms[next_comm];
            char name[96];
            c->street = i;
            snprintf(c->name, sizeof c->name, "%s社区", comm_names[next_comm]);
            snprintf(code, sizeof code, "D01.%02d.%02d", i + 1, k + 1);
            if ((rc = put_region(d, st->id, RLEVEL_COMMUNITY, code, c->name, &c->id)))
                break;
            for (int g = 0; g < 2 && !rc; g++) {
                snprintf(name, sizeof name, "%s第%s网格", c->name, g ? "二" : "一");
                snprintf(code, sizeof code, "D01.%02d.%02d.%02d", i + 1, k + 1, g + 1);
                rc = put_region(d, c->id, RLEVEL_GRID, code, name, &c->grid[g]);
            }
            next_comm++;
            st->n_comm++;
        }
    }
    d->n_comms = next_comm;
    return rc;
}

static int make_categories(struct demo *d)
{
    for (int i = 0; i < d->n_cats; i++) {
        struct cat *c = &d->cats[i];
        struct category row = {.level = c->level,
                               .parent_id = c->parent >= 0 ? d->cats[c->parent].id : 0};
        snprintf(row.code, sizeof row.code, "%s", c->code);
        snprintf(row.name, sizeof row.name, "%s", c->name);
        int rc = d->s->ops->category_put(d->s, &row);
        if (rc)
            return js_fail(d->e, rc, "category", "无法保存分类 %s %s", c->code, c->name);
        c->id = row.id;
    }
    return 0;
}

static int put_user(struct demo *d, const char *login, const char *name, const char *phone,
                    int role, int64_t unit_id, struct actor *a)
{
    struct user u = {.role = role, .unit_id = unit_id, .active = true};
    snprintf(u.login, sizeof u.login, "%s", login);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.phone, sizeof u.phone, "%s", phone);
    snprintf(u.pwhash, sizeof u.pwhash, "%s", d->pwhash);
    int rc = d->s->ops->user_put(d->s, &u);
    if (rc)
        return js_fail(d->e, rc, "user", "无法保存用户 %s", login);
    memset(a, 0, sizeof *a);
    a->user_id = u.id;
    a->role = role;
    a->unit_id = unit_id;
    snprintf(a->name, sizeof a->name, "%s", name);
    return 0;
}

static int put_unit(struct demo *d, const char *code, const char *name, int kind, int street,
                    int64_t region_id)
{
    if (d->n_units >= DEMO_MAX_UNITS)
        return js_fail(d->e, JS_EINTERNAL, "unit", "演示单位过多");
    struct dunit *du = &d->units[d->n_units];
    struct unit u = {.kind = kind, .region_id = region_id, .active = true};
    snprintf(u.code, sizeof u.code, "%s", code);
    snprintf(u.name, sizeof u.name, "%s", name);
    for (int t = 0; t < CONTACT__COUNT; t++) {
        person(d, u.contacts[t].name, sizeof u.contacts[t].name);
        if (t == CONTACT_OPERATOR)
            mobile(d, u.contacts[t].phone, sizeof u.contacts[t].phone);
        else
            snprintf(u.contacts[t].phone, sizeof u.contacts[t].phone, "010-6%07u",
                     (unsigned)(rnd(d) % 10000000u));
        snprintf(u.contacts[t].email, sizeof u.contacts[t].email, "%s.%s@demo.jiesu.example", code,
                 t == CONTACT_LEADER    ? "leader"
                 : t == CONTACT_SECTION ? "office"
                                        : "ops");
    }
    int rc = d->s->ops->unit_put(d->s, &u);
    if (rc)
        return js_fail(d->e, rc, "unit", "无法保存单位 %s", name);
    du->id = u.id;
    snprintf(du->code, sizeof du->code, "%s", code);
    snprintf(du->name, sizeof du->name, "%s", name);
    du->kind = kind;
    du->street = street;
    char login[64];
    snprintf(login, sizeof login, "op-%s", code);
    rc = put_user(d, login, u.contacts[CONTACT_OPERATOR].name, u.contacts[CONTACT_OPERATOR].phone,
                  ROLE_UNIT_OPERATOR, u.id, &du->op);
    if (!rc) {
        snprintf(login, sizeof login, "lead-%s", code);
        rc = put_user(d, login, u.contacts[CONTACT_LEADER].name, u.contacts[CONTACT_LEADER].phone,
                      ROLE_UNIT_LEADER, u.id, &du->lead);
    }
    d->n_units++;
    return rc;
}

static int put_catalogue(struct demo *d, const char *path, int64_t region_id, int unit)
{
    int c = cat_by_path(d, path);
    if (c < 0)
        return js_fail(d->e, JS_EINVAL, "catalogue", "categories.csv 中没有分类 %s", path);
    struct catalogue_entry ce = {
        .category_id = d->cats[c].id, .region_id = region_id, .unit_id = d->units[unit].id};
    snprintf(ce.basis, sizeof ce.basis, "示范区接诉即办职责目录（演示）：%s",
             region_id ? "属地街道负责辖区内事项" : "行业主管部门负责");
    int rc = d->s->ops->catalogue_put(d->s, &ce);
    if (rc)
        return js_fail(d->e, rc, "catalogue", "无法保存职责目录条目 %s", path);
    return 0;
}

/* Units with contacts and their users, platform users, and the responsibility catalogue. */
static int make_people(struct demo *d)
{
    int rc = 0;
    for (int i = 0; i < d->n_streets && !rc; i++) {
        char code[16], name[96];
        snprintf(code, sizeof code, "s%02d", i + 1);
        snprintf(name, sizeof name, "%s办事处", d->streets[i].name);
        d->streets[i].unit = d->n_units;
        rc = put_unit(d, code, name, UNIT_STREET, i, d->streets[i].id);
    }
    for (size_t i = 0; i < JS_ARRAY_LEN(unit_defs) && !rc; i++)
        rc = put_unit(d, unit_defs[i].code, unit_defs[i].name, unit_defs[i].kind, -1, d->district);
    static const struct {
        const char *login;
        int role;
        int slot;
    } staff[] = {
        {"agent1", ROLE_AGENT, 0},
        {"agent2", ROLE_AGENT, 1},
        {"dispatcher1", ROLE_DISPATCHER, 0},
        {"dispatcher2", ROLE_DISPATCHER, 1},
        {"reviewer1", ROLE_REVIEWER, 0},
        {"callback1", ROLE_CALLBACK, 0},
        {"callback2", ROLE_CALLBACK, 1},
        {"supervisor1", ROLE_SUPERVISOR, 0},
        {"admin", ROLE_ADMIN, 0},
        {"auditor1", ROLE_AUDITOR, 0},
        {"leader1", ROLE_LEADER, 0},
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(staff) && !rc; i++) {
        struct actor *a;
        switch (staff[i].role) {
        case ROLE_AGENT:
            a = &d->agent[staff[i].slot];
            break;
        case ROLE_DISPATCHER:
            a = &d->dispatcher[staff[i].slot];
            break;
        case ROLE_REVIEWER:
            a = &d->reviewer;
            break;
        case ROLE_CALLBACK:
            a = &d->callback[staff[i].slot];
            break;
        case ROLE_SUPERVISOR:
            a = &d->supervisor;
            break;
        case ROLE_ADMIN:
            a = &d->admin;
            break;
        case ROLE_AUDITOR:
            a = &d->auditor;
            break;
        default:
            a = &d->leader;
            break;
        }
        char name[64], phone[32];
        person(d, name, sizeof name);
        snprintf(phone, sizeof phone, "010-6%07u", (unsigned)(rnd(d) % 10000000u));
        rc = put_user(d, staff[i].login, name, phone, staff[i].role, 0, a);
    }
    d->system.role = ROLE_SYSTEM;
    snprintf(d->system.name, sizeof d->system.name, "市级平台接口");
    for (size_t i = 0; i < JS_ARRAY_LEN(unit_defs) && !rc; i++)
        for (int k = 0; k < 5 && unit_defs[i].duties[k] && !rc; k++)
            rc = put_catalogue(d, unit_defs[i].duties[k], 0, d->n_streets + (int)i);
    for (int i = 0; i < d->n_streets && !rc; i++)
        for (size_t k = 0; k < JS_ARRAY_LEN(street_duties) && !rc; k++)
            rc = put_catalogue(d, street_duties[k], d->streets[i].id, d->streets[i].unit);
    return rc;
}

/* Writes the organisation in one transaction. */
static int make_organisation(struct demo *d)
{
    int rc = d->s->ops->begin(d->s);
    if (rc)
        return js_fail(d->e, rc, "", "无法开始事务");
    if (!(rc = make_regions(d)) && !(rc = make_categories(d)))
        rc = make_people(d);
    if (rc) {
        d->s->ops->rollback(d->s);
        return rc;
    }
    rc = d->s->ops->commit(d->s);
    if (rc)
        return js_fail(d->e, rc, "", "无法提交组织架构");
    return 0;
}

/* ---- reading messages ---------------------------------------------------------------------- */

/* The category of a message, by points: a category name in the title (the longer the
 * better), a category name of three characters or more in the text, and the everyday words of
 * the keyword table, which count three times as much in the title as in the text. The best
 * score wins (ties: the first in the tree); with no points at all, 城乡建设/其他/其他. */
static int classify(struct demo *d, const char *title, const char *text)
{
    int best = d->default_cat;
    double best_score = 0;
    double *score = d->score;
    for (int i = 0; i < d->n_cats; i++) {
        const struct cat *c = &d->cats[i];
        score[i] = 0;
        if (c->len < 6 || strcmp(c->name, "其他") == 0)
            continue;
        if (strstr(title, c->name))
            score[i] += 4 + (double)c->len / 3;
        else if (c->len >= 9 && strstr(text, c->name))
            score[i] += 1 + (double)c->len / 6;
    }
    for (size_t k = 0; k < JS_ARRAY_LEN(keywords); k++) {
        const char *w = keywords[k].words;
        while (*w) {
            const char *bar = strchr(w, '|');
            size_t n = bar ? (size_t)(bar - w) : strlen(w);
            char word[64];
            if (n < sizeof word) {
                memcpy(word, w, n);
                word[n] = '\0';
                if (strstr(title, word))
                    score[d->keyword_cat[k]] += 6;
                else if (strstr(text, word))
                    score[d->keyword_cat[k]] += 2;
            }
            w += n + (bar ? 1 : 0);
        }
    }
    for (int i = 0; i < d->n_cats; i++)
        if (score[i] > best_score) {
            best = i;
            best_score = score[i];
        }
    return best;
}

static int msg_cat(struct demo *d, struct msg *m)
{
    if (m->cat == -2)
        m->cat = classify(d, m->title, m->text);
    return m->cat;
}

/* The next unused message, from the reply pool when want_reply (so that replies are real),
 * else from the other pool; either pool stands in when the other is used up. */
static struct msg *take_msg(struct demo *d, bool want_reply)
{
    struct pool *first = want_reply ? &d->replies : &d->votes;
    struct pool *second = want_reply ? &d->votes : &d->replies;
    if (first->next < first->n)
        return &first->v[first->next++];
    if (second->next < second->n)
        return &second->v[second->next++];
    return NULL;
}

/* An unused message of category cat from the votes pool (a second citizen reporting a similar
 * problem), looking a little ahead; else the next message. */
static struct msg *take_similar(struct demo *d, int cat)
{
    struct pool *p = &d->votes;
    for (int i = p->next; i < p->n && i < p->next + 300; i++)
        if (msg_cat(d, &p->v[i]) == cat) {
            struct msg t = p->v[i];
            p->v[i] = p->v[p->next];
            p->v[p->next] = t;
            return &p->v[p->next++];
        }
    return take_msg(d, false);
}

static int sentence_cuts(const char *text, int n, size_t *cut);

/* A message whose text splits into at least `pieces` sentences, from the reply pool. */
static struct msg *take_splittable(struct demo *d, int pieces)
{
    struct pool *p = &d->replies;
    size_t cut[9];
    for (int i = p->next; i < p->n && i < p->next + 1000; i++) {
        if (sentence_cuts(p->v[i].text, pieces, cut) == pieces) {
            struct msg t = p->v[i];
            p->v[i] = p->v[p->next];
            p->v[p->next] = t;
            return &p->v[p->next++];
        }
    }
    return take_msg(d, true);
}

/* The request type a call-taker would pick from the words of the title. */
static int guess_type(struct demo *d, const char *title)
{
    static const struct {
        const char *word;
        int type;
    } words[] = {
        {"咨询", TYPE_CONSULT},   {"请问", TYPE_CONSULT}, {"能否", TYPE_CONSULT},
        {"是否", TYPE_CONSULT},   {"建议", TYPE_SUGGEST}, {"举报", TYPE_REPORT},
        {"投诉", TYPE_COMPLAINT}, {"感谢", TYPE_PRAISE},  {"表扬", TYPE_PRAISE},
        {"求助", TYPE_HELP},      {"帮助", TYPE_HELP},    {"申请", TYPE_REQUEST},
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(words); i++)
        if (strstr(title, words[i].word))
            return words[i].type;
    size_t n = strlen(title);
    if ((n >= 3 && strcmp(title + n - 3, "？") == 0) || (n >= 1 && title[n - 1] == '?'))
        return TYPE_CONSULT;
    static const double w[TYPE__COUNT] = {
        [TYPE_CONSULT] = 12,   [TYPE_SUGGEST] = 8, [TYPE_HELP] = 20,
        [TYPE_COMPLAINT] = 48, [TYPE_REPORT] = 6,  [TYPE_REQUEST] = 6};
    return weighted(d, w, TYPE__COUNT);
}

/* ---- the actions --------------------------------------------------------------------------- */

static const char *const channels[] = {
    "hotline-12345", "hotline-96010", "wechat", "web",     "upstream", "weibo",    "mailbox",
    "media",         "grid",          "leader", "conduct", "forum",    "video-ai", "open311"};
static const double channel_w[] = {52, 4, 10, 8, 9, 3, 2, 2, 4, 1, 1, 1.5, 1, 1.5};

static const struct actor *unit_op(struct demo *d, int u)
{
    return &d->units[u].op;
}

/* Registers a message as a new order (intake) and fills f. channel NULL: drawn. */
static int intake(struct demo *d, struct flow *f, struct msg *m, const char *channel, int type,
                  int level)
{
    if (!m)
        return js_fail(d->e, JS_EINTERNAL, "n_orders", "真实留言已用完，无法再生成工单");
    f->msg = m;
    if (!channel)
        channel = channels[weighted(d, channel_w, (int)JS_ARRAY_LEN(channels))];
    f->upstream = strcmp(channel, "upstream") == 0;
    f->type = type >= 0 ? type : guess_type(d, m->title);
    if (f->comm < 0)
        f->comm = rnd_int(d, 0, d->n_comms - 1);
    const struct comm *cm = &d->comms[f->comm];
    f->street = cm->street;
    f->region_id = chance(d, 0.4) ? cm->grid[rnd_int(d, 0, 1)] : cm->id;
    f->category_id = d->cats[msg_cat(d, m)].id;

    json_t *a = json_object();
    put_s(a, "channel", channel);
    put_s(a, "type", js_type_names[f->type]);
    put_s(a, "title", m->title);
    put_s(a, "text", m->text);
    if (f->anonymous) {
        put_b(a, "anonymous", true);
        d->c.anonymous++;
    } else {
        char name[64], phone[32];
        person(d, name, sizeof name);
        mobile(d, phone, sizeof phone);
        put_s(a, "citizen_name", name);
        put_s(a, "citizen_phone", phone);
        put_b(a, "wants_callback", true);
        if (chance(d, 0.3))
            put_b(a, "needs_contact", true);
    }
    put_i(a, "category_id", f->category_id);
    put_i(a, "region_id", f->region_id);
    if (level < 0) {
        static const double lw[LEVEL__COUNT] = {93, 5, 2};
        level = weighted(d, lw, LEVEL__COUNT);
    }
    put_s(a, "level", js_level_names[level]);
    static const double tw[TIER__COUNT] = {56, 3, 9, 15, 17};
    int tier = weighted(d, tw, TIER__COUNT);
    if (tier != TIER_NONE)
        put_s(a, "tier", js_tier_names[tier]);
    char addr[JS_MAX_ADDRESS];
    if (!find_address(m->title, addr, sizeof addr) && !find_address(m->text, addr, sizeof addr))
        snprintf(addr, sizeof addr, "%s%s", d->streets[f->street].name, cm->name);
    put_s(a, "address", addr);
    if (chance(d, 0.25)) {
        const struct street *st = &d->streets[f->street];
        json_object_set_new(a, "lat", json_real(st->lat + (rnd01(d) - 0.5) * 0.01));
        json_object_set_new(a, "lon", json_real(st->lon + (rnd01(d) - 0.5) * 0.01));
    }
    if (chance(d, 0.03))
        put_b(a, "enterprise", true);
    if (f->upstream) {
        char up[64];
        int y, mo, dd;
        jtime_civil_from_days(jtime_local_day(d->t), &y, &mo, &dd);
        snprintf(up, sizeof up, "SJ12345-%04d%02d%02d-%06u", y, mo, dd,
                 (unsigned)(rnd(d) % 1000000u));
        put_s(a, "upstream_id", up);
        put_t(a, "upstream_deadline", d->t + (int64_t)rnd_int(d, 5, 15) * JT_DAY);
        d->c.upstream++;
    }
    struct engine_result r;
    int rc = act(d, f->upstream ? &d->system : &d->agent[rnd(d) % 2], ACT_INTAKE, 0, a, &r);
    if (rc)
        return rc;
    f->id = r.order_id;
    memcpy(f->number, r.number, sizeof f->number);
    return 0;
}

/* Verifies an upstream order (000 art. 7) and files it (立案). */
static int verify_and_file(struct demo *d, struct flow *f)
{
    int rc = 0;
    memcpy(d->number, f->number, sizeof d->number);
    if (f->upstream && d->en->policy.verify_upstream) {
        wait_for(d, rnd_hours(d, 0.05, 0.5), true);
        rc = act(d, &d->dispatcher[rnd(d) % 2], ACT_VERIFY, f->id,
                 arg_s("note", "已与市级平台核对工单内容和诉求人信息"), NULL);
        if (rc)
            return rc;
    }
    wait_for(d, rnd_hours(d, 0.05, 0.6), true);
    return act(d, &d->agent[rnd(d) % 2], ACT_FILE, f->id,
               arg_s("note", "诉求明确、地址清楚，予以立案"), NULL);
}

/* The unit a dispatcher would pick: the responsibility catalogue, else the street office. */
static int catalogue_unit(struct demo *d, const struct flow *f)
{
    struct catalogue_entry ce;
    if (d->s->ops->catalogue_lookup(d->s, f->category_id, f->region_id, &ce) == 0)
        for (int i = 0; i < d->n_units; i++)
            if (d->units[i].id == ce.unit_id)
                return i;
    return d->streets[f->street].unit;
}

static bool unit_taken(const int *used, int n, int u)
{
    for (int i = 0; i < n; i++)
        if (used[i] == u)
            return true;
    return false;
}

/* A unit not among the n in used: first the order's street office, then any other. */
static int other_unit(struct demo *d, const struct flow *f, const int *used, int n)
{
    int st = d->streets[f->street].unit;
    if (!unit_taken(used, n, st) && chance(d, 0.6))
        return st;
    for (int tries = 0; tries < 200; tries++) {
        int u = rnd_int(d, 0, d->n_units - 1);
        if (!unit_taken(used, n, u))
            return u;
    }
    return -1;
}

static int dispatch(struct demo *d, struct flow *f, int unit, bool helpers)
{
    json_t *a = json_object();
    put_i(a, "unit_id", d->units[unit].id);
    if (helpers && f->n_assist) {
        json_t *arr = json_array();
        for (int i = 0; i < f->n_assist; i++)
            json_array_append_new(arr, json_integer((json_int_t)d->units[f->assist[i]].id));
        json_object_set_new(a, "assist_units", arr);
    }
    if (helpers && f->dual >= 0)
        put_i(a, "dual_unit_id", d->units[f->dual].id);
    char note[160];
    snprintf(note, sizeof note, "请%s按职责办理并及时反馈", d->units[unit].name);
    put_s(a, "note", note);
    return act(d, &d->dispatcher[rnd(d) % 2], ACT_DISPATCH, f->id, a, NULL);
}

/* The 专题协调会 of 000 art. 11
 * (事项经过3个以上部门回退的，进入复杂事项协调流程，通过…专题协调会…协调 解决), recorded with the
 * units that returned the order and the lead unit it settles on. */
static int coordination_meeting(struct demo *d, const struct flow *f, const int *used, int n_used)
{
    struct meeting m;
    json_t *parts = json_array();
    char decisions[256];
    int rc = parts ? 0 : -JS_ENOMEM;
    meeting_init(&m);
    for (int i = 0; i < n_used && !rc; i++)
        if (json_array_append_new(parts, json_pack("{ss sI}", "name", d->units[used[i]].name,
                                                   "unit_id", (json_int_t)d->units[used[i]].id)))
            rc = -JS_ENOMEM;
    snprintf(decisions, sizeof decisions, "经协调，由%s牵头办理，相关单位配合，按时限办结",
             d->units[f->lead].name);
    m.kind = MEETING_TOPIC;
    m.held_at = m.created_at = d->t;
    m.created_by = d->dispatcher[0].user_id;
    snprintf(m.created_by_name, sizeof m.created_by_name, "%s", d->dispatcher[0].name);
    m.orders[m.n_orders++] = f->id;
    m.title = strdup("复杂事项专题协调会");
    m.convener = strdup("区热线受理中心");
    m.decisions = strdup(decisions);
    m.participants = rc ? NULL : json_dumps(parts, JSON_COMPACT);
    m.follow_ups = strdup("[{\"item\":\"按协调结果派单并限期办结\",\"owner\":\"分拨员\"}]");
    if (!rc && (!m.title || !m.convener || !m.decisions || !m.participants || !m.follow_ups))
        rc = -JS_ENOMEM;
    if (!rc)
        rc = d->s->ops->meeting_add(d->s, &m);
    json_decref(parts);
    meeting_release(&m);
    return rc;
}

/* Unit u returns the order: the first time with reason and legal basis, the second time also
 * with the leader-signed statement (000 art. 9). right names the unit that should have it. */
static int unit_return(struct demo *d, struct flow *f, int u, int right, bool second)
{
    json_t *a = json_object();
    char s[300];
    snprintf(s, sizeof s, "经核实，该诉求不属于%s职责范围，应由%s办理，申请退回重新派遣",
             d->units[u].name, d->units[right].name);
    put_s(a, "reason", s);
    put_s(a, "legal_basis", "《示范区接诉即办职责目录》及相关部门“三定”规定");
    if (second) {
        json_t *att = json_object();
        snprintf(s, sizeof s, "%s退单说明（主管领导签字）.pdf", d->units[u].name);
        put_s(att, "name", s);
        snprintf(s, sizeof s, "/files/demo/%s-return-%s.pdf", f->number, d->units[u].code);
        put_s(att, "url", s);
        json_object_set_new(a, "attachment", att);
        d->c.second_returns++;
    }
    d->c.returns++;
    /* a second return carries the leader's signature: the unit's leader sends it (000 art. 9) */
    bool leader = second && d->en->policy.second_return_needs_attachment;
    return act(d, leader ? &d->units[u].lead : unit_op(d, u), ACT_RETURN, f->id, a, NULL);
}

static int return_decide(struct demo *d, struct flow *f, int u, bool approve, bool with_assist,
                         struct engine_result *r)
{
    json_t *a = json_object();
    put_i(a, "unit_id", d->units[u].id);
    if (approve) {
        put_s(a, "note", "退单理由成立，同意退回，重新派遣");
        return act(d, &d->dispatcher[rnd(d) % 2], ACT_RETURN_APPROVE, f->id, a, r);
    }
    put_s(a, "reason", "经查职责目录，该事项属于本单位职责，退单理由不成立，请继续办理");
    put_b(a, "unjustified", chance(d, 0.7));
    if (with_assist) {
        int used[4] = {u, f->dual, f->n_assist ? f->assist[0] : -1, f->lead};
        int other = other_unit(d, f, used, 4);
        if (other >= 0) {
            json_t *arr = json_array();
            json_array_append_new(arr, json_integer((json_int_t)d->units[other].id));
            json_object_set_new(a, "assist_units", arr);
        }
    }
    d->c.rejects++;
    return act(d, &d->dispatcher[rnd(d) % 2], ACT_RETURN_REJECT, f->id, a, r);
}

/* The instant at which a fraction of unit u's return window has passed. */
static int64_t return_time(struct demo *d, int64_t dispatched_at, double frac)
{
    const struct policy *p = &d->en->policy;
    int64_t end =
        calendar_add_span(d->en->cal, dispatched_at, p->return_window, p->return_window_unit);
    if (end <= dispatched_at)
        return dispatched_at;
    return dispatched_at + (int64_t)((double)(end - dispatched_at) * frac);
}

static int64_t order_deadline(struct demo *d, int64_t id)
{
    struct order o;
    order_init(&o);
    int64_t dl = 0;
    if (d->s->ops->order_get(d->s, id, &o) == 0)
        dl = o.deadline;
    order_release(&o);
    return dl;
}

/* The end of every local limit of an order from the city (its deadline less the margin), 0 for
 * another order. */
static int64_t order_upstream_end(struct demo *d, int64_t id)
{
    struct order o;
    order_init(&o);
    int64_t end = 0;
    if (d->s->ops->order_get(d->s, id, &o) == 0)
        end = deadline_upstream_end(&d->en->policy, &o);
    order_release(&o);
    return end;
}

static int sign(struct demo *d, struct flow *f, int u)
{
    int lim = d->en->policy.sign_limit_hours;
    wait_for(d, lim > 0 ? rnd_hours(d, 0.05 * lim, 0.6 * lim) : rnd_hours(d, 0.2, 4), false);
    return act(d, unit_op(d, u), ACT_SIGN, f->id, arg_s("note", "已签收，安排专人办理"), NULL);
}

/* A real reply for the order: the official reply to its message when there is one. */
static const char *reply_text(const struct flow *f)
{
    if (f->msg && f->msg->reply)
        return f->msg->reply;
    /* only when the messages with replies are used up (more orders than such messages) */
    return "经现场核实，已按诉求人反映的问题依职责进行处理，并已与诉求人沟通说明办理情况。";
}

static int reply(struct demo *d, struct flow *f, int u, int closure)
{
    const struct dunit *du = &d->units[u];
    json_t *a = json_object();
    put_s(a, "result", reply_text(f));
    put_s(a, "closure", js_closure_names[closure]);
    char who[200];
    snprintf(who, sizeof who, "%s（主管领导）、%s（承办人）", du->lead.name, du->op.name);
    put_s(a, "responsible", who);
    put_s(a, "handler", du->op.name);
    if (chance(d, 0.3)) {
        json_t *arr = json_array();
        json_t *att = json_object();
        char s[160];
        put_s(att, "name", "现场处置照片.jpg");
        snprintf(s, sizeof s, "/files/demo/%s-%s-photo.jpg", f->number, du->code);
        put_s(att, "url", s);
        put_s(att, "kind", "photo");
        json_array_append_new(arr, att);
        json_object_set_new(a, "attachments", arr);
    }
    return act(d, unit_op(d, u), ACT_REPLY, f->id, a, NULL);
}

/* 并行派遣 (002 ch. 4): each assisting unit that signed reports its part before the lead
 * replies (in every round); where the reply waits for them (reply_waits_for_assists), one that
 * has not signed yet signs first. The assisting units are the order's (some were added when a
 * return was rejected). */
static int assist_reports(struct demo *d, struct flow *f)
{
    struct order o;
    order_init(&o);
    int rc = d->s->ops->order_get(d->s, f->id, &o);
    for (int i = 0; i < o.n_units && !rc; i++) {
        const struct assignment *a = &o.units[i];
        if (!a->active || a->role != ASG_ASSIST || a->replied_at)
            continue;
        if (!a->signed_at && !d->en->policy.reply_waits_for_assists)
            continue;
        int u = -1;
        for (int k = 0; k < d->n_units && u < 0; k++)
            if (d->units[k].id == a->unit_id)
                u = k;
        if (u < 0)
            continue;
        if (!a->signed_at)
            rc = act(d, unit_op(d, u), ACT_SIGN, f->id, arg_s("note", "已签收，配合主办单位办理"),
                     NULL);
        if (!rc)
            rc = act(d, unit_op(d, u), ACT_ASSIST_REPORT, f->id,
                     arg_s("result", "已按分工完成本单位承担部分的现场处置，情况已告主办单位"),
                     NULL);
    }
    order_release(&o);
    return rc;
}

/* Every lead-type unit replies (one after the other for dual dispatch), timed against the
 * deadline: most in time, some late; the assisting units report their parts first. */
static int reply_all(struct demo *d, struct flow *f, int closure)
{
    int64_t dl = order_deadline(d, f->id);
    int64_t dt = (dl > d->t) ? (int64_t)((double)(dl - d->t) * (0.15 + 0.7 * rnd01(d)))
                             : rnd_hours(d, 24, 24 * 6);
    if (dl > d->t && chance(d, 0.08))
        dt = dl - d->t + rnd_hours(d, 4, 72);
    wait_for(d, dt, true);
    int rc = assist_reports(d, f);
    if (!rc)
        rc = reply(d, f, f->lead, closure);
    if (!rc && f->dual >= 0) {
        wait_for(d, rnd_hours(d, 1, 30), true);
        rc = reply(d, f, f->dual, closure);
    }
    return rc;
}

static int review(struct demo *d, struct flow *f, bool pass, int closure, struct engine_result *r)
{
    (void)closure; /* the closure standard is derived by the review (002 art. 17) */
    wait_for(d, rnd_hours(d, 1, 20), true);
    json_t *a = json_object();
    put_b(a, "pass", pass);
    if (!pass) {
        put_s(a, "reason", "答复内容未回应诉求人核心诉求，办理过程描述不清，请补充完善后重新反馈");
        put_s(a, "not_closed_reason", "unanswered");
    }
    return act(d, &d->reviewer, ACT_REVIEW, f->id, a, r);
}

static int callback_result(struct demo *d, struct flow *f, int outcome)
{
    wait_for(d, rnd_hours(d, 3, 48), true);
    json_t *a = json_object();
    switch (outcome) {
    case CB_UNREACHABLE:
        put_b(a, "unreachable", true);
        put_s(a, "note", "电话无人接听");
        break;
    case CB_UNSAT_CLOSE:
        put_b(a, "contacted", true);
        put_b(a, "solved", false);
        put_s(a, "satisfaction", "unsatisfied");
        /* the service process asked apart from the result (001 附件 三(一)2(1)): one in three
         * of these citizens found it unsatisfying too */
        put_s(a, "process_satisfaction", f->id % 3 == 0 ? "unsatisfied" : "basic");
        put_s(a, "note", "诉求人表示问题未得到解决");
        break;
    default:
        put_b(a, "contacted", true);
        put_b(a, "solved", true);
        put_s(a, "satisfaction", outcome == CB_BASIC ? "basic" : "satisfied");
        put_s(a, "process_satisfaction", outcome == CB_BASIC ? "basic" : "satisfied");
        put_s(a, "note", "诉求人确认单位已联系并处理");
        break;
    }
    return act(d, &d->callback[rnd(d) % 2], ACT_CALLBACK, f->id, a, NULL);
}

/* ---- scenarios ------------------------------------------------------------------------------ */

static void remember_open(struct demo *d, int64_t id)
{
    d->open_ids[d->n_open % DEMO_OPEN_RING] = id;
    d->n_open++;
}

/* The handling part: contact, sign-approval, urges, supervision, extension, hanging account. */
static int handle(struct demo *d, struct flow *f, bool *stopped)
{
    int rc = 0;
    const struct dunit *lu = &d->units[f->lead];
    *stopped = false;
    if (!f->anonymous && chance(d, 0.85)) {
        wait_for(d, rnd_hours(d, 0.5, 20), true);
        static const char *const methods[] = {"phone", "phone", "phone", "visit", "sms"};
        json_t *a = json_object();
        put_s(a, "method", PICK(d, methods));
        put_s(a, "result", "已与诉求人取得联系，了解具体情况并告知办理安排");
        if ((rc = act(d, &lu->op, ACT_CONTACT, f->id, a, NULL)))
            return rc;
    }
    /* 签批 by the unit's leader: always where a reply needs it (001 §二(二)) */
    if (d->en->policy.reply_needs_sign_approval || chance(d, 0.3)) {
        wait_for(d, rnd_hours(d, 0.5, 8), true);
        json_t *a = json_object();
        put_s(a, "handler", lu->op.name);
        put_s(a, "note", "同意办理方案，按时限办结");
        if ((rc = act(d, &lu->lead, ACT_SIGN_APPROVAL, f->id, a, NULL)))
            return rc;
    }
    if (chance(d, 0.03)) {
        wait_for(d, rnd_hours(d, 1, 24), true);
        d->c.instructions++;
        if ((rc = act(d, &d->leader, ACT_INSTRUCT, f->id,
                      arg_s("text", "请承办单位高度重视，切实解决群众诉求，办理结果及时报告"),
                      NULL)))
            return rc;
    }
    if (chance(d, 0.12)) {
        wait_for(d, rnd_hours(d, 24, 24 * 5), true);
        d->c.urges++;
        if ((rc = act(d, chance(d, 0.5) ? &d->system : &d->dispatcher[0], ACT_URGE, f->id,
                      arg_s("note", "办理时限已过半，请加快办理进度"), NULL)))
            return rc;
    }
    bool supervised = f->variant == HV_SUPERVISED || chance(d, 0.05);
    if (supervised) {
        wait_for(d, rnd_hours(d, 24, 24 * 4), true);
        json_t *a = json_object();
        put_s(a, "reason", "诉求人多次来电反映，办理进度缓慢");
        put_s(a, "kind", "repeat");
        d->c.supervisions++;
        if ((rc = act(d, &d->supervisor, ACT_SUPERVISE, f->id, a, NULL)))
            return rc;
        if (f->stop == MS_HANDLING && f->variant == HV_SUPERVISED) {
            *stopped = true;
            return 0;
        }
        wait_for(d, rnd_hours(d, 2, 20), true);
        if ((rc = act(d, &lu->op, ACT_SUPERVISE_ANSWER, f->id,
                      arg_s("answer", "已成立专班推进，预计近期办结，办理结果将及时反馈"), NULL)))
            return rc;
    }
    if (f->variant == HV_EXT_PENDING || chance(d, 0.07)) {
        int64_t dl = order_deadline(d, f->id);
        if (dl > 0) {
            int maxd = d->en->policy.max_extension_days;
            int days = rnd_int(d, 3, 10);
            if (maxd > 0 && days > maxd)
                days = maxd;
            if (days < 1)
                days = 1;
            wait_for(d, rnd_hours(d, 12, 72), true);
            /* an extension is asked for a time still ahead (issue 10: no deadline in the
             * past); an order already past deadline + days asks for none */
            if (dl + (int64_t)days * JT_DAY <= d->t)
                goto no_extension;
            /* an order from the city is extended at most to its end (the city's deadline less
             * the margin, 000 art. 13), and not at all when the deadline is there already */
            int64_t until = dl + (int64_t)days * JT_DAY, end = order_upstream_end(d, f->id);
            if (end > 0 && until > end)
                until = end;
            if (until <= dl || until <= d->t)
                goto no_extension;
            json_t *a = json_object();
            put_t(a, "until", until);
            put_s(a, "reason", "涉及多个部门协调及施工周期，需延长办理时限");
            d->c.extensions++;
            if ((rc = act(d, &lu->op, ACT_EXTENSION_REQUEST, f->id, a, NULL)))
                return rc;
            if (f->stop == MS_HANDLING && f->variant == HV_EXT_PENDING) {
                *stopped = true;
                return 0;
            }
            wait_for(d, rnd_hours(d, 1, 12), true);
            a = json_object();
            if (chance(d, 0.8)) {
                put_b(a, "approve", true);
            } else {
                put_b(a, "approve", false);
                put_s(a, "reason", "延期理由不充分，请在原时限内办结");
            }
            if ((rc = act(d, &d->dispatcher[rnd(d) % 2], ACT_EXTENSION_DECIDE, f->id, a, NULL)))
                return rc;
        }
    }
no_extension:
    if (f->variant == HV_HANG || chance(d, 0.025)) {
        wait_for(d, rnd_hours(d, 24, 24 * 4), true);
        json_t *a = json_object();
        put_s(a, "scope", "涉及历史遗留问题，需纳入年度改造计划统筹解决");
        put_s(a, "plan", "制定整改方案，分阶段推进，每月报送进展");
        put_t(a, "expected", d->t + (int64_t)rnd_int(d, 30, 120) * JT_DAY);
        d->c.hangs++;
        if ((rc = act(d, &lu->op, ACT_HANG_REQUEST, f->id, a, NULL)))
            return rc;
        wait_for(d, rnd_hours(d, 2, 24), true);
        a = json_object();
        put_b(a, "approve", true);
        put_s(a, "reason", "属于短期内难以解决的问题，同意挂账");
        if ((rc = act(d, chance(d, 0.5) ? &d->supervisor : &d->dispatcher[0], ACT_HANG_DECIDE,
                      f->id, a, NULL)))
            return rc;
        int reports = rnd_int(d, 1, 2);
        for (int i = 0; i < reports; i++) {
            wait_for(d, rnd_hours(d, 24 * 3, 24 * 10), true);
            if ((rc = act(d, &lu->op, ACT_HANG_PROGRESS, f->id,
                          arg_s("progress", "整改方案已报批，正在组织实施"), NULL)))
                return rc;
        }
        if (f->stop == MS_HANDLING && f->variant == HV_HANG) {
            *stopped = true;
            return 0;
        }
        wait_for(d, rnd_hours(d, 24, 24 * 7), true);
        json_t *lift = arg_s("result", "问题已整改完成");
        put_s(lift, "note", "予以销账");
        if ((rc = act(d, chance(d, 0.5) ? &lu->op : &d->dispatcher[1], ACT_HANG_LIFT, f->id, lift,
                      NULL)))
            return rc;
    }
    return 0;
}

/* Dispatching by the planned route; *stopped when the plan ends during it. */
static int route(struct demo *d, struct flow *f, bool *stopped)
{
    int rc = 0;
    struct engine_result r;
    *stopped = false;
    int used[12];
    int n_used = 0;
    used[n_used++] = f->lead;
    if (f->dual >= 0)
        used[n_used++] = f->dual;
    for (int i = 0; i < f->n_assist; i++)
        used[n_used++] = f->assist[i];
    switch (f->route) {
    case R_REDISPATCH:
    case R_SECOND_RETURN: {
        int w = other_unit(d, f, used, n_used);
        if (w < 0)
            break;
        wait_for(d, rnd_hours(d, 0.1, 2), true);
        int64_t at = d->t;
        if ((rc = dispatch(d, f, w, false)))
            return rc;
        wait_until(d, return_time(d, at, 0.1 + 0.15 * rnd01(d)));
        if ((rc = unit_return(d, f, w, f->lead, false)))
            return rc;
        if (f->route == R_SECOND_RETURN) {
            wait_until(d, return_time(d, at, 0.35 + 0.1 * rnd01(d)));
            if ((rc = return_decide(d, f, w, false, false, NULL)))
                return rc;
            wait_until(d, return_time(d, at, 0.55 + 0.2 * rnd01(d)));
            if ((rc = unit_return(d, f, w, f->lead, true)))
                return rc;
        }
        if (f->stop == MS_RETURNED) {
            *stopped = true;
            return 0;
        }
        wait_for(d, rnd_hours(d, 0.5, 4), true);
        if ((rc = return_decide(d, f, w, true, false, NULL)))
            return rc;
        d->c.redispatches++;
        break;
    }
    case R_COORD: {
        for (int k = 0; k < 8; k++) {
            int w = other_unit(d, f, used, n_used);
            if (w < 0)
                break;
            used[n_used++] = w;
            wait_for(d, rnd_hours(d, 0.1, 2), true);
            int64_t at = d->t;
            if ((rc = dispatch(d, f, w, false)))
                return rc;
            wait_until(d, return_time(d, at, 0.1 + 0.3 * rnd01(d)));
            if ((rc = unit_return(d, f, w, f->lead, false)))
                return rc;
            wait_for(d, rnd_hours(d, 0.5, 4), true);
            if ((rc = return_decide(d, f, w, true, false, &r)))
                return rc;
            if (r.status == ST_COORDINATION)
                break;
        }
        d->c.coordinations++;
        if (f->stop == MS_COORDINATION) {
            *stopped = true;
            return 0;
        }
        wait_for(d, rnd_hours(d, 24, 72), true); /* the coordination meeting */
        if ((rc = coordination_meeting(d, f, used, n_used)))
            return rc;
        break;
    }
    default:
        break;
    }
    wait_for(d, rnd_hours(d, 0.1, 1.5), true);
    int64_t at = d->t;
    if ((rc = dispatch(d, f, f->lead, true)))
        return rc;
    if (f->route == R_REJECT_KEEP) {
        wait_until(d, return_time(d, at, 0.1 + 0.3 * rnd01(d)));
        int right = other_unit(d, f, used, n_used);
        if ((rc = unit_return(d, f, f->lead, right >= 0 ? right : f->lead, false)))
            return rc;
        wait_for(d, rnd_hours(d, 0.5, 4), true);
        if ((rc = return_decide(d, f, f->lead, false, d->en->policy.first_handler_duty, NULL)))
            return rc;
    }
    return 0;
}

/* Drives a filed order from dispatch to its planned stop. */
static int drive(struct demo *d, struct flow *f)
{
    int rc;
    bool stopped = false;
    memcpy(d->number, f->number, sizeof d->number);
    f->lead = catalogue_unit(d, f);
    f->dual = -1;
    f->n_assist = 0;
    int used[4] = {f->lead, -1, -1, -1};
    if (f->stop != MS_FORCED && chance(d, 0.035)) {
        f->dual = other_unit(d, f, used, 1);
        if (f->dual >= 0)
            d->c.dual++;
    }
    used[1] = f->dual;
    if (chance(d, 0.1)) {
        int a = other_unit(d, f, used, 2);
        if (a >= 0) {
            f->assist[f->n_assist++] = a;
            d->c.assist++;
        }
    }
    if ((rc = route(d, f, &stopped)) || stopped)
        return rc;
    if (f->stop == MS_DISPATCHED) {
        if (chance(d, 0.3)) {
            wait_for(d, rnd_hours(d, 2, 20), false);
            d->c.urges++;
            return act(d, &d->system, ACT_URGE, f->id, arg_s("note", "工单超过签收时限未签收"),
                       NULL);
        }
        return 0;
    }
    if (f->stop == MS_FORCED) {
        int64_t dl = order_deadline(d, f->id);
        if (chance(d, 0.5) && (rc = sign(d, f, f->lead)))
            return rc;
        if (dl > d->t)
            wait_until(d, d->t + (dl - d->t) / 2);
        d->c.urges++;
        if ((rc = act(d, &d->system, ACT_URGE, f->id, arg_s("note", "办理时限已过半，请加快办理"),
                      NULL)))
            return rc;
        wait_until(d, dl > d->t ? dl : d->t + rnd_hours(d, 24, 48));
        json_t *a = json_object();
        put_s(a, "reason", "超过办理时限未反馈");
        put_s(a, "kind", "overdue");
        d->c.supervisions++;
        if ((rc = act(d, &d->supervisor, ACT_SUPERVISE, f->id, a, NULL)))
            return rc;
        wait_for(d,
                 (int64_t)(d->en->policy.forced_close_hours > 0 ? d->en->policy.forced_close_hours
                                                                : 48) *
                     HOUR,
                 false);
        d->c.forced++;
        return act(d, chance(d, 0.5) ? &d->system : &d->supervisor, ACT_FORCE_CLOSE, f->id,
                   arg_s("reason", "承办单位逾期未反馈，督办后仍未回复，按规定强制结案"), NULL);
    }
    if ((rc = sign(d, f, f->lead)))
        return rc;
    if (f->dual >= 0 && (rc = sign(d, f, f->dual)))
        return rc;
    for (int i = 0; i < f->n_assist; i++)
        if (chance(d, 0.5) && (rc = sign(d, f, f->assist[i])))
            return rc;
    if ((rc = handle(d, f, &stopped)) || stopped)
        return rc;
    if (f->stop == MS_HANDLING && f->variant != HV_REWORK && f->variant != HV_REOPENED)
        return 0; /* stays in handling (also when a planned extension had no deadline) */

    static const double closure_w[CLOSURE__COUNT] = {78, 10, 12};
    int closure = weighted(d, closure_w, CLOSURE__COUNT);
    if (f->type == TYPE_CONSULT && closure == CLOSURE_INTERIM)
        closure = CLOSURE_RESOLVED; /* a consultation is answered, not in stages (002 art. 17) */
    if ((rc = reply_all(d, f, closure)))
        return rc;
    if (f->stop == MS_REPLIED)
        return 0;
    struct engine_result r;
    for (int k = 0; k < f->reworks; k++) {
        d->c.reworks++;
        if ((rc = review(d, f, false, closure, NULL)))
            return rc;
        if (f->stop == MS_HANDLING && f->variant == HV_REWORK && k == f->reworks - 1)
            return 0;
        if ((rc = reply_all(d, f, closure)))
            return rc;
    }
    if ((rc = review(d, f, true, closure, &r)))
        return rc;
    if (r.status == ST_CLOSED) /* anonymous: no callback */
        return archive_if_planned(d, f->stop, f->id, 24 * 2, 24 * 15, "办结归档");
    for (int k = 0; k < f->reopens; k++) {
        d->c.unsatisfied++;
        if ((rc = callback_result(d, f, CB_UNSAT_CLOSE)))
            return rc;
        wait_for(d, rnd_hours(d, 0.2, 6), true);
        json_t *a = json_object();
        put_s(a, "level", f->upstream && chance(d, 0.5) ? "upstream" : "district");
        put_s(a, "reason", "回访诉求人不满意，问题未实际解决，重新交办");
        d->c.reopens++;
        if (k == 1)
            d->c.reopened_twice++;
        if (k == 2)
            d->c.reopened_thrice++;
        if ((rc = act(d, &d->callback[rnd(d) % 2], ACT_REOPEN, f->id, a, NULL)))
            return rc;
        if (f->stop == MS_HANDLING && f->variant == HV_REOPENED && k == f->reopens - 1)
            return 0;
        if ((rc = reply_all(d, f, CLOSURE_RESOLVED)))
            return rc;
        if ((rc = review(d, f, true, CLOSURE_RESOLVED, NULL)))
            return rc;
    }
    if (f->stop == MS_HANDLING)
        return 0;
    if (f->stop == MS_CALLBACK) {
        if (d->en->policy.callback_tries > 1 && chance(d, 0.4)) {
            d->c.unreachable++;
            return callback_result(d, f, CB_UNREACHABLE);
        }
        return 0;
    }
    const char *reason = NULL;
    if (f->outcome == CB_UNREACHABLE) {
        int tries = d->en->policy.callback_tries > 0 ? d->en->policy.callback_tries : 1;
        for (int k = 0; k < tries; k++)
            if ((rc = callback_result(d, f, CB_UNREACHABLE)))
                return rc;
        d->c.unreachable++;
        reason = "多次回访均未能联系到诉求人，按无法联系办结";
    } else {
        if ((rc = callback_result(d, f, f->outcome)))
            return rc;
        if (f->outcome == CB_UNSAT_CLOSE) {
            d->c.unsatisfied++;
            reason = "诉求人要求超出政策规定，已做好解释说明，按不满意办结";
        }
    }
    wait_for(d, rnd_hours(d, 0.1, 3), true);
    if ((rc = act(d, &d->callback[rnd(d) % 2], ACT_CLOSE, f->id,
                  reason ? arg_s("reason", reason) : json_object(), NULL)))
        return rc;
    return archive_if_planned(d, f->stop, f->id, 24 * 2, 24 * 15, "办结归档");
}

/* Draws the details of a dispatched order: route, variant, reworks, reopens, callback. */
static void draw_flow(struct demo *d, struct flow *f, int stop)
{
    memset(f, 0, sizeof *f);
    f->stop = stop;
    f->comm = -1;
    f->dual = -1;
    f->variant = HV_PLAIN;
    if (stop == MS_HANDLING) {
        static const double vw[HV__COUNT] = {50, 10, 10, 10, 10, 10};
        f->variant = weighted(d, vw, HV__COUNT);
    }
    static const double rw[R__COUNT] = {80, 8, 3, 2.5, 6.5};
    f->route = weighted(d, rw, R__COUNT);
    if (stop == MS_RETURNED)
        f->route = chance(d, 0.7) ? R_REDISPATCH : R_SECOND_RETURN;
    else if (stop == MS_COORDINATION)
        f->route = R_COORD;
    else if (stop == MS_FORCED)
        f->route = R_PLAIN;
    bool reaches_review = stop == MS_CALLBACK || stop == MS_CLOSED || stop == MS_ARCHIVED;
    if (reaches_review || (stop == MS_HANDLING && f->variant == HV_REWORK)) {
        static const double kw[3] = {92, 6.5, 1.5};
        f->reworks = weighted(d, kw, 3);
        if (stop == MS_HANDLING && f->reworks == 0)
            f->reworks = 1;
    }
    bool needs_callback = stop == MS_CALLBACK || (stop == MS_HANDLING && f->variant == HV_REOPENED);
    f->anonymous = !needs_callback && chance(d, 0.1);
    if (!f->anonymous && (reaches_review || needs_callback)) {
        static const double ow[4] = {88, 8, 2.9, 1.1};
        f->reopens = weighted(d, ow, 4);
        if (stop == MS_HANDLING && f->reopens == 0)
            f->reopens = 1;
    }
    static const double cw[CB__COUNT] = {68, 16, 8, 8};
    f->outcome = weighted(d, cw, CB__COUNT);
}

/* The duplicate an order may be refused as: a recent order left open. */
static int64_t open_duplicate(struct demo *d)
{
    for (int k = 0; k < 4 && k < d->n_open; k++) {
        int64_t id = d->open_ids[(d->n_open - 1 - k) % DEMO_OPEN_RING];
        struct order o;
        order_init(&o);
        bool ok = d->s->ops->order_get(d->s, id, &o) == 0 && !status_is_final(o.status) &&
                  o.status != ST_MERGED && o.status != ST_SPLIT;
        order_release(&o);
        if (ok)
            return id;
    }
    return 0;
}

static int run_not_filed(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, MS_CLOSED);
    int rc = intake(d, &f, take_msg(d, false), NULL, -1, -1);
    if (rc)
        return rc;
    static const double w[NF__COUNT] = {25, 25, 10, 15, 5, 10, 5, 3, 2};
    static const char *const why[NF__COUNT] = {
        "来电未提出明确诉求，已告知诉求人可补充具体事项后再次反映",
        "该问题此前已有市民反映并已立案办理，本件作为重复诉求不再单独立案",
        "经核实，反映情况与实际不符，已向诉求人说明",
        "反映事项不属于本区管辖范围，已告知诉求人向属地政府反映",
        "该事项属于人大、法院、检察院职权范围，已告知诉求人相应渠道",
        "该事项应通过诉讼、仲裁或行政复议途径解决，已告知诉求人",
        "该事项已由有权机关受理，已告知诉求人等待处理结果",
        "该事项已依法处理终结，已向诉求人解释",
        "该信访事项已超过复查复核时限，已向诉求人说明",
    };
    int reason = weighted(d, w, NF__COUNT);
    int64_t dup = reason == NF_DUPLICATE ? open_duplicate(d) : 0;
    if (reason == NF_DUPLICATE && !dup)
        reason = NF_NO_DEMAND;
    wait_for(d, rnd_hours(d, 0.1, 1), true);
    json_t *a = json_object();
    put_s(a, "reason", js_notfiled_names[reason]);
    put_s(a, "explanation", why[reason]);
    if (dup)
        put_i(a, "duplicate_of", dup);
    if ((rc = act(d, &d->agent[rnd(d) % 2], ACT_NOT_FILE, f.id, a, NULL)))
        return rc;
    return archive_if_planned(d, p->stop, f.id, 24, 24 * 10, "不予立案件归档");
}

static int run_transfer(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, MS_CLOSED);
    f.anonymous = false;
    struct msg *m = take_msg(d, false);
    int rc = intake(d, &f, m, "hotline-12345", TYPE_HELP, LEVEL_URGENT);
    if (rc)
        return rc;
    const char *to = "110";
    if (strstr(m->text, "火") || strstr(m->text, "消防"))
        to = "119";
    else if (strstr(m->text, "急救") || strstr(m->text, "受伤") || strstr(m->text, "晕倒"))
        to = "120";
    wait_for(d, rnd_hours(d, 0.01, 0.1), false);
    json_t *a = json_object();
    put_s(a, "to", to);
    put_s(a, "note", "涉及警情或紧急情况，已一键转接并告知诉求人");
    if ((rc = act(d, &d->agent[rnd(d) % 2], ACT_TRANSFER, f.id, a, NULL)))
        return rc;
    return archive_if_planned(d, p->stop, f.id, 24, 24 * 10, "转接件归档");
}

/* Direct answer (秒回): stays answered (MS_HANDLING), gets a callback but is not closed yet
 * (MS_CALLBACK), is closed (MS_CLOSED) or closed and archived (MS_ARCHIVED). */
static int64_t kb_cite_for(struct demo *d, int64_t category_id);

static int run_answer(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, MS_CLOSED);
    f.anonymous = false;
    int rc = intake(d, &f, take_msg(d, true), NULL, chance(d, 0.7) ? TYPE_CONSULT : -1, -1);
    if (rc)
        return rc;
    wait_for(d, rnd_hours(d, 0.05, 0.4), false);
    json_t *ans = arg_s("answer", reply_text(&f));
    int64_t cite = kb_cite_for(d, f.category_id);
    if (cite)
        put_i(ans, "kb_entry", cite);
    if ((rc = act(d, &d->agent[rnd(d) % 2], ACT_ANSWER, f.id, ans, NULL)))
        return rc;
    if (p->stop == MS_HANDLING)
        return 0;
    bool direct = f.type == TYPE_CONSULT && !d->en->policy.callback_required_for_answer &&
                  p->stop != MS_CALLBACK && chance(d, 0.5);
    if (!direct && (rc = callback_result(d, &f, chance(d, 0.8) ? CB_SATISFIED : CB_BASIC)))
        return rc;
    if (p->stop == MS_CALLBACK)
        return 0;
    wait_for(d, rnd_hours(d, 0.1, 3), true);
    if ((rc = act(d, direct ? &d->dispatcher[0] : &d->callback[0], ACT_CLOSE, f.id, json_object(),
                  NULL)))
        return rc;
    return archive_if_planned(d, p->stop, f.id, 24 * 2, 24 * 15, "办结归档");
}

static bool wants_reply(int stop)
{
    return stop == MS_HANDLING || stop == MS_REPLIED || stop == MS_CALLBACK || stop == MS_CLOSED ||
           stop == MS_ARCHIVED;
}

static int run_main(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, p->stop);
    int rc = intake(d, &f, take_msg(d, wants_reply(p->stop)), NULL, -1, -1);
    if (!rc)
        rc = verify_and_file(d, &f);
    if (!rc)
        rc = drive(d, &f);
    if (!rc && p->stop <= MS_CALLBACK)
        remember_open(d, f.id);
    return rc;
}

/* A master order and duplicates about the same problem, merged (并案), then handled. */
static int run_merge(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, p->stop);
    struct msg *m = take_msg(d, wants_reply(p->stop));
    int rc = intake(d, &f, m, NULL, -1, -1);
    if (!rc)
        rc = verify_and_file(d, &f);
    if (rc)
        return rc;
    json_t *ids = json_array();
    for (int k = 0; k < p->extra && !rc; k++) {
        struct flow dup;
        draw_flow(d, &dup, MS_CLOSED);
        dup.comm = f.comm; /* the same problem in the same place */
        wait_for(d, rnd_hours(d, 0.3, 8), false);
        struct msg *dm = take_similar(d, msg_cat(d, m));
        if (!dm)
            break;
        rc = intake(d, &dup, dm, NULL, -1, -1);
        if (!rc)
            json_array_append_new(ids, json_integer((json_int_t)dup.id));
        d->c.merged++;
    }
    if (rc || json_array_size(ids) == 0) {
        json_decref(ids);
        return rc;
    }
    memcpy(d->number, f.number, sizeof d->number);
    wait_for(d, rnd_hours(d, 0.2, 4), true);
    json_t *a = json_object();
    json_object_set_new(a, "orders", ids);
    put_s(a, "note", "反映同一问题，并案办理");
    if ((rc = act(d, &d->dispatcher[rnd(d) % 2], ACT_MERGE, f.id, a, NULL)))
        return rc;
    return drive(d, &f);
}

/* Cuts text into n pieces at sentence ends (。！？；), as byte offsets cut[0..n]. Returns the
 * number of pieces made (at least 1). */
static int sentence_cuts(const char *text, int n, size_t *cut)
{
    size_t ends[256] = {0};
    int n_ends = 0;
    static const char *const marks[] = {"。", "！", "？", "；"};
    for (size_t i = 0; text[i] && n_ends < 256;) {
        bool end = false;
        for (size_t k = 0; k < JS_ARRAY_LEN(marks); k++)
            if (strncmp(text + i, marks[k], 3) == 0)
                end = true;
        i += end ? 3 : 1;
        if (end && text[i])
            ends[n_ends++] = i;
    }
    size_t len = strlen(text);
    if (n_ends + 1 < n)
        n = n_ends + 1;
    cut[0] = 0;
    for (int k = 1; k < n; k++)
        cut[k] = ends[(k * (n_ends + 1)) / n - 1];
    cut[n] = len;
    return n;
}

/* An order about several problems, split (拆分) into children handled by their own units. */
static int run_split(struct demo *d, const struct plan *p)
{
    struct flow f;
    draw_flow(d, &f, MS_CLOSED);
    f.anonymous = false;
    struct msg *m = take_splittable(d, p->extra);
    int rc = intake(d, &f, m, NULL, -1, -1);
    if (!rc)
        rc = verify_and_file(d, &f);
    if (rc)
        return rc;
    size_t cut[9];
    int n = sentence_cuts(m->text, p->extra, cut);
    /* rare: no text with enough sentences close at hand; the planned orders are still made */
    int64_t t_parent = d->t;
    for (int k = n; k < p->extra && !rc; k++) {
        struct plan alone = {.t0 = p->t0, .kind = K_MAIN, .stop = MS_CLOSED};
        d->t = p->t0;
        rc = run_main(d, &alone);
    }
    if (rc)
        return rc;
    d->t = t_parent;
    memcpy(d->number, f.number, sizeof d->number);
    if (n < 2) /* a text of one sentence: handled as one order */
        return drive(d, &f);
    json_t *children = json_array();
    for (int k = 0; k < n; k++) {
        char *part = strndup(m->text + cut[k], cut[k + 1] - cut[k]);
        if (!part) {
            json_decref(children);
            return js_fail(d->e, JS_ENOMEM, "", NULL);
        }
        json_t *c = json_object();
        put_s(c, "title", m->title);
        put_s(c, "text", part);
        int ci = classify(d, "", part);
        put_i(c, "category_id", ci == d->default_cat ? f.category_id : d->cats[ci].id);
        json_array_append_new(children, c);
        free(part);
    }
    wait_for(d, rnd_hours(d, 0.2, 3), true);
    json_t *a = json_object();
    json_object_set_new(a, "children", children);
    put_s(a, "note", "诉求涉及多个事项、多个单位，拆分办理");
    if ((rc = act(d, &d->dispatcher[rnd(d) % 2], ACT_SPLIT, f.id, a, NULL)))
        return rc;
    int64_t ids[16];
    int n_ids = 0;
    if ((rc = d->s->ops->order_ids_by(d->s, LINK_PARENT, f.id, ids, 16, &n_ids)))
        return js_fail(d->e, rc, "", "无法列出工单 %s 的子工单", f.number);
    int64_t t_split = d->t;
    d->n_orders += n_ids; /* the children, made by the split */
    bool all_closed = p->stop == MS_CLOSED;
    for (int k = 0; k < n_ids && !rc; k++) {
        static const double sw[MS__COUNT] = {
            [MS_DISPATCHED] = 2, [MS_HANDLING] = 4, [MS_REPLIED] = 1, [MS_CLOSED] = 4};
        int stop = all_closed ? MS_CLOSED : weighted(d, sw, MS__COUNT);
        if (!all_closed && k == 0)
            stop = MS_HANDLING; /* at least one child still open: the parent stays split */
        struct flow c;
        draw_flow(d, &c, stop);
        struct order o;
        order_init(&o);
        if ((rc = d->s->ops->order_get(d->s, ids[k], &o))) {
            order_release(&o);
            return js_fail(d->e, rc, "", "无法读取工单 %s 的子工单", f.number);
        }
        c.id = o.id;
        memcpy(c.number, o.number, sizeof c.number);
        c.msg = m;
        c.anonymous = o.anonymous;
        c.upstream = f.upstream;
        c.type = o.type;
        c.category_id = o.category_id;
        c.region_id = o.region_id;
        c.street = f.street;
        c.comm = f.comm;
        order_release(&o);
        d->t = t_split;
        d->c.split_children++;
        rc = drive(d, &c);
    }
    return rc;
}

/* The knowledge base (issue 11) from the real replies: per top-level category the clearest
 * replies (of a readable length), the question being the message's title and the answer the
 * reply from its "答复如下"/"回复如下" on (the salutation and preamble cut); the owner is the unit
 * the catalogue gives the category. Some entries stay drafts, some wait for review, most are
 * published (a few expiring within 30 days, a few with a second version that superseded the first).
 */
static int seed_kb(struct demo *d)
{
    enum { PER_CAT = 4, MAX_ENTRIES = 48 };
    int taken[256] = {0}, streets[DEMO_MAX_UNITS] = {0}, made = 0, rc = 0;
    struct js_error e;
    for (int i = 0; i < d->replies.n && made < MAX_ENTRIES && !rc; i++) {
        struct msg *m = &d->replies.v[i];
        int leaf = msg_cat(d, m), c = leaf;
        while (c >= 0 && d->cats[c].parent >= 0)
            c = d->cats[c].parent;
        if (c < 0 || c >= 256 || !m->reply || !m->title)
            continue;
        /* the substance follows "答复如下" or "回复如下" (both 12 bytes) */
        const char *ans = strstr(m->reply, "答复如下"), *alt = strstr(m->reply, "回复如下");
        if (!ans || (alt && alt < ans))
            ans = alt;
        ans = ans ? ans + strlen("答复如下") : m->reply;
        while (!strncmp(ans, "：", 3) || !strncmp(ans, ":", 1))
            ans += ans[0] == ':' ? 1 : 3;
        size_t chars = utf8_len(ans);
        if (chars < 60 || chars > 700)
            continue;
        /* the owner: the street office when the matter is a street's duty (two entries per
         * street at most), else the department the catalogue names for the category */
        struct catalogue_entry ce;
        const struct dunit *u = NULL;
        int64_t street = d->n_streets ? d->streets[i % d->n_streets].id : 0;
        if (street && !d->s->ops->catalogue_lookup(d->s, d->cats[leaf].id, street, &ce))
            for (int k = 0; k < d->n_units; k++)
                if (d->units[k].id == ce.unit_id && d->units[k].kind == UNIT_STREET &&
                    streets[k] < 2)
                    u = &d->units[k];
        if (!u && (taken[c] >= PER_CAT ||
                   d->s->ops->catalogue_lookup(d->s, d->cats[c].id, d->district, &ce)))
            continue;
        for (int k = 0; !u && k < d->n_units; k++)
            if (d->units[k].id == ce.unit_id)
                u = &d->units[k];
        if (!u)
            continue;
        char *answer = clean_text(ans, KB_ANSWER_MAX);
        char *question = clean_text(m->title, KB_QUESTION_MAX);
        if (!answer || !question) {
            free(answer);
            free(question);
            return js_fail(d->e, JS_ENOMEM, "kb", "内存不足");
        }
        json_t *in = json_pack("{ss ss ss s[I]}", "question", question, "answer", answer, "basis",
                               "本单位对同类诉求的正式答复（政务留言平台）", "categories",
                               (json_int_t)d->cats[leaf].id);
        int variant = made % 7;
        int64_t t0 = d->now - (int64_t)(120 + made) * JT_DAY; /* before the demo's orders */
        struct kb_entry k;
        kb_entry_init(&k);
        js_error_clear(&e);
        char to[32];
        jtime_format(variant == 4 ? d->now + (int64_t)(10 + made % 15) * JT_DAY
                                  : d->now + 365 * JT_DAY,
                     to, sizeof to);
        json_object_set_new(in, "valid_to", json_string(to));
        rc = kb_create(d->s, &u->op, in, t0, &k, &e);
        json_decref(in);
        int64_t id = k.id;
        kb_entry_release(&k);
        if (!rc && variant != 0)
            rc = kb_act(d->s, &u->lead, id, KBA_SUBMIT, NULL, t0 + 3600, NULL, &e);
        if (!rc && variant == 2) /* sent back once, then resubmitted and waiting */
        {
            rc = kb_act(d->s, &d->supervisor, id, KBA_REJECT, "请补充政策依据的文件名称和文号",
                        t0 + 86400, NULL, &e);
            if (!rc)
                rc = kb_act(d->s, &u->lead, id, KBA_SUBMIT, NULL, t0 + 2 * 86400, NULL, &e);
        }
        if (!rc && variant >= 3)
            rc = kb_act(d->s, &d->supervisor, id, KBA_APPROVE, NULL, t0 + 86400, NULL, &e);
        if (!rc && variant == 5) { /* a second version, published 20 days ago */
            json_t *ed = json_pack("{ss}", "basis",
                                   "本单位对同类诉求的正式答复（政务留言平台）；已按最新政策复核");
            rc = kb_edit(d->s, &u->op, id, ed, d->now - 25 * JT_DAY, &k, &e);
            json_decref(ed);
            int64_t v2 = k.id;
            kb_entry_release(&k);
            if (!rc)
                rc = kb_act(d->s, &u->lead, v2, KBA_SUBMIT, NULL, d->now - 24 * JT_DAY, NULL, &e);
            if (!rc)
                rc = kb_act(d->s, &d->supervisor, v2, KBA_APPROVE, NULL, d->now - 20 * JT_DAY, NULL,
                            &e);
        }
        if (rc) {
            free(answer);
            free(question);
            return js_fail(d->e, rc, "kb", "演示知识库：%s", e.message);
        }
        free(answer);
        free(question);
        if (u->kind == UNIT_STREET)
            streets[u - d->units]++;
        else
            taken[c]++;
        made++;
    }
    if (d->opt->log)
        fprintf(d->opt->log, "jiesu demo: 从真实答复生成知识库条目 %d 条\n", made);
    return 0;
}

/* The published entry in force at the demo's clock that a call-taker cites when answering an
 * order of category_id directly (秒回): one of the entries filed under its top-level category
 * (taking turns), 0 if none. */
static int64_t kb_cite_for(struct demo *d, int64_t category_id)
{
    /* the entries of the order's top-level category: the units write them per kind of matter */
    for (int i = 0; i < d->n_cats; i++)
        if (d->cats[i].id == category_id) {
            int c = i;
            while (d->cats[c].parent >= 0)
                c = d->cats[c].parent;
            category_id = d->cats[c].id;
            break;
        }
    struct kb_list l;
    kb_list_init(&l);
    bool more;
    struct kb_query q = {.category_id = category_id,
                         .statuses = KB_BIT(KB_PUBLISHED),
                         .in_force_at = d->t,
                         .limit = 8};
    int64_t id = 0;
    if (category_id && d->s->ops->kb_list(d->s, &q, &l, &more) == 0 && l.n)
        id = l.v[d->n_orders % l.n].id; /* the call-takers use each of them */
    kb_list_release(&l);
    return id;
}

static int run_plan(struct demo *d, const struct plan *p)
{
    struct flow f;
    int rc = 0;
    switch (p->kind) {
    case K_RECEIVED:
        draw_flow(d, &f, MS_CLOSED);
        rc = intake(d, &f, take_msg(d, false), NULL, -1, -1);
        if (!rc)
            remember_open(d, f.id);
        break;
    case K_FILED:
        draw_flow(d, &f, MS_CLOSED);
        rc = intake(d, &f, take_msg(d, false), NULL, -1, -1);
        if (!rc)
            rc = verify_and_file(d, &f);
        if (!rc)
            remember_open(d, f.id);
        break;
    case K_NOT_FILED:
        rc = run_not_filed(d, p);
        break;
    case K_TRANSFER:
        rc = run_transfer(d, p);
        break;
    case K_ANSWER:
        rc = run_answer(d, p);
        break;
    case K_MAIN:
        rc = run_main(d, p);
        break;
    case K_MERGE:
        rc = run_merge(d, p);
        break;
    case K_SPLIT:
        rc = run_split(d, p);
        break;
    default:
        break;
    }
    return rc;
}

/* ---- planning ------------------------------------------------------------------------------ */

/* A received time in the 90 days before now: more on weekdays and in the daytime. */
static int64_t draw_received(struct demo *d)
{
    static const double hour_w[24] = {1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 4, 8, 10, 10, 9,
                                      6, 7,   9,   9,   8,   7,   5,   5, 4, 3,  2,  1.5};
    int64_t today = jtime_local_day(d->now);
    for (;;) {
        int64_t day = today - rnd_int(d, 0, DEMO_DAYS - 1);
        if (jtime_weekday(day) >= 5 && !chance(d, 0.45))
            continue;
        int64_t t = jtime_day_start(day) + weighted(d, hour_w, 24) * HOUR + rnd_int(d, 0, HOUR - 1);
        if (t <= d->now && t >= d->now - (int64_t)DEMO_DAYS * JT_DAY)
            return t;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static bool in_progress(int stop)
{
    return stop <= MS_CALLBACK;
}

/* Orders handled lately are more often still open; old ones mostly finished. */
static double age_factor(double age_days, bool open)
{
    if (!open)
        return 1;
    /* old open orders would long have been force-closed by the timers */
    return age_days < 3 ? 5 : age_days < 12 ? 1.5 : 0.05;
}

static const double stop_min_days[MS__COUNT] = {0, 0.2, 1, 0.2, 1.5, 2, 3, 8, 4};

static int draw_stop(struct demo *d, double age)
{
    static const double base[MS__COUNT] = {5, 2.5, 1.5, 14, 4.5, 5.5, 21, 13, 2.5};
    double w[MS__COUNT];
    for (int s = 0; s < MS__COUNT; s++)
        w[s] = age >= stop_min_days[s] ? base[s] * age_factor(age, in_progress(s)) : 0;
    return weighted(d, w, MS__COUNT);
}

/* The status a plan leaves its main order in (ST__COUNT: depends). */
static int plan_status(const struct plan *p)
{
    static const int by_stop[MS__COUNT] = {ST_DISPATCHED, ST_RETURNED, ST_COORDINATION,
                                           ST_HANDLING,   ST_REPLIED,  ST_CALLBACK,
                                           ST_CLOSED,     ST_ARCHIVED, ST_CLOSED};
    switch (p->kind) {
    case K_RECEIVED:
        return ST_RECEIVED;
    case K_FILED:
        return ST_FILED;
    case K_NOT_FILED:
        return p->stop == MS_ARCHIVED ? ST_ARCHIVED : ST_NOT_FILED;
    case K_TRANSFER:
        return p->stop == MS_ARCHIVED ? ST_ARCHIVED : ST_TRANSFERRED;
    case K_ANSWER:
        return p->stop == MS_ARCHIVED ? ST_ARCHIVED
               : p->stop == MS_CLOSED ? ST_CLOSED
                                      : ST_ANSWERED;
    case K_MAIN:
        return by_stop[p->stop];
    case K_MERGE:
        return in_progress(p->stop) ? ST_MERGED : ST_CLOSED; /* of the duplicates */
    case K_SPLIT:
        return p->stop == MS_CLOSED ? ST_CLOSED : ST_SPLIT;
    default:
        return ST__COUNT;
    }
}

/* Turns the plan at index i (a plain closed order) into (kind, stop, extra), taking the next
 * extra slots if they are plain closed orders too. */
static bool plan_replace(struct plan *v, int n, int i, int kind, int stop, int extra)
{
    for (int k = 1; k <= extra; k++)
        if (i + k >= n || v[i + k].kind != K_MAIN || v[i + k].stop != MS_CLOSED)
            return false;
    v[i].kind = kind;
    v[i].stop = stop;
    v[i].extra = extra;
    for (int k = 1; k <= extra; k++)
        v[i + k].kind = K_NONE;
    return true;
}

/* Makes sure every status of enum order_status is planned at least once (when there are
 * enough orders): a missing one replaces a plain closed order old enough for it. */
static void plan_cover(struct demo *d, struct plan *v, int n)
{
    static const struct {
        int status, kind, stop, extra;
    } need[] = {
        {ST_RECEIVED, K_RECEIVED, MS_CLOSED, 0},   {ST_FILED, K_FILED, MS_CLOSED, 0},
        {ST_NOT_FILED, K_NOT_FILED, MS_CLOSED, 0}, {ST_TRANSFERRED, K_TRANSFER, MS_CLOSED, 0},
        {ST_ANSWERED, K_ANSWER, MS_HANDLING, 0},   {ST_DISPATCHED, K_MAIN, MS_DISPATCHED, 0},
        {ST_RETURNED, K_MAIN, MS_RETURNED, 0},     {ST_COORDINATION, K_MAIN, MS_COORDINATION, 0},
        {ST_HANDLING, K_MAIN, MS_HANDLING, 0},     {ST_REPLIED, K_MAIN, MS_REPLIED, 0},
        {ST_CALLBACK, K_MAIN, MS_CALLBACK, 0},     {ST_ARCHIVED, K_MAIN, MS_ARCHIVED, 0},
        {ST_MERGED, K_MERGE, MS_HANDLING, 1},      {ST_SPLIT, K_SPLIT, MS_HANDLING, 2},
    };
    bool have[ST__COUNT + 1] = {false};
    for (int i = 0; i < n; i++)
        have[plan_status(&v[i])] = true;
    for (size_t k = 0; k < JS_ARRAY_LEN(need); k++) {
        if (have[need[k].status])
            continue;
        for (int i = 0; i < n; i++) {
            double age = (double)(d->now - v[i].t0) / JT_DAY;
            if (v[i].kind == K_MAIN && v[i].stop == MS_CLOSED && age >= 10 &&
                plan_replace(v, n, i, need[k].kind, need[k].stop, need[k].extra)) {
                have[need[k].status] = true;
                break;
            }
        }
    }
}

/* The plan of every slot: n received times, sorted, each with what becomes of it. */
static int make_plans(struct demo *d, int n, struct plan **out)
{
    struct plan *v = calloc((size_t)n, sizeof *v);
    int64_t *times = calloc((size_t)n, sizeof *times);
    if (!v || !times) {
        free(v);
        free(times);
        return js_fail(d->e, JS_ENOMEM, "", NULL);
    }
    for (int i = 0; i < n; i++)
        times[i] = draw_received(d);
    qsort(times, (size_t)n, sizeof *times, cmp_i64);
    static const double kind_w[K__COUNT] = {
        [K_RECEIVED] = 1.5, [K_FILED] = 1.5, [K_NOT_FILED] = 4, [K_TRANSFER] = 2,
        [K_ANSWER] = 5,     [K_MAIN] = 80,   [K_MERGE] = 2.5,   [K_SPLIT] = 0.9};
    for (int i = 0; i < n; i++) {
        struct plan *p = &v[i];
        p->t0 = times[i];
        double age = (double)(d->now - p->t0) / JT_DAY;
        double w[K__COUNT];
        for (int k = 0; k < K__COUNT; k++)
            w[k] = kind_w[k] * ((k == K_RECEIVED || k == K_FILED) ? age_factor(age, true) : 1);
        p->kind = weighted(d, w, K__COUNT);
        switch (p->kind) {
        case K_NOT_FILED:
        case K_TRANSFER:
            p->stop = age > 5 && chance(d, 0.5) ? MS_ARCHIVED : MS_CLOSED;
            break;
        case K_ANSWER: {
            double aw[4] = {age < 15 ? 3 : 1, 1, 3.5, age > 8 ? 3.5 : 0};
            static const int stops[4] = {MS_HANDLING, MS_CALLBACK, MS_CLOSED, MS_ARCHIVED};
            p->stop = stops[weighted(d, aw, 4)];
            break;
        }
        case K_MERGE:
            p->stop = draw_stop(d, age);
            if (p->stop == MS_FORCED)
                p->stop = MS_CLOSED;
            p->extra = chance(d, 0.6) ? 1 : chance(d, 0.75) ? 2 : 3;
            break;
        case K_SPLIT:
            p->stop = age > 10 && chance(d, 0.5) ? MS_CLOSED : MS_HANDLING;
            p->extra = chance(d, 0.7) ? 2 : 3;
            break;
        case K_MAIN:
            p->stop = draw_stop(d, age);
            break;
        default:
            p->stop = MS_CLOSED;
            break;
        }
        if (p->extra && i + p->extra >= n) { /* no room left for its extra orders */
            p->kind = K_MAIN;
            p->stop = draw_stop(d, age);
            p->extra = 0;
        }
        for (int k = 1; k <= p->extra; k++) {
            v[i + k].kind = K_NONE;
            v[i + k].t0 = times[i + k];
        }
        i += p->extra;
    }
    free(times);
    plan_cover(d, v, n);
    *out = v;
    return 0;
}

/* ---- the entry points ---------------------------------------------------------------------- */

static void log_summary(struct demo *d, double secs)
{
    FILE *f = d->opt->log;
    if (!f)
        return;
    int64_t counts[ST__COUNT] = {0};
    d->s->ops->order_count_by_status(d->s, counts);
    fprintf(f, "jiesu demo: 工单 %ld 件，办理动作 %ld 个，用时 %.1f 秒（每秒 %.0f 个）\n",
            d->n_orders, d->n_actions, secs, secs > 0 ? (double)d->n_actions / secs : 0.0);
    fprintf(f, "jiesu demo: 各状态工单：");
    for (int s = 0; s < ST__COUNT; s++)
        fprintf(f, "%s%s %lld", s ? "、" : "", js_status_labels[s], (long long)counts[s]);
    const struct counters *c = &d->c;
    fprintf(f,
            "\njiesu demo: 退单 %ld（二次退单 %ld）、重新派单 %ld、协调 %ld、驳回退单 %ld、"
            "双派 %ld、协办 %ld、延期 %ld、挂账 %ld、审核退回重办 %ld、重办 %ld（两次 %ld、"
            "三次 %ld）、催办 %ld、督办 %ld、强制结案 %ld、不满意 %ld、联系不上 %ld、并案 %ld、"
            "拆分的子工单 %ld、领导批示 %ld、市级下派 %ld、匿名 %ld\n",
            c->returns, c->second_returns, c->redispatches, c->coordinations, c->rejects, c->dual,
            c->assist, c->extensions, c->hangs, c->reworks, c->reopens, c->reopened_twice,
            c->reopened_thrice, c->urges, c->supervisions, c->forced, c->unsatisfied,
            c->unreachable, c->merged, c->split_children, c->instructions, c->upstream,
            c->anonymous);
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hotspot early warning (issue 11): the two bodies seed 002 art. 23 names as recipients that
 * the organisation lacks (区委政法委, 区信访局), the default topics, and the scan as the
 * scheduler would have run it at the end of each of the last 30 days and now; warnings older
 * than a week were acknowledged by a recipient with a follow-up, those older than two weeks
 * closed. */
static int demo_hotspot(struct demo *d)
{
    static const char *const codes[] = {"zfw", "xfj"}, *const names[] = {"区委政法委", "区信访局"};
    struct store *s = d->s;
    int rc = s->ops->begin(s);
    for (int i = 0; i < 2 && !rc; i++)
        rc = put_unit(d, codes[i], names[i], UNIT_DEPARTMENT, -1, d->district);
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    if (!rc)
        rc = hotspot_default_topics(s, d->now, NULL, d->e);
    int64_t today = jtime_local_day(d->now);
    struct hotspot_scan_stats st;
    int raised = 0;
    for (int64_t day = today - 30; day <= today && !rc; day++) {
        int64_t at = day < today ? jtime_day_start(day + 1) - 60 : d->now;
        rc = hotspot_scan(s, at, NULL, NULL, NULL, &st, d->e);
        raised += st.raised;
    }
    struct hotspot_warning_query q = {.state = -1, .role = -1, .limit = 500};
    struct hotspot_warning *w = NULL;
    int n = 0;
    if (!rc && (rc = s->ops->hotspot_warning_list(s, &q, &w, &n)))
        js_fail(d->e, rc, "", "无法列出热点预警");
    for (int i = 0; i < n && !rc; i++) {
        int64_t age = d->now - w[i].raised_at;
        if (age < 7 * JT_DAY)
            continue;
        /* the first recipient acts: a unit's operator, else the leader, else the supervisor */
        struct hotspot_actor a = {.role = ROLE_SUPERVISOR, .user_id = d->supervisor.user_id};
        snprintf(a.name, sizeof a.name, "%s", d->supervisor.name);
        for (int u = 0; u < d->n_units; u++)
            if (w[i].n_units && d->units[u].id == w[i].units[0]) {
                a = (struct hotspot_actor){.role = ROLE_UNIT_OPERATOR,
                                           .user_id = d->units[u].op.user_id,
                                           .unit_id = d->units[u].id};
                snprintf(a.name, sizeof a.name, "%s", d->units[u].op.name);
            }
        if (!w[i].n_units && w[i].n_roles && w[i].roles[0] == ROLE_LEADER) {
            a = (struct hotspot_actor){.role = ROLE_LEADER, .user_id = d->leader.user_id};
            snprintf(a.name, sizeof a.name, "%s", d->leader.name);
        }
        int64_t at = w[i].raised_at + 2 * 3600;
        if (hotspot_is_recipient(&w[i], &a))
            rc = hotspot_act(s, w[i].id, HSN_ACK, &a, NULL, at, NULL, d->e);
        if (!rc)
            rc = hotspot_act(s, w[i].id, HSN_FOLLOW_UP, &a,
                             "已组织相关单位现场核查，逐件联系反映人，正在制定整改方案。",
                             at + JT_DAY, NULL, d->e);
        if (!rc && age >= 14 * JT_DAY)
            rc = hotspot_act(s, w[i].id, HSN_CLOSE, &a,
                             "问题已集中整治，已向反映群众逐一回复，建立长效管理机制。",
                             at + 5 * JT_DAY, NULL, d->e);
    }
    for (int i = 0; i < n; i++)
        hotspot_warning_release(&w[i]);
    free(w);
    if (!rc && d->opt->log)
        fprintf(d->opt->log, "jiesu demo: 热点预警：近 30 天 %d 条\n", raised);
    return rc;
}

int demo_load(struct engine *en, const struct demo_options *opt, struct js_error *e)
{
    struct demo *d = calloc(1, sizeof *d);
    if (!d)
        return js_fail(e, JS_ENOMEM, "", NULL);
    struct demo_options o = *opt;
    if (!o.n_orders)
        o.n_orders = 2400;
    if (!o.now)
        o.now = (int64_t)time(NULL);
    if (!o.password)
        o.password = "jiesu-demo";
    if (!o.data_dir)
        o.data_dir = "../shared/data/tipdm2020c";
    d->en = en;
    d->s = en->store;
    d->opt = &o;
    d->e = e;
    d->rng = 0x6A69657375ull ^ ((uint64_t)o.seed * 0x100000001B3ull);
    d->now = o.now;
    d->clock.now = demo_clock_now;
    d->clock.ctx = d;
    const struct jclock *saved_clock = en->clock;
    struct plan *plans = NULL;
    double t_start = mono_seconds();
    int rc;

    if (o.n_orders < 1) {
        rc = js_fail(e, JS_EINVAL, "n_orders", "演示数据至少须有一件工单");
        goto out;
    }
    int64_t counts[ST__COUNT] = {0};
    if ((rc = d->s->ops->order_count_by_status(d->s, counts))) {
        rc = js_fail(e, rc, "", "无法统计工单数");
        goto out;
    }
    for (int s = 0; s < ST__COUNT; s++)
        if (counts[s]) {
            rc = js_fail(e, JS_EEXISTS, "", "数据库中已有工单，演示数据只能载入空库");
            goto out;
        }
    if ((rc = load_categories(d)) ||
        (rc = load_messages(d, "messages_with_votes.csv", false, &d->votes)) ||
        (rc = load_messages(d, "messages_with_replies.csv", true, &d->replies)))
        goto out;
    if (o.n_orders > d->votes.n + d->replies.n) {
        rc = js_fail(e, JS_EINVAL, "n_orders", "至多 %d 件工单：每条真实留言对应一件",
                     d->votes.n + d->replies.n);
        goto out;
    }
    /* One argon2id hash (~60 ms) shared by every demo account: each would have its own salt if
     * hashed separately, which matters for real accounts, not for demo users who share one
     * published password anyway. */
    char hash[AUTH_HASH_MAX];
    if ((rc = auth_password_hash(o.password, hash, e)))
        goto out;
    snprintf(d->pwhash, sizeof d->pwhash, "%s", hash);
    if ((rc = make_organisation(d)) || (rc = seed_kb(d)))
        goto out;
    if (o.log)
        fprintf(o.log,
                "jiesu demo: 街道 %d 个、社区 %d 个、分类 %d 个、单位 %d 个，留言 %d + %d 条\n",
                d->n_streets, d->n_comms, d->n_cats, d->n_units, d->votes.n, d->replies.n);
    if ((rc = make_plans(d, o.n_orders, &plans)))
        goto out;
    en->clock = &d->clock;
    int step = o.n_orders / 10 > 0 ? o.n_orders / 10 : 1;
    for (int i = 0; i < o.n_orders; i++) {
        if (plans[i].kind == K_NONE)
            continue;
        d->t = plans[i].t0;
        if ((rc = run_plan(d, &plans[i])))
            goto out;
        if (o.log && (i + 1) / step != i / step)
            fprintf(o.log, "jiesu demo: 工单 %ld/%d 件，办理动作 %ld 个，%.1f 秒\n", d->n_orders,
                    o.n_orders, d->n_actions, mono_seconds() - t_start);
    }
    log_summary(d, mono_seconds() - t_start);
    /* The platform's timers have been running all along in a real district: one scheduler
     * pass at `now` urges, supervises, flags and force-closes what is due by then. */
    d->t = o.now;
    struct sched_stats st;
    if ((rc = scheduler_pass(en, &st, e)))
        goto out;
    if (o.log)
        fprintf(o.log, "jiesu demo: 当前时刻的定时任务：%d 件工单、%d 个动作（%d 个被拒绝）\n",
                st.acted, st.actions, st.failures);
    if ((rc = demo_hotspot(d)))
        goto out;
out:
    en->clock = saved_clock;
    free(plans);
    pool_release(&d->votes);
    pool_release(&d->replies);
    free(d->cats);
    free(d->score);
    free(d);
    return rc;
}

void demo_print_logins(struct engine *en, FILE *f, const char *password)
{
    struct store *s = en->store;
    struct user *users = NULL;
    struct unit *units = NULL;
    int n_users = 0, n_units = 0;
    if (s->ops->user_list(s, &users, &n_users)) {
        fprintf(f, "（无法列出用户）\n");
        return;
    }
    if (s->ops->unit_list(s, &units, &n_units))
        n_units = 0;
    if (!password)
        password = "jiesu-demo";
    /* the unit name last: Chinese text does not pad to a column width (printf counts bytes),
     * so the header's columns are padded by hand to the 15 columns of the rows below;
     * `make run` keeps the header line and reads the role from the second column of the rows */
    fprintf(f, "登录名         角色           密码           单位\n");
    for (int pass = 0; pass < 2; pass++) /* platform users first, then unit users */
        for (int i = 0; i < n_users; i++) {
            if ((users[i].unit_id != 0) != (pass == 1))
                continue;
            const char *unit = "-";
            for (int k = 0; k < n_units; k++)
                if (units[k].id == users[i].unit_id)
                    unit = units[k].name;
            fprintf(f, "%-14s %-14s %-14s %s\n", users[i].login, js_role_names[users[i].role],
                    password, unit);
        }
    free(users);
    free(units);
}

int demo_reports(struct store *s, const char *db, int64_t now, FILE *log, struct js_error *e)
{
    /* The scheduler as it would have run just after each period ended: each pass issues every
     * report due at that instant (so the 1st of a month also brings that day's 早报). */
    static const struct {
        int kind, count;
    } plan[] = {{RK_DAILY, 7}, {RK_WEEKLY, 4}, {RK_NOTICE, 2}, {RK_QUARTERLY, 1}};
    int issued = 0, rc = 0;
    for (size_t k = 0; k < JS_ARRAY_LEN(plan) && !rc; k++) {
        struct report_period p;
        report_period_due(plan[k].kind, now, &p);
        for (int i = 0; i < plan[k].count && !rc; i++, report_period_prev(&p, &p)) {
            struct report_due_stats st;
            rc = report_issue_due(s, db, p.to + 600, &st, e);
            issued += st.issued;
        }
    }
    if (!rc && log)
        fprintf(log, "jiesu demo: 已签发报告 %d 份（日报、周报、月报、季报）\n", issued);
    return rc;
}

/* Duplicate and repeat detection at intake: the pure scoring part. A signature (dup_sig) holds
 * the precomputed features of one order (simplified text, weighted character bigrams, place
 * names, district codes, caller); dup_score compares two signatures and says why. Candidate
 * retrieval (by phone, address, full text) is the store's job; this file never touches it. */
#ifndef JIESU_DUP_H
#define JIESU_DUP_H

#include <stdint.h>

#include <jansson.h>

#include "text/segment.h"
#include "util/err.h"

/* The score above which a pair is reported as a likely duplicate. Chosen on the tuning half
 * (even id_a) of tests/data/dup_pairs.csv; see docs/benchmarks.md, "Duplicates: labelled
 * pairs". */
#define DUP_THRESHOLD 0.17

/* One order as the scorer sees it. Every field may be NULL or 0. Borrowed: dup_sig_make copies
 * what it needs. */
struct dup_doc {
    const char *title;
    const char *text;
    const char *address;
    const char *phone; /* the caller's identity: a phone number or an account id */
    const char *name;
    int64_t region_id;
    int64_t category_id;
    int64_t created_at; /* Unix seconds; 0 if unknown */
};

/* A sorted set of character-bigram keys with their weights. */
struct dup_bag {
    uint64_t *key; /* owned; ascending */
    float *w;      /* owned; weight of key[i] */
    int n;
    double norm2; /* sum of w[i]^2 */
    double sum;   /* sum of w[i] */
};

/* Precomputed features of one order. Make with dup_sig_make, free with dup_sig_release. */
struct dup_sig {
    uint32_t *cp; /* owned: simplified title + text as code points, letters/digits only */
    int n_cp;
    float *cpw;           /* owned: IDF weight of the bigram starting at each code point */
    struct dup_bag all;   /* bigrams of title + text */
    struct dup_bag title; /* bigrams of the title alone */
    struct dup_bag place; /* bigrams of place names (小区/苑/路/学校 ... and the address) */
    uint64_t *name_key;   /* owned: bigrams of each place name (see name_end), text order */
    float *name_w;        /* owned: their weights */
    int *name_end;        /* owned: name i is name_key[name_end[i-1] .. name_end[i]) */
    int n_name;
    uint64_t region[8]; /* district codes found in the text (A3区, A7县 ...), as bigram keys */
    int n_region;
    char phone[32]; /* letters and digits of the caller's identity */
    int64_t region_id, category_id, created_at;
};

/* Why a pair scored as it did. All values are filled by dup_score. */
struct dup_why {
    bool same_phone;      /* same caller */
    bool same_region;     /* same region_id, or a district code in common */
    bool region_conflict; /* both name a district or region and none is shared */
    bool same_place;      /* place names overlap strongly (same estate, road, school ...) */
    bool place_conflict;  /* both name places and none is shared */
    bool same_category;
    double text;         /* text similarity in [0,1] (weighted cosine/containment blend) */
    double cosine;       /* IDF-weighted cosine of the bigrams of title + text */
    double containment;  /* weighted share of the shorter text found in the longer */
    double title;        /* IDF-weighted cosine of the titles */
    double place;        /* place-name overlap in [0,1]; -1 when either side names none */
    double place_novel;  /* place-name conflict in [0,1]: the share (by weight) of each side's
                          * place names that the other message never mentions, the smaller of
                          * the two; 0 when either names none. >= 0.5 sets place_conflict */
    int64_t gap_seconds; /* |created_at difference|; -1 when either is unknown */
    char terms[3][64];   /* up to three shared distinctive terms (UTF-8), "" when unused */
    int n_terms;
};

/* Builds the signature of doc into *sig (zeroed first). seg (may be NULL: no traditional →
 * simplified conversion) is borrowed. Returns 0, -JS_ENOMEM, or the segmenter's error. On
 * error *sig holds nothing to free (dup_sig_release is still safe). */
int dup_sig_make(struct segmenter *seg, const struct dup_doc *doc, struct dup_sig *sig);
/* Frees what sig owns and zeroes it. Accepts NULL. */
void dup_sig_release(struct dup_sig *sig);

/* Scores the pair (a, b): a value in [0,1], where >= DUP_THRESHOLD means "likely the same
 * problem at the same place reported again". Symmetric. why (may be NULL) receives the
 * reasons. Pure and thread-safe; no allocation. */
double dup_score(const struct dup_sig *a, const struct dup_sig *b, struct dup_why *why);

/* The weights that turn the reasons into a score; dup_score uses dup_params_default(). Exposed
 * so that bench_dup can fit them on the tuning half of the labelled pairs. */
struct dup_params {
    double title_w;        /* share of the title cosine in the text similarity */
    double contain_w;      /* factor on containment before max(cosine, containment) */
    double place_w;        /* share of place overlap when both sides name places */
    double text_floor;     /* below this text similarity place overlap is scaled by
                            * (text / text_floor)^2: a shared place alone (same estate, other
                            * problem) adds next to nothing */
    double place_penalty;  /* factor at full place-name conflict (place_novel 1): the score is
                            * multiplied by place_penalty ^ place_novel */
    double region_penalty; /* factor applied on a district/region conflict */
    double phone_bonus;    /* share of the remaining distance to 1 added for the same caller */
};

/* The fitted weights (a static constant). */
const struct dup_params *dup_params_default(void);
/* Combines the filled reasons of why (from dup_score) with weights p into a score in [0,1]. */
double dup_combine(const struct dup_why *why, const struct dup_params *p);

/* How telling a two-character index token is: the IDF the scorer gives that bigram (small for
 * the commonest hotline bigrams such as 小区 or 问题, the largest for bigrams missing from its
 * table); 0 for a token of one character. Thread-safe. */
double dup_token_idf(const char *token);

/* The reasons of why as a new JSON array of {"code","label"} objects with Chinese labels, e.g.
 * {"code":"same_phone","label":"同一来电人"}, {"code":"text","label":"内容相似度 0.82"}. The
 * caller owns the result (json_decref); NULL if out of memory. */
json_t *dup_why_json(const struct dup_why *why);

#endif

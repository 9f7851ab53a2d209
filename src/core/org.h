/* The organisation: units and their contacts, users, regions, categories and the
 * responsibility catalogue (category × region → unit). */
#ifndef JIESU_ORG_H
#define JIESU_ORG_H

#include <stdbool.h>
#include <stdint.h>

/* Three-tier contact list of a unit (000 art. 6). */
enum contact_tier { CONTACT_LEADER, CONTACT_SECTION, CONTACT_OPERATOR, CONTACT__COUNT };

struct contact {
    char name[64];
    char phone[32];
    char email[128];
};

struct unit {
    int64_t id;
    char code[32];
    char name[128];
    int kind; /* enum unit_kind */
    int64_t region_id;
    bool active;
    struct contact contacts[CONTACT__COUNT]; /* leader, section head, platform operator */
};

struct user {
    int64_t id;
    char login[64];
    char name[64];
    int role;        /* enum role */
    int64_t unit_id; /* for unit roles */
    char phone[32];
    char pwhash[160]; /* argon2id string, "" if none */
    bool active;
};

struct region {
    int64_t id;
    int64_t parent_id;
    int level; /* enum region_level */
    char code[32];
    char name[128];
};

struct category {
    int64_t id;
    int64_t parent_id;
    int level; /* 1..3 */
    char code[32];
    char name[128];
};

struct catalogue_entry {
    int64_t id;
    int64_t category_id;
    int64_t region_id; /* 0: any region */
    int64_t unit_id;
    char basis[256]; /* the duty it rests on */
};

#endif

/* Per-request arena: many small allocations, one free at the end of the request. */
#ifndef JIESU_ARENA_H
#define JIESU_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head;
    size_t total; /* bytes handed out, for caps and metrics */
};

/* Prepares an empty arena. */
void arena_init(struct arena *a);
/* Frees every allocation made from the arena. Accepts NULL. */
void arena_release(struct arena *a);
/* Returns n zeroed bytes aligned for any type, owned by the arena, or NULL if out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies a string into the arena; returns NULL if out of memory. */
char *arena_strdup(struct arena *a, const char *s);

#endif

/* A word one thread sleeps on until another changes it: the wake-up of a thread waiting for one
 * event (its group's commit), without a mutex the woken thread must take again. */
#ifndef JIESU_WAKE_H
#define JIESU_WAKE_H

#include <stdatomic.h>
#include <stdint.h>

struct wake {
    _Atomic uint32_t word;
};

/* Sleeps while w's word still equals seen; may return early (a signal, a stale wake-up), so the
 * caller looks at the word again. */
void wake_wait(struct wake *w, uint32_t seen);

/* Adds add to w's word (with release order: what the caller wrote before is seen by a sleeper
 * that sees the new word) and wakes one sleeper. After the add it touches w only by address,
 * never by access, so the sleeper may free w as soon as it sees the new word. */
void wake_post(struct wake *w, uint32_t add);

/* Adds add to w's word without waking anyone: for a word its own thread will look at. */
void wake_add(struct wake *w, uint32_t add);

/* w's word, with acquire order. */
uint32_t wake_read(struct wake *w);

#endif

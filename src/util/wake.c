/* struct wake on Linux's futex: FUTEX_WAIT sleeps only while the word holds the value the caller
 * saw, so a post between the caller's look and its sleep is never lost. */
#define _DEFAULT_SOURCE /* syscall() */
#include "compat.h"

#include "util/wake.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

void wake_wait(struct wake *w, uint32_t seen)
{
    if (atomic_load_explicit(&w->word, memory_order_acquire) == seen)
        syscall(SYS_futex, &w->word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

void wake_post(struct wake *w, uint32_t add)
{
    /* the address only, taken before the add: once the word changes, w may be gone; a wake-up
     * of whatever sleeps on that address next is spurious to it, which futex sleepers expect */
    void *addr = &w->word;
    atomic_fetch_add_explicit(&w->word, add, memory_order_release);
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void wake_add(struct wake *w, uint32_t add)
{
    atomic_fetch_add_explicit(&w->word, add, memory_order_relaxed);
}

uint32_t wake_read(struct wake *w)
{
    return atomic_load_explicit(&w->word, memory_order_acquire);
}

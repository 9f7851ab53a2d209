/* The documents shipped with jiesu that the domain reads: the policy presets by name and the
 * working-day calendar of each year. This is where they are read from disk, once, so that the
 * domain code (src/core) is handed parsed documents and does no I/O of its own. */
#ifndef JIESU_SHIPPED_H
#define JIESU_SHIPPED_H

#include <jansson.h>

#include "util/err.h"

struct shipped {
    json_t *presets;   /* owned: preset name → its document */
    json_t *calendars; /* owned: "YYYY" → that year's calendar document */
};

/* Reads every NAME.json of preset_dir (NAME of [a-z0-9-], at most 63 characters) and every
 * cn-YYYY.json of calendar_dir into sh (NULL dirs: shipped_preset_dir(), shipped_calendar_dir()).
 * A missing calendar directory holds no years; a missing preset directory, an unreadable or
 * oversized file or a file that is not JSON fails with the file named in e. sh is pure output;
 * on success release it with shipped_release, on failure it is empty. */
int shipped_load(struct shipped *sh, const char *preset_dir, const char *calendar_dir,
                 struct js_error *e);
/* Frees what sh owns. Accepts NULL. */
void shipped_release(struct shipped *sh);

/* The documents of the default directories, read on the first call and kept for the life of
 * the process (thread-safe). Sets *out (borrowed) or fails as shipped_load does; a failure is
 * remembered, so that every later call reports it again. */
int shipped_default(const struct shipped **out, struct js_error *e);

/* The preset document called name, or NULL (borrowed). sh may be NULL. */
const json_t *shipped_preset(const struct shipped *sh, const char *name);

/* The directory of the shipped presets: $JIESU_PRESETS, else <source tree>/presets when it
 * exists, else /usr/share/jiesu/presets. */
const char *shipped_preset_dir(void);
/* The directory of the shipped calendars: $JIESU_CALENDARS, else <source tree>/calendars when
 * it exists, else /usr/share/jiesu/calendars. */
const char *shipped_calendar_dir(void);

#endif

/* Helpers shared by the unit tests. */
#ifndef JIESU_TESTUTIL_H
#define JIESU_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* A fresh temporary directory path (created), freed at exit. */
const char *tu_tmpdir(void);
/* The shipped presets and calendars of the source tree (shipped_default); fails the test when
 * they cannot be read. */
const struct shipped *tu_shipped(void);
/* Path of a file inside tu_tmpdir(); returns a static buffer per call slot (8 slots). */
const char *tu_path(const char *name);
/* The shared/ directory beside the repository. */
const char *tu_shared(void);

#endif

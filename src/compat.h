/* First include of every .c file: fixes the feature-test macros and common includes. */
#ifndef JIESU_COMPAT_H
#define JIESU_COMPAT_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath(), strptime() and friends as glibc declares them */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define JS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define JS_UNUSED(x)    ((void)(x))

#endif

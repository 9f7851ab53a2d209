/* Attachments over the API: upload a file as a raw body, fetch it back by its id. */
#ifndef JIESU_RES_FILES_H
#define JIESU_RES_FILES_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct app_ctx;
struct stored_file;

/* Path prefix whose POST bodies may be of any media type (for the server configuration). */
#define RES_FILES_PREFIX "/api/v1/files"
/* Largest attachment accepted, in bytes. */
#define RES_FILES_MAX ((size_t)20 << 20)

/* Stores data (len bytes, 1..RES_FILES_MAX) as a new file named name, of the media type in
 * content_type (a Content-Type value, may be NULL: application/octet-stream), uploaded by
 * user_id (0: a citizen) at now (name must not point into *f), with its audit entry, in a
 * transaction of its own; fills *f (its id: the URL is RES_FILES_PREFIX "/" id). Returns 0 or a
 * negative error code. */
int res_files_store(struct app_ctx *c, const char *name, const char *content_type, const void *data,
                    size_t len, int64_t user_id, int64_t now, struct stored_file *f);

/* Registers POST /api/v1/files and GET /api/v1/files/{id} and their descriptions. Returns 0 or
 * the first error. */
int res_files_register(struct app *a);

#endif

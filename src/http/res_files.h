/* Attachments over the API: upload a file as a raw body, fetch it back by its id. */
#ifndef JIESU_RES_FILES_H
#define JIESU_RES_FILES_H

struct app;

/* Path prefix whose POST bodies may be of any media type (for the server configuration). */
#define RES_FILES_PREFIX "/api/v1/files"
/* Largest attachment accepted, in bytes. */
#define RES_FILES_MAX ((size_t)20 << 20)

/* Registers POST /api/v1/files and GET /api/v1/files/{id} and their descriptions. Returns 0 or
 * the first error. */
int res_files_register(struct app *a);

#endif

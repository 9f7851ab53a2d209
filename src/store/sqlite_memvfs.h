/* A SQLite VFS that keeps a connection's temporary files (savepoints' sub-journals, temporary
 * tables and their journals, sorts that outgrow the cache) in memory, one growable buffer each,
 * gathers a WAL's consecutive writes (a frame's header and page, a commit's frames) into writes
 * of up to 64 KB, passed on before the commit can be seen, and passes everything else (the
 * database and its shared memory) to the default VFS untouched. Private to src/store/. */
#ifndef JIESU_SQLITE_MEMVFS_H
#define JIESU_SQLITE_MEMVFS_H

/* The VFS's name, for sqlite3_open_v2. */
#define SQLITE_MEMVFS_NAME "jiesu-memtemp"

/* Registers the VFS (not as the default) once per process; later calls return the first one's
 * result. Returns 0, or -JS_EDB when SQLite has no default VFS or refuses the registration. */
int sqlite_memvfs_register(void);

#endif

/* Subcommands of the jiesu command line. Each returns the process exit status. */
#ifndef JIESU_CLI_H
#define JIESU_CLI_H

/* Entry point: jiesu SUBCOMMAND [options]. */
int cli_main(int argc, char **argv);

struct opts;
struct store;
struct actor;

/* The database a command works on: --db, else $JIESU_DB, else data/jiesu.db (borrowed). */
const char *cli_db_path(struct opts *o);
/* Opens and migrates the store named by --db (else $JIESU_DB, else data/jiesu.db); prints the
 * error and returns 1 on failure. *s is closed with store_close. */
int cli_open_store(struct opts *o, struct store **s);
/* Resolves a login into an actor ("system" is the scheduler). Returns 0, -JS_ENOTFOUND or
 * -JS_EFORBIDDEN for a disabled user. */
int cli_find_actor(struct store *s, const char *login, struct actor *a);

#endif

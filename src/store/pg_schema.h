/* The PostgreSQL backend's versioned schema: an ordered list of migrations, each applied once in
 * its own transaction and recorded in schema_migrations. The version numbers mean the same
 * schema as the SQLite backend's (sqlite_schema.c), so that schema_version is comparable across
 * backends. Private to src/store/. */
#ifndef JIESU_PG_SCHEMA_H
#define JIESU_PG_SCHEMA_H

#include <stdbool.h>

/* One step of the schema. Released migrations are never edited: a change is a new step. */
struct pg_migration {
    int version; /* strictly increasing, from 1; the SQLite step of the same number */
    const char *name;
    const char *sql; /* one or more statements, run as one simple query */
    bool reindex;    /* rebuild the search index of every order afterwards, in the same
                        transaction */
};

/* The migrations in version order, and how many there are. */
extern const struct pg_migration pg_migrations[];
extern const int pg_n_migrations;

/* The SQL of the migration steps kept beside their operations: 13, the assessment
 * (pg_assess.c). */
extern const char pg_assess_schema_sql[];
/* The GIN indexes of order_search as migration 8 made them: the search index's bulk rebuild
 * drops them and makes them again after the rows are in, which is faster than keeping them. */
extern const char pg_order_search_gin[];

#endif

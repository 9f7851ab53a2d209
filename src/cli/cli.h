/* Subcommands of the jiesu command line. Each returns the process exit status. */
#ifndef JIESU_CLI_H
#define JIESU_CLI_H

/* Entry point: jiesu SUBCOMMAND [options]. */
int cli_main(int argc, char **argv);

#endif

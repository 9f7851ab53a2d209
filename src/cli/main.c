/* The jiesu command: dispatches to subcommands. */
#include "compat.h"
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}

/* cmd_feeds.c: the subscription commands: add, remove, list, import, export. */
#include <stdio.h>
#include <sysexits.h>

#include "daemon.h"

/* cmd_unavailable answers for a command that has not landed yet. */
static int
cmd_unavailable(const char *name)
{
	fprintf(stderr, "syndic: %s: not available in this version yet\n",
	    name);
	return (EX_UNAVAILABLE);
}

int
cmd_add(struct globals *g, int argc, char **argv)
{
	return (cmd_unavailable(argv[0]));
}

int
cmd_remove(struct globals *g, int argc, char **argv)
{
	return (cmd_unavailable(argv[0]));
}

int
cmd_list(struct globals *g, int argc, char **argv)
{
	return (cmd_unavailable(argv[0]));
}

int
cmd_import(struct globals *g, int argc, char **argv)
{
	return (cmd_unavailable(argv[0]));
}

int
cmd_export(struct globals *g, int argc, char **argv)
{
	return (cmd_unavailable(argv[0]));
}

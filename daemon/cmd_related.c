/* cmd_related.c: the "related" command. */
#include <stdio.h>
#include <sysexits.h>

#include "daemon.h"

int
cmd_related(struct globals *g, int argc, char **argv)
{
	fprintf(stderr, "syndic: related: not available in this version yet\n");
	return (EX_UNAVAILABLE);
}

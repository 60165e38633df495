/* cmd_parse.c: the "parse" command. */
#include <stdio.h>
#include <sysexits.h>

#include "daemon.h"

int
cmd_parse(struct globals *g, int argc, char **argv)
{
	fprintf(stderr, "syndic: parse: not available in this version yet\n");
	return (EX_UNAVAILABLE);
}

/* cmd_publish.c: the "publish" command. */
#include <stdio.h>
#include <sysexits.h>

#include "daemon.h"

int
cmd_publish(struct globals *g, int argc, char **argv)
{
	fprintf(stderr, "syndic: publish: not available in this version yet\n");
	return (EX_UNAVAILABLE);
}

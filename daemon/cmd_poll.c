/* cmd_poll.c: the "poll" command. */
#include <stdio.h>
#include <sysexits.h>

#include "daemon.h"

int
cmd_poll(struct globals *g, int argc, char **argv)
{
	fprintf(stderr, "syndic: poll: not available in this version yet\n");
	return (EX_UNAVAILABLE);
}

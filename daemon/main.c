/* main.c: parse the global options and dispatch to a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct globals	 g;
	int		 i;

	memset(&g, 0, sizeof g);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			g.config_file = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			g.verbose++;
		else if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			printf("syndic %s\n", PACKAGE_VERSION);
			return (0);
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			cmd_usage();
			return (0);
		} else {
			fprintf(stderr, "syndic: unknown option \"%s\"\n",
			    argv[i]);
			cmd_usage();
			return (EX_USAGE);
		}
	}
	if (i == argc) {
		cmd_usage();
		return (EX_USAGE);
	}
	if (strcmp(argv[i], "help") == 0) {
		cmd_usage();
		return (0);
	}
	log_init(g.verbose, "syndic");
	return (cmd_main(&g, argc - i, argv + i));
}

/*
 * origin-main.c: syndic-origin, the loopback feed origin of origin.h as a
 * program for benchmarks and reliability runs.
 *
 *	syndic-origin [-q] [-n HOSTS] [-p PORT] [-d DIR]
 *
 * Prints "port N" once listening, then one line per request (time, method,
 * Host, path, in flight for that Host, connection, If-None-Match,
 * If-Modified-Since) unless -q.  SIGUSR1 moves every generated feed to its
 * next generation (one new item, new validators); SIGTERM or SIGINT stop.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "origin.h"

static void
usage(void)
{
	fprintf(stderr, "usage: syndic-origin [-q] [-n HOSTS] [-p PORT] "
	    "[-d DIR]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct origin	*o;
	sigset_t	 set;
	const char	*dir = NULL;
	int		 ch, port = 0, nhosts = 1, quiet = 0, sig, gen = 0;

	while ((ch = getopt(argc, argv, "d:n:p:q")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			nhosts = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((o = origin_start(nhosts, port, dir)) == NULL) {
		fprintf(stderr, "syndic-origin: cannot listen on port %d\n",
		    port);
		return (1);
	}
	printf("port %d\n", origin_port(o));
	fflush(stdout);
	if (!quiet)
		origin_log(o, stdout);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			break;
		if (sig == SIGUSR1)
			origin_set_generation(o, ++gen);
		else if (sig != SIGPIPE)
			break;
	}
	origin_stop(o);
	return (0);
}

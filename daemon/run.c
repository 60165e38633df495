/*
 * run.c: "syndic run", the daemon.  One libevent loop carries everything:
 * signals, the HTTP server and (as they land) the scheduler and fetches.
 * SIGTERM and SIGINT stop it gracefully; SIGHUP re-reads the configuration
 * and keeps the old one when the new one is bad.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>

#include "config.h"

#include "daemon.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

/* run_event_log_cb routes libevent's own messages through our log. */
static void
run_event_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

int
daemon_reload(struct daemon *d)
{
	struct config	*c;
	char		*errors;

	notify_reloading(d);
	if ((c = config_load(d->conf->path, &errors)) == NULL) {
		log_warnx("reload failed, keeping the running configuration:");
		log_warnx("%s", errors);
		free(errors);
		notify_reloaded(d, 0);
		return (-1);
	}
	config_free(d->conf);
	d->conf = c;
	d->reloads++;
	log_info("configuration reloaded from %s (%d feeds)", c->path,
	    c->nfeeds);
	notify_reloaded(d, 1);
	return (0);
}

/* run_signal_cb handles SIGTERM, SIGINT and SIGHUP on the loop. */
static void
run_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon	*d = arg;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading the configuration");
		daemon_reload(d);
		break;
	case SIGTERM:
	case SIGINT:
		if (d->stopping)
			break;
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		d->stopping = 1;
		notify_stopping(d);
		event_base_loopexit(d->base, NULL);
		break;
	}
}

int
cmd_run(struct globals *g, int argc, char **argv)
{
	struct daemon	 d;
	struct publish_source src;
	struct event	*sigs[3];
	static const int signos[3] = { SIGTERM, SIGINT, SIGHUP };
	char		*cause = NULL;
	int		 i, fd;

	if (argc != 1) {
		fprintf(stderr, "usage: syndic run\n");
		return (EX_USAGE);
	}
	memset(&d, 0, sizeof d);
	d.globals = g;
	if ((d.conf = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	event_set_log_callback(run_event_log_cb);
	signal(SIGPIPE, SIG_IGN);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(d.base, signos[i], run_signal_cb, &d);
		event_add(sigs[i], NULL);
	}
	fd = notify_listen_fd();
	if ((d.server = server_new(&d, d.conf->listen, fd, &cause)) == NULL) {
		log_err("%s", cause);
		free(cause);
		config_free(d.conf);
		return (EX_UNAVAILABLE);
	}
	if ((d.store = store_open(d.conf->database, &cause)) == NULL) {
		log_err("%s", cause);
		free(cause);
		server_free(d.server);
		config_free(d.conf);
		return (EX_UNAVAILABLE);
	}
	publish_store_source(d.store, &src);
	d.publish = publish_new(&d, &src);
	log_info("syndic %s running: %d feeds configured, listening on %s",
	    PACKAGE_VERSION, d.conf->nfeeds, fd >= 0 ? "the socket passed "
	    "by the service manager" : d.conf->listen);
	notify_new(&d);
	event_base_dispatch(d.base);

	notify_free(d.notify);
	server_free(d.server);
	publish_free(d.publish);
	store_close(d.store);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(d.base);
	config_free(d.conf);
	log_info("stopped");
	return (0);
}

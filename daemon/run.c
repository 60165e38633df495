/*
 * run.c: "syndic run", the daemon.  One libevent loop carries everything:
 * signals, the HTTP server, the scheduler and its fetches.  SIGTERM and
 * SIGINT stop it gracefully (transfers in flight end, what finished is
 * already committed); SIGHUP re-reads the configuration, subscribes its
 * feeds, and keeps the old one when the new one is bad.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"

#include "daemon.h"
#include "feeds.h"
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
	if (d->sched != NULL)
		sched_set_config(d->sched, c);
	config_free(d->conf);
	d->conf = c;
	d->reloads++;
	if (d->store != NULL && sched_subscribe(d->store, c, &errors) == -1) {
		log_warnx("reload: cannot subscribe the configured feeds: %s",
		    errors);
		free(errors);
	}
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
		if (d->sched != NULL)
			sched_stop(d->sched);
		event_base_loopexit(d->base, NULL);
		break;
	}
}

/* The one-shot timer that sends STATUS= after a burst of updates. */
static struct event	*run_status_ev;

static void
run_status_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_status(arg);
}

/*
 * run_status_hook keeps the STATUS= counters; a burst of polls is told in
 * one message a fifth of a second later, with the final counts.
 */
static void
run_status_hook(void *arg)
{
	struct daemon			*d = arg;
	static unsigned long long	 polls;
	struct timeval			 tv = { 0, 200 * 1000 };

	sched_counts(d->sched, &d->feeds, &d->failing);
	if (sched_get_metrics(d->sched)->polls != polls) {
		polls = sched_get_metrics(d->sched)->polls;
		d->last_poll = time(NULL);
	}
	if (run_status_ev == NULL)
		run_status_ev = evtimer_new(d->base, run_status_cb, d);
	if (!evtimer_pending(run_status_ev, NULL))
		evtimer_add(run_status_ev, &tv);
}

/*
 * run_engine opens the store, subscribes the configured feeds and makes
 * the fetcher and the scheduler.
 */
static int
run_engine(struct daemon *d)
{
	struct fetch_opts	 o;
	char			*cause = NULL;

	if ((d->store = store_open(d->conf->database, &cause)) == NULL) {
		log_err("cannot open the store %s: %s", d->conf->database,
		    cause);
		free(cause);
		return (-1);
	}
	if (sched_subscribe(d->store, d->conf, &cause) == -1) {
		log_warnx("cannot subscribe the configured feeds: %s", cause);
		free(cause);
	}
	sched_fetch_opts(d->conf, &o);
	d->fetch = fetch_new(d->base, &o);
	d->sched = sched_new(d->base, d->conf, d->store, d->fetch, 0);
	sched_set_hook(d->sched, run_status_hook, d);
	return (0);
}

#define RUN_LAG_USEC	10000	/* the loop-lag probe's period */

/*
 * run_lag_cb measures how late a 10 ms timer fires: anything that holds
 * the loop (a parse, a query, a render) shows as lag.  /metrics reports
 * the worst, and the reliability suites hold it under 100 ms.
 */
static void
run_lag_cb(evutil_socket_t fd, short events, void *arg)
{
	static struct timespec	 last, last_cpu;
	struct daemon		*d = arg;
	struct timespec		 now, cpu;
	double			 lag, gap, used;

	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	if (last.tv_sec != 0) {
		gap = (double)(now.tv_sec - last.tv_sec) +
		    (double)(now.tv_nsec - last.tv_nsec) / 1e9;
		lag = gap - RUN_LAG_USEC / 1e6;
		if (lag > d->loop_lag_max)
			d->loop_lag_max = lag;
		/*
		 * Lag in which the loop thread ran at least half the time is
		 * its own doing; the rest may be a loaded machine.
		 */
		used = (double)(cpu.tv_sec - last_cpu.tv_sec) +
		    (double)(cpu.tv_nsec - last_cpu.tv_nsec) / 1e9;
		if (used >= gap / 2 && lag > d->loop_lag_busy_max)
			d->loop_lag_busy_max = lag;
	}
	last = now;
	last_cpu = cpu;
}

int
cmd_run(struct globals *g, int argc, char **argv)
{
	struct daemon	 d;
	struct publish_source src;
	struct event_config *cfg;
	struct event	*sigs[3], *lag;
	struct timeval	 lag_tv = { 0, RUN_LAG_USEC };
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
	/*
	 * The changelist folds the event toggles evhttp makes around every
	 * request into one epoll_ctl per descriptor and loop turn.
	 */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((d.base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(cfg);
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
	if (run_engine(&d) == -1) {
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
	lag = event_new(d.base, -1, EV_PERSIST, run_lag_cb, &d);
	event_add(lag, &lag_tv);
	sched_start(d.sched);
	event_base_dispatch(d.base);
	event_free(lag);

	if (run_status_ev != NULL)
		event_free(run_status_ev);
	sched_free(d.sched);
	fetch_free(d.fetch);
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

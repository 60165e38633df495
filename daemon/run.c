/*
 * run.c: "syndic run", the daemon.  One libevent loop carries everything:
 * signals, the HTTP server, the scheduler and its fetches; the store's
 * writes run on the writer thread (writer.c) and its checkpoints on the
 * checkpoint thread (storage/store.c), so that the loop never waits for
 * the disk.  SIGTERM and SIGINT stop it gracefully (transfers in flight
 * are cancelled, what was fetched and parsed is stored before exit);
 * SIGHUP re-reads the configuration, subscribes its feeds, and keeps the
 * old one when the new one is bad.
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
	publish_reconfigured(d->publish);
	/* Through the writer: the loop does not wait for the store. */
	if (d->sched != NULL)
		sched_resubscribe(d->sched, c);
	else if (d->store != NULL && sched_subscribe(d->store, c, &errors) ==
	    -1) {
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

/* Statements slower than this are logged: on the loop they are stalls. */
#define RUN_SLOW_MS	50

/*
 * run_engine opens the store (the loop's connection, for reads), starts
 * the writer thread with its own connection and the checkpoint thread,
 * subscribes the configured feeds and makes the fetcher and the scheduler.
 */
static int
run_engine(struct daemon *d)
{
	struct fetch_opts	 o;
	struct writer_opts	 wo;
	char			*cause = NULL;

	memset(&wo, 0, sizeof wo);
	wo.checkpoints = 1;
	wo.slow_ms = RUN_SLOW_MS;
	if ((d->store = store_open(d->conf->database, &cause)) == NULL ||
	    (d->writer = writer_new(d->base, d->conf->database, &wo,
	    &cause)) == NULL) {
		log_err("cannot open the store %s: %s", d->conf->database,
		    cause);
		free(cause);
		store_close(d->store);
		d->store = NULL;
		return (-1);
	}
	store_log_slow(d->store, RUN_SLOW_MS);
	/* Before the loop runs: nothing waits for it yet. */
	if (sched_subscribe(d->store, d->conf, &cause) == -1) {
		log_warnx("cannot subscribe the configured feeds: %s", cause);
		free(cause);
	}
	sched_fetch_opts(d->conf, &o);
	d->fetch = fetch_new(d->base, &o);
	d->sched = sched_new(d->base, d->conf, d->store, d->writer, d->fetch,
	    0);
	sched_set_hook(d->sched, run_status_hook, d);
	return (0);
}

/*
 * The loop-lag probe.  A stall is time in which the loop runs no callback
 * while one is due: a parse, a query, a render or a disk wait that holds
 * the thread.  Two measures together:
 *
 * - after each turn of the loop (run_loop), the thread CPU time that its
 *   callbacks took: every turn that did work is seen, at no cost, but a
 *   turn that waited for the disk shows only its CPU;
 * - while the loop has work (a turn used RUN_WORK_USEC or more within the
 *   last RUN_ACTIVE_MS), a one-shot RUN_LAG_USEC timer that is re-armed as
 *   it fires: how late it fires is the lag, whatever held the loop, and
 *   the thread CPU in that time tells the loop's own lag from a loaded
 *   machine's.
 *
 * An idle daemon runs no probe: it wakes only when one of its timers is
 * due or a client connects.
 */
#define RUN_LAG_USEC	10000	/* the probe timer's period */
#define RUN_WORK_USEC	1000	/* a turn with this much CPU is work */
#define RUN_ACTIVE_MS	250	/* keep probing this long after work */

static struct event	*run_lag_ev;
static struct timespec	 run_lag_due, run_lag_cpu, run_work_at;

/* run_ts_diff returns a - b in seconds. */
static double
run_ts_diff(const struct timespec *a, const struct timespec *b)
{
	return ((double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_nsec - b->tv_nsec) / 1e9);
}

/* run_lag_arm arms the probe, unless it is pending. */
static void
run_lag_arm(void)
{
	struct timeval	tv = { 0, RUN_LAG_USEC };

	if (evtimer_pending(run_lag_ev, NULL))
		return;
	clock_gettime(CLOCK_MONOTONIC, &run_lag_due);
	run_lag_due.tv_nsec += RUN_LAG_USEC * 1000;
	if (run_lag_due.tv_nsec >= 1000000000) {
		run_lag_due.tv_sec++;
		run_lag_due.tv_nsec -= 1000000000;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &run_lag_cpu);
	evtimer_add(run_lag_ev, &tv);
}

/* run_lag_record keeps the worst lag, and the worst of the loop's making. */
static void
run_lag_record(struct daemon *d, double lag, int busy)
{
	if (lag > d->loop_lag_max)
		d->loop_lag_max = lag;
	if (busy && lag > d->loop_lag_busy_max)
		d->loop_lag_busy_max = lag;
}

/*
 * run_lag_cb measures how late the probe fired, and re-arms it while the
 * loop has had work lately.
 */
static void
run_lag_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon	*d = arg;
	struct timespec	 now, cpu;
	double		 lag, used;

	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	lag = run_ts_diff(&now, &run_lag_due);
	/*
	 * Lag in which the loop thread ran at least half the time is its own
	 * doing; the rest may be a loaded machine.
	 */
	used = run_ts_diff(&cpu, &run_lag_cpu);
	if (lag > 0)
		run_lag_record(d, lag, used >= (lag + RUN_LAG_USEC / 1e6) / 2);
	if (run_ts_diff(&now, &run_work_at) * 1000 < RUN_ACTIVE_MS &&
	    !d->stopping)
		run_lag_arm();
}

/*
 * run_loop runs the event loop one turn at a time, timing the callbacks of
 * each turn by the thread's CPU clock, until the loop is told to stop.
 */
static void
run_loop(struct daemon *d)
{
	struct timespec	 c0, c1;
	double		 used;

	run_lag_ev = evtimer_new(d->base, run_lag_cb, d);
	while (!event_base_got_exit(d->base) &&
	    !event_base_got_break(d->base)) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		if (event_base_loop(d->base, EVLOOP_ONCE) != 0)
			break;		/* no events left, or an error */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		used = run_ts_diff(&c1, &c0);
		if (used * 1e6 < RUN_WORK_USEC)
			continue;
		/* The turn held the loop at least as long as it ran. */
		run_lag_record(d, used, 1);
		clock_gettime(CLOCK_MONOTONIC, &run_work_at);
		if (!d->stopping)
			run_lag_arm();
	}
	event_free(run_lag_ev);
	run_lag_ev = NULL;
}

int
cmd_run(struct globals *g, int argc, char **argv)
{
	struct daemon	 d;
	struct publish_source src;
	struct event_config *cfg;
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
	/*
	 * The changelist folds the event toggles evhttp makes around every
	 * request into one epoll_ctl per descriptor and loop turn.
	 */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	/*
	 * CLOCK_MONOTONIC, not the coarse clock (4 ms ticks): with the coarse
	 * one, epoll_wait's millisecond timeouts end before a timer is due and
	 * every timer costs three or four wake-ups instead of one.
	 */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
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
	sched_start(d.sched);
	run_loop(&d);

	if (run_status_ev != NULL)
		event_free(run_status_ev);
	sched_free(d.sched);
	fetch_free(d.fetch);
	notify_free(d.notify);
	server_free(d.server);
	publish_free(d.publish);
	writer_free(d.writer);
	store_close(d.store);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(d.base);
	config_free(d.conf);
	log_info("stopped");
	return (0);
}

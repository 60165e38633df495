/*
 * notify.c: the service manager protocol, spoken natively so that syndic
 * needs no libsystemd: state strings as datagrams to $NOTIFY_SOCKET
 * (sd_notify(3)) and sockets passed through $LISTEN_PID/$LISTEN_FDS
 * (sd_listen_fds(3)).
 *
 * The daemon tells the manager READY=1 once the store is open and the loop
 * dispatches, RELOADING=1 and READY=1 around a reload, STOPPING=1 when it
 * stops, and keeps a STATUS= line that says what it is doing (feeds, failing
 * feeds, last poll), read from the store on a timer.  With $WATCHDOG_USEC
 * the timer runs at half the interval and sends WATCHDOG=1, but only while
 * the daemon is healthy: a loop that is stuck cannot fire the timer, and a
 * store that stops answering (twice in a row, so that one long lock held by
 * another writer is forgiven) or a failing health hook withholds the
 * keepalive, so the manager restarts the daemon either way.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "model.h"
#include "storage.h"
#include "xmalloc.h"

#define NOTIFY_FIRST_FD		3	/* SD_LISTEN_FDS_START */
#define NOTIFY_STATUS_PERIOD	30	/* seconds between ticks, no watchdog */
#define NOTIFY_MAX_STATE	2048
#define NOTIFY_REFRESH		1000000	/* usec between store reads, at least */
#define NOTIFY_STORE_STRIKES	2	/* failed reads before unhealthy */

struct notify {
	struct daemon	*daemon;
	struct event	*ready;		/* READY=1 once the loop runs */
	struct event	*timer;		/* keepalives and STATUS= refreshes */
	struct timeval	 period;
	uint64_t	 watchdog_usec;	/* 0: no watchdog */
	uint64_t	 last_tick;	/* monotonic usec of the last tick */
	uint64_t	 last_refresh;	/* ... of the last read of the store */
	int		 store_strikes;	/* reads of the store failed in a row */
	char		*store_error;	/* why the last one failed */
	char		*status;	/* the last STATUS= sent */
	int		 unhealthy;	/* the last health check failed */
	int		 reload_failed;	/* the last reload kept the old one */
};

/* notify_now returns the monotonic clock in microseconds. */
static uint64_t
notify_now(void)
{
	return ((uint64_t)clock_mono_us());
}

int
notify_send(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	int			 fd;
	ssize_t			 n;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return (0);
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	/*
	 * NOTE: non-blocking: a manager that does not read must cost a lost
	 * message, never a loop stuck in sendto().
	 */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (-1);
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
	if (n == -1) {
		log_debug("notify: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

static int	notify_sendf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* notify_sendf formats a state string and sends it. */
static int
notify_sendf(const char *fmt, ...)
{
	char	 state[NOTIFY_MAX_STATE];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(state, sizeof state, fmt, ap);
	va_end(ap);
	return (notify_send(state));
}

int
notify_listen_fd(void)
{
	const char	*pid, *fds;
	struct stat	 st;
	long		 n;
	int		 fd, flags;

	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL)
		return (-1);
	n = strtol(fds, NULL, 10);
	if (strtol(pid, NULL, 10) != (long)getpid() || n < 1)
		return (-1);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fd = NOTIFY_FIRST_FD;
	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		log_warnx("LISTEN_FDS is set but fd %d is not a socket", fd);
		return (-1);
	}
	if (n > 1)
		log_warnx("%ld sockets passed, only the first is served", n);
	/*
	 * NOTE: systemd passes blocking sockets (unless NonBlocking=yes), and
	 * a blocking listener would hang the loop in accept().
	 */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("fd %d", fd);
		return (-1);
	}
	return (fd);
}

int
notify_health(struct daemon *d, char **cause)
{
	*cause = NULL;
	if (d->stopping) {
		*cause = xstrdup("stopping");
		return (-1);
	}
	if (d->notify != NULL &&
	    d->notify->store_strikes >= NOTIFY_STORE_STRIKES) {
		xasprintf(cause, "the store does not answer: %s",
		    d->notify->store_error);
		return (-1);
	}
	if (d->health_cb != NULL && d->health_cb(d, cause) != 0) {
		if (*cause == NULL)
			*cause = xstrdup("health check failed");
		return (-1);
	}
	return (0);
}

/*
 * notify_refresh asks the store for the feeds: it must answer for the
 * daemon to be healthy.  Without a scheduler (which keeps the counters
 * itself, see run.c) the answer also fills the STATUS= counters.
 */
static void
notify_refresh(struct notify *n)
{
	struct daemon	*d = n->daemon;
	struct feed_row	*rows;
	char		*cause = NULL;
	long long	 last = 0;
	int		 i, nrows, feeds = 0, failing = 0;

	if (d->store == NULL)
		return;
	n->last_refresh = notify_now();
	if (store_feed_list(d->store, &rows, &nrows, &cause) == -1) {
		if (n->store_strikes++ == 0)
			log_warnx("status: cannot read the feeds: %s", cause);
		free(n->store_error);
		n->store_error = cause;
		return;
	}
	if (n->store_strikes > 0)
		log_info("status: the store answers again");
	n->store_strikes = 0;
	for (i = 0; i < nrows; i++) {
		if (rows[i].retired)
			continue;
		feeds++;
		if (rows[i].failures > 0)
			failing++;
		if (rows[i].last_fetch != TIME_UNKNOWN &&
		    rows[i].last_fetch > last)
			last = rows[i].last_fetch;
	}
	feed_rows_free(rows, nrows);
	if (d->sched == NULL) {
		d->feeds = feeds;
		d->failing = failing;
		d->last_poll = (time_t)last;
	}
}

/* notify_compose writes the STATUS= text for the daemon's state. */
static void
notify_compose(struct notify *n, char *s, size_t len)
{
	struct daemon	*d = n->daemon;
	struct tm	 tm;
	char		 when[48], busy[32] = "";
	int		 feeds, inflight;

	feeds = d->store != NULL ? d->feeds : d->conf->nfeeds;
	if (d->last_poll == 0)
		snprintf(when, sizeof when, "no poll yet");
	else {
		gmtime_r(&d->last_poll, &tm);
		strftime(when, sizeof when, "last poll %Y-%m-%d %H:%M:%S UTC",
		    &tm);
	}
	if (d->sched != NULL && (inflight = sched_busy(d->sched)) > 0)
		snprintf(busy, sizeof busy, ", %d polling", inflight);
	snprintf(s, len, "%d feed%s, %d failing%s, %s%s", feeds,
	    feeds == 1 ? "" : "s", d->failing, busy, when, n->reload_failed ?
	    "; last reload failed, old configuration kept" : "");
}

void
notify_status(struct daemon *d)
{
	struct notify	*n = d->notify;
	char		 s[512], *cause;

	if (n == NULL)
		return;
	if (notify_health(d, &cause) != 0) {
		snprintf(s, sizeof s, "unhealthy: %s", cause);
		free(cause);
	} else
		notify_compose(n, s, sizeof s);
	if (n->status != NULL && strcmp(n->status, s) == 0)
		return;
	free(n->status);
	n->status = xstrdup(s);
	notify_sendf("STATUS=%s", s);
}

/* notify_tick_cb sends a keepalive when healthy and refreshes STATUS=. */
static void
notify_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct notify	*n = arg;
	uint64_t	 now, late;
	char		*cause;

	now = notify_now();
	if (now - n->last_refresh >= NOTIFY_REFRESH)
		notify_refresh(n);
	late = now - n->last_tick;
	if (n->watchdog_usec != 0 && late > n->watchdog_usec)
		log_warnx("the loop was blocked for %.1f s",
		    (double)late / 1e6);
	n->last_tick = now;
	if (notify_health(n->daemon, &cause) == 0) {
		if (n->unhealthy)
			log_info("healthy again");
		n->unhealthy = 0;
		if (n->watchdog_usec != 0)
			notify_send("WATCHDOG=1");
	} else {
		if (!n->unhealthy && !n->daemon->stopping)
			log_warnx("unhealthy, no watchdog keepalive: %s",
			    cause);
		n->unhealthy = 1;
		free(cause);
	}
	notify_status(n->daemon);
}

/* notify_ready_cb runs once the loop dispatches: the daemon is ready. */
static void
notify_ready_cb(evutil_socket_t fd, short events, void *arg)
{
	struct notify	*n = arg;

	notify_ready(n->daemon);
}

/* notify_watchdog reads $WATCHDOG_USEC when it is meant for this process. */
static uint64_t
notify_watchdog(void)
{
	const char	*usec, *pid;
	char		*end;
	unsigned long long v;

	if ((usec = getenv("WATCHDOG_USEC")) == NULL)
		return (0);
	pid = getenv("WATCHDOG_PID");
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return (0);
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (*usec == '\0' || *end != '\0' || errno != 0 || v == 0) {
		log_warnx("ignoring a bad WATCHDOG_USEC \"%s\"", usec);
		return (0);
	}
	return (v);
}

struct notify *
notify_new(struct daemon *d)
{
	struct notify	*n;
	struct timeval	 zero = { 0, 0 };
	const char	*path;
	uint64_t	 half;

	n = xcalloc(1, sizeof *n);
	n->daemon = d;
	d->notify = n;
	/*
	 * Without a manager to tell, the timer still runs: its reads of the
	 * store are what /healthz reports.
	 */
	path = getenv("NOTIFY_SOCKET");
	if (path != NULL && *path != '\0') {
		n->ready = evtimer_new(d->base, notify_ready_cb, n);
		evtimer_add(n->ready, &zero);
		n->watchdog_usec = notify_watchdog();
	}
	if (n->watchdog_usec != 0) {
		half = n->watchdog_usec / 2;
		n->period.tv_sec = (time_t)(half / 1000000);
		n->period.tv_usec = (suseconds_t)(half % 1000000);
		log_debug("watchdog: keepalive every %.3f s",
		    (double)half / 1e6);
	} else
		n->period.tv_sec = NOTIFY_STATUS_PERIOD;
	n->last_tick = notify_now();
	n->timer = event_new(d->base, -1, EV_PERSIST, notify_tick_cb, n);
	evtimer_add(n->timer, &n->period);
	return (n);
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->ready != NULL)
		event_free(n->ready);
	if (n->timer != NULL)
		event_free(n->timer);
	if (n->daemon->notify == n)
		n->daemon->notify = NULL;
	free(n->status);
	free(n->store_error);
	free(n);
}

void
notify_ready(struct daemon *d)
{
	struct notify	*n = d->notify;
	char		 s[512];

	if (n == NULL)
		return;
	notify_compose(n, s, sizeof s);
	free(n->status);
	n->status = xstrdup(s);
	if (n->watchdog_usec != 0)
		notify_sendf("READY=1\nWATCHDOG=1\nSTATUS=%s", s);
	else
		notify_sendf("READY=1\nSTATUS=%s", s);
}

void
notify_reloading(struct daemon *d)
{
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading the configuration",
	    (unsigned long long)notify_now());
}

void
notify_reloaded(struct daemon *d, int ok)
{
	if (d->notify == NULL)
		return;
	d->notify->reload_failed = !ok;
	notify_ready(d);
}

void
notify_stopping(struct daemon *d)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
	if (d->notify != NULL && d->notify->timer != NULL)
		evtimer_del(d->notify->timer);
}

/*
 * check_notify.c: the service manager protocol without systemd.  The test
 * plays the manager: it binds the $NOTIFY_SOCKET datagram socket, passes a
 * listening TCP socket as fd 3 with $LISTEN_FDS/$LISTEN_PID (set in the
 * child between fork and exec, as systemd does), sets $WATCHDOG_USEC, runs
 * the real "syndic run" and checks what it is told: READY=1 with STATUS=,
 * WATCHDOG=1 keepalives, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1
 * on SIGTERM; and that HTTP is served on the passed socket, not on the
 * configured address.  In process, it checks that keepalives stop while
 * the health hook fails and resume when it recovers.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "daemon.h"
#include "harness.h"

/* The manager's end: the notify socket and what came through it. */
struct mgr {
	char	*dir;
	char	*path;		/* $NOTIFY_SOCKET */
	int	 sock;
	int	 watchdogs;	/* WATCHDOG=1 seen so far */
	char	 last[4096];	/* the last message read */
};

/* ms_now returns a monotonic time in milliseconds. */
static long long
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* has_line tells whether msg holds line as one of its lines. */
static int
has_line(const char *msg, const char *line)
{
	const char	*p = msg;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == msg || p[-1] == '\n') && (p[n] == '\n' ||
		    p[n] == '\0'))
			return (1);
		p += n;
	}
	return (0);
}

static void
mgr_open(struct mgr *m)
{
	struct sockaddr_un	 sun;

	memset(m, 0, sizeof *m);
	m->dir = h_tmpdir();
	if (asprintf(&m->path, "%s/notify", m->dir) == -1)
		abort();
	m->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(m->sock, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, m->path, sizeof sun.sun_path - 1);
	ck_assert_int_eq(bind(m->sock, (struct sockaddr *)&sun, sizeof sun),
	    0);
}

static void
mgr_close(struct mgr *m)
{
	close(m->sock);
	h_cleanup(m->dir);
	free(m->dir);
	free(m->path);
}

/*
 * mgr_read reads messages until one holds want: as one of its lines when
 * line is set, else anywhere (or, with want NULL, until the time is up);
 * returns 0 when found, -1 on timeout.
 */
static int
mgr_read(struct mgr *m, const char *want, int line, int ms)
{
	struct pollfd	 pfd;
	long long	 end = ms_now() + ms, left;
	ssize_t		 n;

	for (;;) {
		if ((left = end - ms_now()) < 0)
			return (-1);
		pfd.fd = m->sock;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(m->sock, m->last, sizeof m->last - 1, 0);
		if (n < 0)
			continue;
		m->last[n] = '\0';
		if (has_line(m->last, "WATCHDOG=1"))
			m->watchdogs++;
		if (want != NULL && (line ? has_line(m->last, want) :
		    strstr(m->last, want) != NULL))
			return (0);
	}
}

/* mgr_wait waits for a message with the line want. */
static int
mgr_wait(struct mgr *m, const char *want, int ms)
{
	return (mgr_read(m, want, 1, ms));
}

/* mgr_drain discards the messages already queued, unread and uncounted. */
static void
mgr_drain(struct mgr *m)
{
	while (recv(m->sock, m->last, sizeof m->last - 1, MSG_DONTWAIT) >= 0)
		continue;
	m->last[0] = '\0';
}

/* tcp_listen returns a listening loopback socket and its port. */
static int
tcp_listen(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

/*
 * spawn_activated starts `syndic -c conf run` as a service manager would:
 * env added, the socket lfd as fd 3 and LISTEN_PID set to the child's own
 * pid (or to another, when for_us is 0), stderr to errlog.
 */
static pid_t
spawn_activated(const char *conf, char *const env[], int lfd, int for_us,
    const char *errlog)
{
	char	*argv[] = { (char *)h_syndic(), "-c", (char *)conf, "run",
	    NULL };
	char	 pid[32];
	pid_t	 child;
	int	 fd, i;

	fflush(NULL);
	if ((child = fork()) == -1)
		abort();
	if (child != 0)
		return (child);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	close(fd);
	fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	if (lfd != 3) {
		dup2(lfd, 3);
		close(lfd);
	}
	fcntl(3, F_SETFD, 0);
	snprintf(pid, sizeof pid, "%ld", for_us ? (long)getpid() : 1L);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	execv(argv[0], argv);
	_exit(127);
}

/* write_conf writes a configuration listening on port into dir. */
static char *
write_conf(const char *dir, int port)
{
	char	*conf;

	if (asprintf(&conf, "%s/syndic.conf", dir) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s/s.db\nlisten = "
	    "127.0.0.1:%d\n", dir, port);
	return (conf);
}

/* get_healthz fetches /healthz on port; returns the status, 0 if none. */
static long
get_healthz(int port)
{
	struct hresp	 r;
	char		*url;
	long		 status = 0;

	if (asprintf(&url, "http://127.0.0.1:%d/healthz", port) == -1)
		abort();
	if (h_http("GET", url, NULL, &r) == 0 && strcmp(r.body, "ok\n") == 0)
		status = r.status;
	h_hresp_free(&r);
	free(url);
	return (status);
}

START_TEST(test_activated)
{
	struct mgr	 m;
	char		*conf, *errlog, *env[3];
	long long	 t0, ms;
	int		 i;
	pid_t		 pid;
	int		 lfd, port, conf_port;

	mgr_open(&m);
	lfd = tcp_listen(&port);
	conf_port = h_free_port();
	conf = write_conf(m.dir, conf_port);
	if (asprintf(&errlog, "%s/stderr", m.dir) == -1 ||
	    asprintf(&env[0], "NOTIFY_SOCKET=%s", m.path) == -1)
		abort();
	env[1] = "WATCHDOG_USEC=200000";
	env[2] = NULL;
	pid = spawn_activated(conf, env, lfd, 1, errlog);
	close(lfd);

	/* READY=1 comes with a STATUS= that says something. */
	ck_assert_msg(mgr_wait(&m, "READY=1", 15000) == 0, "no READY=1");
	ck_assert_msg(strstr(m.last, "STATUS=0 feeds, 0 failing, no poll yet")
	    != NULL, "READY without a useful STATUS: %s", m.last);

	/* Served on the passed socket; the configured address is unused. */
	ck_assert_int_eq(get_healthz(port), 200);
	ck_assert_int_eq(h_wait_port(conf_port, 100), -1);

	/*
	 * Keepalives at half of WATCHDOG_USEC, every 100 ms.  They repeat:
	 * three come, however late (a loaded machine may deschedule the
	 * daemon).  They are not sent in a loop: from the moment the queue
	 * was emptied, at most one per 100 ms, plus one.  (Counting in a
	 * fixed window failed under load: keepalives queued while the test
	 * was descheduled were read, and counted, in the window.)
	 */
	t0 = ms_now();
	mgr_drain(&m);
	m.watchdogs = 0;
	for (i = 1; i <= 3; i++)
		ck_assert_msg(mgr_wait(&m, "WATCHDOG=1", 10000) == 0,
		    "keepalive %d of 3 did not come", i);
	mgr_wait(&m, NULL, 500);
	ms = ms_now() - t0;
	ck_assert_msg(m.watchdogs <= ms / 100 + 2, "%d keepalives in %lld ms "
	    "at WATCHDOG_USEC=200000", m.watchdogs, ms);

	/* A reload is bracketed by RELOADING=1 and READY=1. */
	kill(pid, SIGHUP);
	ck_assert_msg(mgr_wait(&m, "RELOADING=1", 5000) == 0, "no RELOADING");
	ck_assert_ptr_nonnull(strstr(m.last, "MONOTONIC_USEC="));
	ck_assert_msg(mgr_wait(&m, "READY=1", 5000) == 0, "no READY after "
	    "reload");
	ck_assert_ptr_null(strstr(m.last, "reload failed"));

	/* A failed reload says so in STATUS=, and the daemon still serves. */
	h_write(conf, "[syndic]\nbogus = 1\n");
	kill(pid, SIGHUP);
	ck_assert_int_eq(mgr_wait(&m, "RELOADING=1", 5000), 0);
	ck_assert_int_eq(mgr_wait(&m, "READY=1", 5000), 0);
	ck_assert_msg(strstr(m.last, "last reload failed") != NULL,
	    "failed reload not in STATUS: %s", m.last);
	ck_assert_int_eq(get_healthz(port), 200);

	/* SIGTERM: STOPPING=1, then a clean exit, and no more keepalives. */
	kill(pid, SIGTERM);
	ck_assert_msg(mgr_wait(&m, "STOPPING=1", 5000) == 0, "no STOPPING");
	ck_assert_int_eq(h_wait(pid, 10000), 0);
	m.watchdogs = 0;
	mgr_wait(&m, NULL, 300);
	ck_assert_int_eq(m.watchdogs, 0);

	free(env[0]);
	free(errlog);
	free(conf);
	mgr_close(&m);
}
END_TEST

/*
 * Sockets and a watchdog meant for another process (LISTEN_PID and
 * WATCHDOG_PID not ours) are ignored: the daemon listens on the configured
 * address and sends no keepalives.
 */
START_TEST(test_not_for_us)
{
	struct mgr	 m;
	char		*conf, *errlog, *env[4];
	pid_t		 pid;
	int		 lfd, port, conf_port;

	mgr_open(&m);
	lfd = tcp_listen(&port);
	conf_port = h_free_port();
	conf = write_conf(m.dir, conf_port);
	if (asprintf(&errlog, "%s/stderr", m.dir) == -1 ||
	    asprintf(&env[0], "NOTIFY_SOCKET=%s", m.path) == -1)
		abort();
	env[1] = "WATCHDOG_USEC=100000";
	env[2] = "WATCHDOG_PID=1";
	env[3] = NULL;
	pid = spawn_activated(conf, env, lfd, 0, errlog);
	close(lfd);

	ck_assert_msg(mgr_wait(&m, "READY=1", 15000) == 0, "no READY=1");
	ck_assert_int_eq(h_wait_port(conf_port, 5000), 0);
	ck_assert_int_eq(get_healthz(conf_port), 200);
	m.watchdogs = 0;
	mgr_wait(&m, NULL, 500);
	ck_assert_int_eq(m.watchdogs, 0);

	kill(pid, SIGTERM);
	ck_assert_int_eq(mgr_wait(&m, "STOPPING=1", 5000), 0);
	ck_assert_int_eq(h_wait(pid, 10000), 0);

	free(env[0]);
	free(errlog);
	free(conf);
	mgr_close(&m);
}
END_TEST

/* STATUS= counts the feeds, the failing ones, and tells the last poll. */
START_TEST(test_status_feeds)
{
	struct mgr	 m;
	char		*conf, *errlog, *env[3];
	pid_t		 pid;
	int		 port, found;

	mgr_open(&m);
	port = h_free_port();
	if (asprintf(&conf, "%s/syndic.conf", m.dir) == -1 ||
	    asprintf(&errlog, "%s/stderr", m.dir) == -1 ||
	    asprintf(&env[0], "NOTIFY_SOCKET=%s", m.path) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s/s.db\nlisten = "
	    "127.0.0.1:%d\n[feed \"file://%s/examples/feeds/harbour-gazette.xml"
	    "\"]\n[feed \"file://%s/missing.xml\"]\n[feed \"file://%s/"
	    "examples/feeds/tidewater-tech.json\"]\n", m.dir, port, SRCDIR,
	    m.dir, SRCDIR);
	env[1] = "WATCHDOG_USEC=200000";
	env[2] = NULL;
	pid = h_daemon(conf, env, NULL, errlog);
	ck_assert_msg(mgr_wait(&m, "READY=1", 15000) == 0, "no READY=1");
	ck_assert_msg(strstr(m.last, "STATUS=3 feeds, ") != NULL,
	    "READY: %s", m.last);
	/* The polls may all be done when READY=1 goes out, with its STATUS. */
	found = strstr(m.last, "STATUS=3 feeds, 1 failing, last poll 20") !=
	    NULL || mgr_read(&m, "STATUS=3 feeds, 1 failing, last poll 20", 0,
	    15000) == 0;
	ck_assert_msg(found, "no STATUS with the failing feed: %s", m.last);
	kill(pid, SIGTERM);
	ck_assert_int_eq(mgr_wait(&m, "STOPPING=1", 5000), 0);
	ck_assert_int_eq(h_wait(pid, 10000), 0);
	free(env[0]);
	free(errlog);
	free(conf);
	mgr_close(&m);
}
END_TEST

static int	 sick;

/* sick_cb is a health hook that fails while sick is set. */
static int
sick_cb(struct daemon *d, char **cause)
{
	if (!sick)
		return (0);
	*cause = strdup("test says so");
	return (-1);
}

/* drain_cb reads what the daemon sent, on the daemon's own loop. */
static void
drain_cb(evutil_socket_t fd, short events, void *arg)
{
	struct mgr	*m = arg;
	ssize_t		 n;

	while ((n = recv(m->sock, m->last, sizeof m->last - 1,
	    MSG_DONTWAIT)) >= 0) {
		m->last[n] = '\0';
		if (has_line(m->last, "WATCHDOG=1"))
			m->watchdogs++;
	}
}

/* spin runs the daemon's loop for ms, counting the keepalives. */
static void
spin(struct daemon *d, struct mgr *m, int ms)
{
	struct timeval	 tv = { 0, ms * 1000 };
	struct event	*ev;

	drain_cb(m->sock, EV_READ, m);	/* what an earlier spin left */
	m->watchdogs = 0;
	ev = event_new(d->base, m->sock, EV_READ | EV_PERSIST, drain_cb, m);
	event_add(ev, NULL);
	event_base_loopexit(d->base, &tv);
	event_base_dispatch(d->base);
	event_free(ev);
}

/*
 * spin_until runs the daemon's loop until it has sent n keepalives, or for
 * ms at most: a loaded machine may hold the loop back, but not forever.
 */
static void
spin_until(struct daemon *d, struct mgr *m, int n, int ms)
{
	int	 seen = 0;

	for (; ms > 0 && seen < n; ms -= 100) {
		spin(d, m, 100);
		seen += m->watchdogs;
	}
	m->watchdogs = seen;
}

/* Keepalives only while healthy; STATUS= says why not. */
START_TEST(test_watchdog_health)
{
	struct mgr	 m;
	struct daemon	 d;
	char		*cause;

	mgr_open(&m);
	setenv("NOTIFY_SOCKET", m.path, 1);
	setenv("WATCHDOG_USEC", "100000", 1);
	unsetenv("WATCHDOG_PID");
	memset(&d, 0, sizeof d);
	d.base = event_base_new();
	d.conf = config_default();
	d.health_cb = sick_cb;
	notify_new(&d);

	spin_until(&d, &m, 3, 20000);
	ck_assert_msg(m.watchdogs >= 3, "%d keepalives while healthy",
	    m.watchdogs);
	ck_assert_int_eq(notify_health(&d, &cause), 0);

	sick = 1;
	spin(&d, &m, 600);
	ck_assert_int_eq(m.watchdogs, 0);
	ck_assert_int_eq(notify_health(&d, &cause), -1);
	ck_assert_str_eq(cause, "test says so");
	free(cause);

	sick = 0;
	spin_until(&d, &m, 3, 20000);
	ck_assert_msg(m.watchdogs >= 3, "%d keepalives after recovery",
	    m.watchdogs);

	d.stopping = 1;
	notify_stopping(&d);
	spin(&d, &m, 300);
	ck_assert_int_eq(m.watchdogs, 0);

	notify_free(d.notify);
	ck_assert_ptr_null(d.notify);
	event_base_free(d.base);
	config_free(d.conf);
	mgr_close(&m);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("protocol");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_activated);
	tcase_add_test(tc, test_not_for_us);
	tcase_add_test(tc, test_status_feeds);
	suite_add_tcase(s, tc);
	tc = tcase_create("health");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_watchdog_health);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(notify_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

/*
 * check_shutdown.c: a graceful stop under load.  The real "syndic run"
 * polls 300 feeds from the loopback origin (tests/origin.h): fast ones,
 * slow ones and some that never answer.  Once entries are being stored
 * and transfers are in flight, SIGTERM must end it cleanly (STOPPING=1,
 * exit 0, well within the unit's TimeoutStopSec) and leave a store that
 * passes PRAGMA integrity_check, holds what was fetched, and opens again.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "harness.h"
#include "origin.h"

#define NFEEDS	300	/* a sixth hang, a sixth answer after 1 s, the rest
			   at once, with 20 items each */

/* ms_now returns a monotonic time in milliseconds. */
static long long
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* notify_open binds the datagram socket that plays the service manager. */
static int
notify_open(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof sun.sun_path - 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return (fd);
}

/* notify_wait waits up to ms for a message holding want. */
static int
notify_wait(int fd, const char *want, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	long long	 end = ms_now() + ms;
	char		 msg[4096];
	ssize_t		 n;

	while (ms_now() < end) {
		if (poll(&pfd, 1, (int)(end - ms_now())) <= 0)
			continue;
		if ((n = recv(fd, msg, sizeof msg - 1, 0)) < 0)
			continue;
		msg[n] = '\0';
		if (strstr(msg, want) != NULL)
			return (0);
	}
	return (-1);
}

/* count runs a one-number query on the store; -1 when it cannot. */
static long long
count(const char *db, const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	long long	 n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return (-1);
	}
	sqlite3_busy_timeout(h, 2000);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return (n);
}

/* integrity runs PRAGMA integrity_check; returns its first row. */
static char *
integrity(const char *db)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		*r = NULL;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return (r);
}

/*
 * write_conf declares the feeds over four hosts, interleaved so that the
 * first polls already mix fast, slow and hanging transfers.
 */
static void
write_conf(const char *conf, const char *dir, int port, int oport)
{
	FILE	*fp;
	int	 i, host;

	ck_assert_ptr_nonnull(fp = fopen(conf, "w"));
	fprintf(fp, "[syndic]\ndatabase = %s/s.db\nlisten = 127.0.0.1:%d\n"
	    "[fetch]\nallow_private = yes\nconcurrency = 200\nper_site = 100\n"
	    "timeout = 60s\n", dir, port);
	for (i = 0; i < NFEEDS; i++) {
		host = 1 + i % 4;
		switch (i % 6) {
		case 0:
			fprintf(fp, "[feed \"http://127.0.0.%d:%d/hang?%d\"]\n",
			    host, oport, i);
			break;
		case 1:
			fprintf(fp, "[feed \"http://127.0.0.%d:%d/slow/1000/"
			    "feed/s%d\"]\n", host, oport, i);
			break;
		default:
			fprintf(fp, "[feed \"http://127.0.0.%d:%d/feed/f%d?"
			    "items=20\"]\n", host, oport, i);
			break;
		}
	}
	fclose(fp);
}

START_TEST(test_sigterm_under_load)
{
	struct origin	*o;
	char		*dir, *conf, *db, *sock, *errlog, *env[2];
	char		*ok, *log;
	long long	 t0, entries = 0, stopped;
	pid_t		 pid;
	int		 nfd, port;

	dir = h_tmpdir();
	ck_assert_ptr_nonnull(o = origin_start(4, 0, NULL));
	port = h_free_port();
	if (asprintf(&conf, "%s/syndic.conf", dir) == -1 ||
	    asprintf(&db, "%s/s.db", dir) == -1 ||
	    asprintf(&sock, "%s/notify", dir) == -1 ||
	    asprintf(&errlog, "%s/stderr", dir) == -1 ||
	    asprintf(&env[0], "NOTIFY_SOCKET=%s", sock) == -1)
		abort();
	env[1] = NULL;
	write_conf(conf, dir, port, origin_port(o));
	nfd = notify_open(sock);
	pid = h_daemon(conf, env, NULL, errlog);
	ck_assert_msg(notify_wait(nfd, "READY=1", 20000) == 0, "no READY=1");

	/* Wait until entries are stored and the slow feeds are asked for. */
	t0 = ms_now();
	while (ms_now() - t0 < 20000) {
		entries = count(db, "SELECT count(*) FROM entries");
		if (entries > 0 && origin_count(o, "/slow/") >= 10 &&
		    origin_count(o, "/hang") >= 10)
			break;
		notify_wait(nfd, "-", 50);	/* read as a manager would */
	}
	ck_assert_msg(entries > 0, "nothing stored before SIGTERM");
	ck_assert_int_ge(origin_count(o, "/hang"), 10);

	t0 = ms_now();
	kill(pid, SIGTERM);
	ck_assert_msg(notify_wait(nfd, "STOPPING=1", 5000) == 0,
	    "no STOPPING=1");
	ck_assert_int_eq(h_wait(pid, 10000), 0);
	stopped = ms_now() - t0;
	fprintf(stderr, "stopped in %lld ms under load\n", stopped);
	ck_assert_msg(stopped < 5000, "took %lld ms to stop", stopped);
	log = h_read(errlog, NULL);
	ck_assert_msg(strstr(log, "stopped") != NULL, "log: %s", log);
	free(log);

	/* The store is sound, kept what was fetched, and opens again. */
	ok = integrity(db);
	ck_assert_str_eq(ok, "ok");
	free(ok);
	ck_assert_int_ge(count(db, "SELECT count(*) FROM entries"), entries);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM feeds"), NFEEDS);
	ck_assert_int_eq(h_cmd(conf, NULL, NULL, NULL, "list", NULL), 0);

	origin_stop(o);
	close(nfd);
	h_cleanup(dir);
	free(dir);
	free(conf);
	free(db);
	free(sock);
	free(errlog);
	free(env[0]);
}
END_TEST

static Suite *
shutdown_suite(void)
{
	Suite	*s = suite_create("shutdown");
	TCase	*tc = tcase_create("load");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_sigterm_under_load);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(shutdown_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

/*
 * check_daemon.c: the real "syndic run" on a free loopback port: /healthz,
 * a SIGHUP with a broken configuration (kept running, old one kept), a
 * good reload, then SIGTERM (exit 0 within a second).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

#ifdef __SANITIZE_ADDRESS__
#define STOP_MS	5000
#else
#define STOP_MS	1000
#endif

START_TEST(test_lifecycle)
{
	char	*dir, *conf, *text, *errlog, *url, *url405, *log;
	struct hresp r;
	pid_t	 pid;
	int	 port;

	dir = h_tmpdir();
	port = h_free_port();
	if (asprintf(&conf, "%s/syndic.conf", dir) == -1 ||
	    asprintf(&errlog, "%s/stderr", dir) == -1 ||
	    asprintf(&text, "[syndic]\ndatabase = %s/s.db\nlisten = "
	    "127.0.0.1:%d\n", dir, port) == -1 ||
	    asprintf(&url, "http://127.0.0.1:%d/healthz", port) == -1 ||
	    asprintf(&url405, "http://127.0.0.1:%d/", port) == -1)
		abort();
	h_write(conf, text);
	pid = h_daemon(conf, NULL, NULL, errlog);
	ck_assert_int_eq(h_wait_port(port, 10000), 0);

	ck_assert_int_eq(h_http("GET", url, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok\n");
	h_hresp_free(&r);
	ck_assert_int_eq(h_http("HEAD", url, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	h_hresp_free(&r);
	ck_assert_int_eq(h_http("DELETE", url405, NULL, &r), 0);
	ck_assert_int_eq(r.status, 405);
	h_hresp_free(&r);

	/* A broken configuration is reported and the old one kept. */
	h_write(conf, "[syndic]\nlisten = nowhere\nbogus = 1\n");
	kill(pid, SIGHUP);
	h_wait_file(errlog, "reload failed", 10000);
	ck_assert_int_eq(h_http("GET", url, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	h_hresp_free(&r);
	log = h_read(errlog, NULL);
	ck_assert_msg(strstr(log, "reload failed") != NULL, "log: %s", log);
	ck_assert_ptr_nonnull(strstr(log, "syndic.conf:3: unknown key"));
	free(log);

	/* A good one is taken. */
	h_write(conf, text);
	kill(pid, SIGHUP);
	h_wait_file(errlog, "configuration reloaded", 10000);
	log = h_read(errlog, NULL);
	ck_assert_msg(strstr(log, "configuration reloaded") != NULL, "log: %s",
	    log);
	free(log);

	/*
	 * SIGTERM: exit 0 within a second.  Under AddressSanitizer the exit
	 * also runs LeakSanitizer's scan of the whole heap and mappings,
	 * which on a loaded machine takes longer than the daemon's own stop.
	 */
	kill(pid, SIGTERM);
	ck_assert_int_eq(h_wait(pid, STOP_MS), 0);
	free(conf);
	free(text);
	free(errlog);
	free(url);
	free(url405);
	h_cleanup(dir);
	free(dir);
}
END_TEST

START_TEST(test_bad_listen)
{
	char	*dir, *conf, *out, *err;

	dir = h_tmpdir();
	if (asprintf(&conf, "%s/c.conf", dir) == -1)
		abort();
	h_write(conf, "[syndic]\nlisten = 203.0.113.1:1\n");
	ck_assert_int_ne(h_cmd(conf, NULL, &out, &err, "run", NULL), 0);
	ck_assert_msg(strstr(err, "cannot listen on 203.0.113.1:1") != NULL,
	    "stderr: %s", err);
	free(out);
	free(err);
	free(conf);
	h_cleanup(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("daemon");
	TCase	*tc = tcase_create("daemon");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_bad_listen);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

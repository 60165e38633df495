/*
 * check_wal.c: the store's checkpoint thread (storage/store.c,
 * store_checkpointer), which keeps checkpoints and their fsyncs off the
 * daemon's event loop: checkpoints copy pages while commits come, and once
 * commits pause the WAL is emptied and starts over.  How far it grows
 * under steady ingest depends on the disk: the soak measures that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "store_priv.h"
#include "xmalloc.h"

#define WAL_COMMITS	200
#define WAL_BLOB	"100000"	/* bytes a commit adds */

/* commit_blobs makes n commits of WAL_BLOB bytes each, with pauses. */
static void
commit_blobs(struct store *s, int n)
{
	char	*cause = NULL;
	int	 i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(store_begin(s, &cause), 0);
		ck_assert_int_eq(store_exec(s, "INSERT INTO blobs (b) VALUES "
		    "(randomblob(" WAL_BLOB "))", &cause), 0);
		ck_assert_int_eq(store_commit(s, &cause), 0);
		/* Feeds come in bursts: a pause now and then. */
		usleep(i % 20 == 19 ? 20000 : 1000);
	}
}

/* wait_emptied waits (up to 60 s) for the WAL to be emptied. */
static void
wait_emptied(struct store *s, long long truncations, struct store_wal *w)
{
	int	 i;

	for (i = 0; i < 600; i++) {
		store_wal_stats(s, w);
		if (w->truncations > truncations && w->bytes == 0)
			return;
		usleep(100 * 1000);
	}
	ck_abort_msg("the WAL was not emptied: %lld bytes, %lld truncations",
	    w->bytes, w->truncations);
}

/*
 * Regression: the thread's connection had never read the file, so SQLite
 * did not know it was in WAL mode and every checkpoint did nothing (and
 * said SQLITE_OK): the WAL grew by everything written.
 */
START_TEST(test_wal_bounded)
{
	struct store	*s;
	struct store_wal w;
	char		*dir, *path, *cause = NULL;

	dir = h_tmpdir();
	xasprintf(&path, "%s/syndic.db", dir);
	s = store_open(path, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_exec(s, "CREATE TABLE blobs (b BLOB)", &cause),
	    0);
	ck_assert_int_eq(store_checkpointer(s, &cause), 0);
	commit_blobs(s, WAL_COMMITS);
	store_wal_stats(s, &w);
	fprintf(stderr, "%d commits of %s bytes: WAL max %lld bytes, started "
	    "over %lld times, %lld checkpoints (%lld copied pages), %lld "
	    "restarts\n", WAL_COMMITS, WAL_BLOB, w.max_bytes, w.starts,
	    w.checkpoints, w.copies, w.restarts);
	/* Checkpoints ran while commits came, and copied pages. */
	ck_assert_int_gt(w.checkpoints, 0);
	ck_assert_int_gt(w.copies, 0);
	ck_assert_int_eq(store_check(s, &cause), 0);
	/*
	 * Quiet: emptied, so the next commit starts it over; and emptied
	 * again.  (How long it grows under steady commits depends on how
	 * fast the disk is: the soak measures that.)
	 */
	wait_emptied(s, 0, &w);
	commit_blobs(s, 20);
	store_wal_stats(s, &w);
	ck_assert_int_gt(w.starts, 0);
	wait_emptied(s, w.truncations, &w);
	store_close(s);

	/* Everything is in the file, readable by a plain connection. */
	s = store_open(path, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_check(s, &cause), 0);
	store_close(s);
	free(path);
	h_cleanup(dir);
	free(dir);
}
END_TEST

/* Closing the store ends the thread; a store without one has no stats. */
START_TEST(test_wal_close)
{
	struct store	*s;
	struct store_wal w;
	char		*dir, *path, *cause = NULL;
	int		 i;

	dir = h_tmpdir();
	xasprintf(&path, "%s/syndic.db", dir);
	for (i = 0; i < 20; i++) {
		s = store_open(path, &cause);
		ck_assert_msg(s != NULL, "%s", cause);
		if (i % 2 == 0)
			ck_assert_int_eq(store_checkpointer(s, &cause), 0);
		ck_assert_int_eq(store_feed_upsert(s, "http://a.test/f",
		    NULL, NULL, FEED_ORIGIN_CLI, NULL, &cause), 0);
		store_wal_stats(s, &w);
		if (i % 2 == 1)
			ck_assert_int_eq(w.checkpoints + w.max_bytes, 0);
		store_close(s);
	}
	free(path);
	h_cleanup(dir);
	free(dir);
}
END_TEST

static Suite *
wal_suite(void)
{
	Suite	*s = suite_create("wal");
	TCase	*tc = tcase_create("checkpointer");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_wal_bounded);
	tcase_add_test(tc, test_wal_close);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(wal_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/*
 * check_durable.c: kill -9 during ingest, again and again.
 *
 * A child process stores feed updates as fast as it can and, after each
 * commit, tells the parent (feed, version) through a pipe.  The parent
 * kills it with SIGKILL at a random instant, then checks the store:
 * PRAGMA integrity_check and FTS5's own check pass, no acknowledged update
 * is lost, and no feed update is partial (all 20 entries of a feed, its
 * one new entry per version and its validators agree on one version).
 *
 * DURABLE_CYCLES sets the number of kills (default 30, for make check;
 * `make check-durable` runs 250).
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "storage.h"
#include "store_priv.h"
#include "xmalloc.h"

#define NFEEDS		6
#define NENTRIES	20
#define T0		1700000000LL

static char	 db_path[64];

/* version_doc builds version v of feed f: 20 updated, one new entry. */
static struct doc *
version_doc(int f, int v)
{
	struct doc	*d;
	struct entry	*e;
	int		 i;

	d = doc_new();
	xasprintf(&d->title, "Feed %d", f);
	d->entries = xcalloc(NENTRIES + 1, sizeof *d->entries);
	for (i = 0; i <= NENTRIES; i++) {
		e = &d->entries[i];
		if (i < NENTRIES)
			xasprintf(&e->id, "f%d-e%d", f, i);
		else
			xasprintf(&e->id, "f%d-new%d", f, v);
		xasprintf(&e->title, "v%d", v);
		xasprintf(&e->link, "http://f%d.example/%s", f, e->id);
		xasprintf(&e->content, "<p>Feed %d entry %d version %d: words "
		    "that make a text long enough to fold and index, %d %d %d "
		    "and some more words for good measure.</p>", f, i, v,
		    f * 7 + i, v * 13, f + i + v);
		e->published = T0 + v;
		e->updated = TIME_UNKNOWN;
	}
	d->nentries = NENTRIES + 1;
	return (d);
}

/* child_run stores updates forever, acknowledging each commit. */
static void __attribute__((noreturn))
child_run(int fd)
{
	struct store		*s;
	struct fetch_record	 r;
	struct feed_row		 row;
	struct doc		*d;
	char			 etag[32];
	int			 ver[NFEEDS], f, ack[2];

	if ((s = store_open(db_path, NULL)) == NULL)
		_exit(2);
	for (f = 0; f < NFEEDS; f++) {
		if (store_feed_get(s, f + 1, &row, NULL) == -1)
			_exit(3);
		ver[f] = row.etag == NULL ? 0 : atoi(row.etag);
		feed_row_clear(&row);
	}
	for (f = 0;; f = (f + 1) % NFEEDS) {
		ver[f]++;
		d = version_doc(f, ver[f]);
		memset(&r, 0, sizeof r);
		snprintf(etag, sizeof etag, "%d", ver[f]);
		r.when = T0 + ver[f];
		r.status = 200;
		r.etag = etag;
		r.next_poll = r.when + 60;
		if (store_update(s, f + 1, &r, d, T0 + ver[f], NULL, NULL) ==
		    -1)
			_exit(4);
		doc_free(d);
		ack[0] = f;
		ack[1] = ver[f];
		if (write(fd, ack, sizeof ack) != sizeof ack)
			_exit(5);
		/* A kill may land in the full-text batches too. */
		if (store_fts_update(s, 7, NULL) == -1)
			_exit(6);
	}
}

/* query_int runs a query with one integer argument. */
static long long
query_int(sqlite3 *db, const char *sql, long long arg)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* verify checks the store after a kill against the acknowledged versions. */
static void
verify(const int *acked, int cycle)
{
	struct store	*s;
	char		*cause = NULL, title[32];
	sqlite3_stmt	*st;
	long long	 v;
	int		 f;

	s = store_open(db_path, &cause);
	ck_assert_msg(s != NULL, "cycle %d: open: %s", cycle, cause);
	ck_assert_msg(store_check(s, &cause) == 0, "cycle %d: %s", cycle,
	    cause);
	ck_assert_int_eq(sqlite3_exec(s->db, "INSERT INTO story_fts(story_fts)"
	    " VALUES ('integrity-check')", NULL, NULL, NULL), SQLITE_OK);
	for (f = 0; f < NFEEDS; f++) {
		v = query_int(s->db, "SELECT coalesce(CAST(etag AS INTEGER), 0) "
		    "FROM feeds WHERE id = ?", f + 1);
		/* Nothing acknowledged is lost; at most one more committed. */
		ck_assert_msg(v >= acked[f] && v <= acked[f] + 1,
		    "cycle %d feed %d: store has %lld, acknowledged %d",
		    cycle, f, v, acked[f]);
		if (v == 0)
			continue;
		snprintf(title, sizeof title, "v%lld", v);
		ck_assert_int_eq(sqlite3_prepare_v2(s->db, "SELECT count(*) "
		    "FROM entries WHERE feed_id = ? AND title = ? AND guid "
		    "NOT LIKE '%new%'", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, f + 1);
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_msg(sqlite3_column_int(st, 0) == NENTRIES,
		    "cycle %d feed %d: partial update (%d of %d at %s)",
		    cycle, f, sqlite3_column_int(st, 0), NENTRIES, title);
		sqlite3_finalize(st);
		ck_assert_int_eq(query_int(s->db, "SELECT count(*) FROM "
		    "entries WHERE feed_id = ? AND guid LIKE '%new%'", f + 1),
		    v);
		ck_assert_int_eq(query_int(s->db, "SELECT count(*) FROM "
		    "entries e WHERE e.feed_id = ? AND e.story_id IS NULL",
		    f + 1), 0);
	}
	ck_assert_int_eq(query_int(s->db, "SELECT count(*) FROM story s WHERE "
	    "NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = s.entry_id)", 0),
	    0);
	/* Every story is indexed once or waits to be, never both. */
	ck_assert_int_eq(query_int(s->db, "SELECT (SELECT count(*) FROM "
	    "story_fts) + (SELECT count(*) FROM fts_todo) - (SELECT count(*) "
	    "FROM story)", 0), 0);
	ck_assert_int_eq(query_int(s->db, "SELECT count(*) FROM story_fts "
	    "WHERE rowid IN (SELECT story_id FROM fts_todo) OR rowid NOT IN "
	    "(SELECT id FROM story)", 0), 0);
	store_close(s);
}

START_TEST(test_kill9)
{
	struct store	*s;
	const char	*env;
	char		 url[64], p[80];
	int		 cycles, c, f, fds[2], ack[2], acked[NFEEDS], status;
	int		 want;
	unsigned int	 seed;
	long long	 total = 0;
	pid_t		 pid;

	env = getenv("DURABLE_CYCLES");
	cycles = env != NULL ? atoi(env) : 30;
	seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	if ((env = getenv("DURABLE_SEED")) != NULL)
		seed = (unsigned int)strtoul(env, NULL, 10);
	fprintf(stderr, "check_durable: %d cycles, seed %u\n", cycles, seed);
	srand(seed);
	snprintf(db_path, sizeof db_path, "/tmp/syndic-durable-%d.db",
	    (int)getpid());
	unlink(db_path);
	s = store_open(db_path, NULL);
	ck_assert_ptr_nonnull(s);
	for (f = 0; f < NFEEDS; f++) {
		snprintf(url, sizeof url, "http://f%d.example/feed", f);
		ck_assert_int_eq(store_feed_upsert(s, url, NULL, NULL, 1, NULL,
		    NULL), 0);
		acked[f] = 0;
	}
	store_close(s);
	for (c = 0; c < cycles; c++) {
		ck_assert_int_eq(pipe(fds), 0);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			child_run(fds[1]);
		}
		close(fds[1]);
		/*
		 * Let a few updates commit (none, in some cycles: a kill while
		 * opening), then kill at a random instant, most likely in the
		 * middle of an update.
		 */
		for (want = rand() % 4; want > 0; want--) {
			if (read(fds[0], ack, sizeof ack) != sizeof ack)
				break;
			ck_assert_int_eq(ack[1], acked[ack[0]] + 1);
			acked[ack[0]] = ack[1];
			total++;
		}
		usleep(rand() % 8000);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "cycle %d: child exited "
		    "with %d before the kill", c, WEXITSTATUS(status));
		while (read(fds[0], ack, sizeof ack) == sizeof ack) {
			ck_assert_int_eq(ack[1], acked[ack[0]] + 1);
			acked[ack[0]] = ack[1];
			total++;
		}
		close(fds[0]);
		verify(acked, c);
		/* The next child starts from what the store has. */
		s = store_open(db_path, NULL);
		for (f = 0; f < NFEEDS; f++)
			acked[f] = (int)query_int(s->db, "SELECT coalesce(CAST("
			    "etag AS INTEGER), 0) FROM feeds WHERE id = ?",
			    f + 1);
		store_close(s);
	}
	fprintf(stderr, "check_durable: %d kills, %lld acknowledged updates, "
	    "none lost, none partial\n", cycles, total);
	ck_assert_int_gt(total, 0);
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
}
END_TEST

int
main(void)
{
	SRunner	*sr;
	Suite	*s;
	TCase	*tc;
	int	 failed;

	s = suite_create("durable");
	tc = tcase_create("kill9");
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_kill9);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

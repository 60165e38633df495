/*
 * check_writer.c: the writer thread (daemon/writer.c), which keeps the
 * store's writes off the daemon's event loop.  Another connection holds
 * the store's write lock (BEGIN IMMEDIATE) while `syndic run` polls the
 * loopback origin: the daemon answers /metrics, /healthz and /feed.atom
 * while updates it fetched wait for the lock (its writer queue is not
 * empty), and once the lock is released every update lands, none lost.
 * SIGTERM during a hold stores what was fetched before the daemon exits.
 * A feed added to the configuration is subscribed on SIGHUP (through the
 * writer) and polled.
 * Below that, the store's hand-over (store_set_deferred): a connection
 * that only reads gives away the writes that publishing would make (the
 * sanitized HTML it keeps, the related lists it wants), and another
 * connection writes them.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "harness.h"
#include "origin.h"
#include "store_priv.h"
#include "xmalloc.h"

#define NFEEDS	6
#define OK_FETCHES	"syndic_fetches_total{outcome=\"ok\"}"

static struct origin	*org;
static char		*dir, *conf, *db, *base;
static int		 port;
static pid_t		 pid;

static void
setup(void)
{
	char	*text, *tmp;
	int	 i;

	signal(SIGPIPE, SIG_IGN);
	org = origin_start(1, 0, NULL);
	ck_assert_ptr_nonnull(org);
	dir = h_tmpdir();
	port = h_free_port();
	if (asprintf(&conf, "%s/syndic.conf", dir) == -1 ||
	    asprintf(&db, "%s/s.db", dir) == -1 ||
	    asprintf(&base, "http://127.0.0.1:%d", port) == -1)
		abort();
	/* Every feed polled every second, so that updates keep coming. */
	if (asprintf(&text, "[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
	    "[output]\ntitle = t\nlink = http://x/\nrelated = 3\n"
	    "[fetch]\nallow_private = yes\ninterval = 1s\nmin_interval = 1s\n"
	    "site_delay = 0\nper_site = 16\n", db, port) == -1)
		abort();
	for (i = 0; i < NFEEDS; i++) {
		if (asprintf(&tmp, "%s[feed \"http://127.0.0.1:%d/feed/w%d\"]\n"
		    "interval = 1s\n", text, origin_port(org), i) == -1)
			abort();
		free(text);
		text = tmp;
	}
	h_write(conf, text);
	free(text);
	pid = -1;
}

static void
teardown(void)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		h_wait(pid, 5000);
	}
	origin_stop(org);
	h_cleanup(dir);
	free(dir);
	free(conf);
	free(db);
	free(base);
}

/* start runs `syndic run` and waits for it to listen. */
static void
start(void)
{
	char	*argv[5], *errf;

	if (asprintf(&errf, "%s/run.err", dir) == -1)
		abort();
	argv[0] = (char *)h_syndic();
	argv[1] = "-c";
	argv[2] = conf;
	argv[3] = "run";
	argv[4] = NULL;
	pid = h_spawn(argv, NULL, NULL, errf);
	free(errf);
	ck_assert_int_eq(h_wait_port(port, 10000), 0);
}

/* get fetches a path of the daemon; returns the status, body in *body. */
static long
get(const char *path, char **body)
{
	struct hresp	 r;
	char		*u;
	long		 status;

	if (asprintf(&u, "%s%s", base, path) == -1)
		abort();
	ck_assert_msg(h_http("GET", u, NULL, &r) == 0, "%s: no answer", path);
	free(u);
	status = r.status;
	if (body != NULL) {
		*body = r.body;
		r.body = NULL;
	}
	h_hresp_free(&r);
	return (status);
}

/* metric reads one value of /metrics. */
static double
metric(const char *name)
{
	char		*body, *key;
	const char	*p;
	double		 v;

	ck_assert_int_eq(get("/metrics", &body), 200);
	if (asprintf(&key, "\n%s ", name) == -1)
		abort();
	p = strstr(body, key);
	ck_assert_msg(p != NULL, "no %s", name);
	v = strtod(p + strlen(key), NULL);
	free(key);
	free(body);
	return (v);
}

/* stored counts the feeds whose item gen+9 (gen's newest) is stored. */
static int
stored(sqlite3 *h, int gen)
{
	sqlite3_stmt	*st;
	char		 guid[128];
	int		 i, n = 0;

	/* Not yet made (the daemon listens before it opens the store). */
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM entries WHERE "
	    "guid = ?", -1, &st, NULL) != SQLITE_OK)
		return (0);
	for (i = 0; i < NFEEDS; i++) {
		snprintf(guid, sizeof guid, "http://origin.test/w%d/%d", i,
		    gen + 9);
		sqlite3_bind_text(st, 1, guid, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			n += sqlite3_column_int(st, 0) > 0;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return (n);
}

/* wait_stored waits (up to 60 s) for every feed's generation gen. */
static void
wait_stored(sqlite3 *h, int gen)
{
	int	i, n = 0;

	for (i = 0; i < 600 && (n = stored(h, gen)) < NFEEDS; i++)
		usleep(100 * 1000);
	ck_assert_msg(n == NFEEDS, "generation %d: %d of %d feeds stored", gen,
	    n, NFEEDS);
}

/* open_db opens the daemon's store as a second process would. */
static sqlite3 *
open_db(void)
{
	sqlite3	*h;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	return (h);
}

/*
 * wait_queued waits (up to 60 s) until a document fetched after ok_before
 * successful fetches waits for the writer: it answered while the store
 * could not be written.  NOTE: the count of waiting documents alone is
 * not enough: the last generation's documents may be stored and still
 * counted until their results reach the loop.
 */
static void
wait_queued(double ok_before)
{
	int	i;

	for (i = 0; i < 600; i++) {
		if (metric(OK_FETCHES) > ok_before &&
		    metric("syndic_documents_waiting") > 0)
			return;
		usleep(100 * 1000);
	}
	ck_abort_msg("no update waited for the writer");
}

START_TEST(test_serves_while_locked)
{
	sqlite3	*h;
	char	*body;
	double	 ok;
	int	 i, found = 0;

	start();
	h = open_db();
	wait_stored(h, 0);
	/* Each feed's first document was prepared on the loop. */
	ck_assert_double_gt(metric("syndic_prepare_seconds_total"), 0);

	/* Hold the write lock; the feeds change meanwhile. */
	ck_assert_int_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	ok = metric(OK_FETCHES);
	origin_set_generation(org, 5);
	wait_queued(ok);
	/* Updates wait for the lock; the daemon serves all the same. */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(get("/healthz", NULL), 200);
		ck_assert_int_eq(get("/feed.atom", &body), 200);
		ck_assert_ptr_nonnull(strstr(body, "<feed"));
		free(body);
	}
	ck_assert_double_gt(metric("syndic_documents_waiting"), 0);
	ck_assert_double_gt(metric("syndic_writer_queue"), 0);
	ck_assert_int_eq(stored(h, 5), 0);
	ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);

	/* Released: everything fetched meanwhile lands. */
	wait_stored(h, 5);
	/* And is published (a document is rendered once a second at most). */
	for (i = 0; i < 600; i++) {
		ck_assert_int_eq(get("/feed.atom", &body), 200);
		found = strstr(body, "/w0/14") != NULL;
		free(body);
		if (found)
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(found, "the new items are not published");
	ck_assert_double_eq(metric("syndic_store_errors_total"), 0);
	fprintf(stderr, "write lock held: loop late at most %.3f s, %.3f s "
	    "of it busy\n", metric("syndic_loop_lag_max_seconds"),
	    metric("syndic_loop_lag_busy_max_seconds"));
	sqlite3_close(h);
	kill(pid, SIGTERM);
	ck_assert_int_eq(h_wait(pid, 20000), 0);
	pid = -1;
}
END_TEST

START_TEST(test_stop_drains)
{
	sqlite3	*h;
	double	 ok;

	start();
	h = open_db();
	wait_stored(h, 0);
	ck_assert_int_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	ok = metric(OK_FETCHES);
	origin_set_generation(org, 3);
	wait_queued(ok);
	/* Stopped while updates wait: it stores them before it exits. */
	kill(pid, SIGTERM);
	usleep(500 * 1000);
	ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(h_wait(pid, 20000), 0);
	pid = -1;
	ck_assert_int_gt(stored(h, 3), 0);
	sqlite3_close(h);
}
END_TEST

START_TEST(test_reload_subscribes)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		*text, *more;
	int		 i, n = 0;

	start();
	h = open_db();
	wait_stored(h, 0);
	text = h_read(conf, NULL);
	if (asprintf(&more, "%s[feed \"http://127.0.0.1:%d/feed/added\"]\n"
	    "interval = 1s\n", text, origin_port(org)) == -1)
		abort();
	h_write(conf, more);
	kill(pid, SIGHUP);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT count(*) FROM entries "
	    "WHERE guid = 'http://origin.test/added/9'", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < 600 && n == 0; i++) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (n == 0)
			usleep(100 * 1000);
	}
	sqlite3_finalize(st);
	ck_assert_msg(n == 1, "the feed added on SIGHUP was not stored");
	ck_assert_double_eq(metric("syndic_store_errors_total"), 0);
	free(text);
	free(more);
	sqlite3_close(h);
	kill(pid, SIGTERM);
	ck_assert_int_eq(h_wait(pid, 20000), 0);
	pid = -1;
}
END_TEST

/* The hand-overs a reading connection made. */
static struct store_deferred	*given[8];
static int			 ngiven;

static void
give_cb(void *arg, struct store_deferred *d)
{
	ck_assert_int_lt(ngiven, 8);
	given[ngiven++] = d;
}

/* A cleaner that counts what it sanitizes. */
static int	cleaned;

static char *
clean_cb(const char *html, size_t len, const char *at)
{
	cleaned++;
	return (xstrndup(html, len));
}

/* count runs a count(*) on a connection. */
static long long
count(struct store *st, const char *sql)
{
	sqlite3_stmt	*q;
	long long	 n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return (n);
}

START_TEST(test_handover)
{
	struct store		*rd, *wr;
	struct doc		*d;
	struct channel		*ch;
	char			*tmp, *path, *cause = NULL, id[32], link[64];
	long long		 feed;
	int			 i, html = -1, want = -1;

	tmp = h_tmpdir();
	xasprintf(&path, "%s/s.db", tmp);
	wr = store_open(path, &cause);
	ck_assert_msg(wr != NULL, "%s", cause);
	rd = store_open(path, &cause);
	ck_assert_msg(rd != NULL, "%s", cause);
	ck_assert_int_eq(store_feed_upsert(wr, "http://a.test/f", NULL, NULL,
	    FEED_ORIGIN_CLI, &feed, &cause), 0);
	d = doc_new();
	d->title = xstrdup("Feed");
	d->entries = xcalloc(3, sizeof *d->entries);
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "e%d", i);
		snprintf(link, sizeof link, "http://a.test/%d", i);
		d->entries[i].id = xstrdup(id);
		d->entries[i].link = xstrdup(link);
		d->entries[i].title = xstrdup(i == 0 ? "Budget vote" :
		    i == 1 ? "Harbour storm" : "Chess final");
		d->entries[i].summary = xstrdup(i == 0 ? "<p>parliament "
		    "budget vote</p>" : i == 1 ? "<p>storm closes the "
		    "harbour</p>" : "<p>chess final in the city</p>");
		d->entries[i].published = 1700000000 + i * 3600;
		d->entries[i].updated = TIME_UNKNOWN;
	}
	d->nentries = 3;
	ck_assert_int_eq(store_ingest(wr, feed, d, 1700100000, NULL, &cause),
	    0);
	doc_free(d);

	/* The reader publishes while the other connection holds the lock. */
	store_set_cleaner(rd, clean_cb);
	store_set_deferred(rd, give_cb, NULL);
	ck_assert_int_eq(store_exec(wr, "BEGIN IMMEDIATE", &cause), 0);
	ch = store_channel(rd, NULL, NULL, 10, 3, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	ck_assert_int_eq(ch->nitems, 3);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(ch->items[i].summary);
	channel_free(ch);
	ck_assert_int_eq(cleaned, 3);
	/* It wrote nothing itself: it gave the HTML and the wanted lists. */
	ck_assert_int_eq(sqlite3_total_changes64(rd->db), 0);
	for (i = 0; i < ngiven; i++) {
		if (given[i]->kind == STORE_DEFER_HTML)
			html = i;
		else if (given[i]->kind == STORE_DEFER_WANT)
			want = i;
	}
	ck_assert_int_ge(html, 0);
	ck_assert_int_eq(given[html]->n, 3);
	ck_assert_int_ge(want, 0);
	ck_assert_int_eq(store_exec(wr, "ROLLBACK", &cause), 0);

	/* The writer's connection writes them. */
	ck_assert_int_eq(store_deferred_run(wr, given[html], &cause), 0);
	ck_assert_int_eq(store_deferred_run(wr, given[want], &cause), 1);
	ck_assert_int_eq(count(wr, "SELECT count(*) FROM entry_html"), 3);
	ck_assert_int_eq(count(wr, "SELECT count(*) FROM related_want"),
	    given[want]->n);
	for (i = 0; i < ngiven; i++)
		store_deferred_free(given[i]);
	ngiven = 0;

	/* Kept: the next render sanitizes nothing and gives no HTML. */
	ch = store_channel(rd, NULL, NULL, 10, 3, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	channel_free(ch);
	ck_assert_int_eq(cleaned, 3);
	for (i = 0; i < ngiven; i++) {
		ck_assert_int_ne(given[i]->kind, STORE_DEFER_HTML);
		store_deferred_free(given[i]);
	}
	ngiven = 0;

	/* HTML of a revision that is gone meanwhile is not kept. */
	store_set_deferred(rd, NULL, NULL);
	ck_assert_int_eq(store_exec(wr, "UPDATE entries SET revisions = "
	    "revisions + 1 WHERE guid = 'e0'", &cause), 0);
	store_set_deferred(rd, give_cb, NULL);
	ch = store_channel(rd, NULL, NULL, 10, 0, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	channel_free(ch);
	ck_assert_int_eq(cleaned, 4);
	ck_assert_int_eq(ngiven, 1);
	ck_assert_int_eq(store_exec(wr, "UPDATE entries SET revisions = "
	    "revisions + 1 WHERE guid = 'e0'", &cause), 0);
	ck_assert_int_eq(store_deferred_run(wr, given[0], &cause), 0);
	ck_assert_int_eq(count(wr, "SELECT count(*) FROM entry_html h JOIN "
	    "entries e ON e.id = h.entry_id WHERE h.revision = e.revisions"),
	    2);
	store_deferred_free(given[0]);
	ngiven = 0;

	store_close(rd);
	store_close(wr);
	free(path);
	h_cleanup(tmp);
	free(tmp);
}
END_TEST

static Suite *
writer_suite(void)
{
	Suite	*s = suite_create("writer");
	TCase	*tc = tcase_create("lock");
	TCase	*tu = tcase_create("handover");

	tcase_add_test(tu, test_handover);
	suite_add_tcase(s, tu);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_serves_while_locked);
	tcase_add_test(tc, test_stop_drains);
	tcase_add_test(tc, test_reload_subscribes);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(writer_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/*
 * daemon.h: the daemon's public interfaces: configuration, commands, the
 * run loop, the HTTP server and service-manager notification.  daemon/ is
 * the only folder that wires feeds/ and storage/ together.
 */
#ifndef SYNDIC_DAEMON_H
#define SYNDIC_DAEMON_H

#include <stddef.h>
#include <time.h>

struct event_base;

/* config.c */

/* A feed declared in the configuration file. */
struct feed_conf {
	char		*url;
	char		*title;		/* override, or NULL */
	char		**tags;
	int		 ntags;
	long long	 interval;	/* seconds, 0 = the default */
	int		 line;		/* where it was declared */
};

struct config {
	char		*path;
	/* [syndic] */
	char		*database;
	char		*listen;
	char		*user_agent;
	int		 max_connections;	/* HTTP clients at once */
	long long	 request_timeout;	/* seconds to send a request head */
	/* [output] */
	char		*title;
	char		*link;
	int		 items;
	int		 related;
	char		*hub;		/* WebSub hub, or NULL */
	/* [fetch] */
	long long	 interval;	/* seconds */
	long long	 min_interval;
	long long	 max_interval;
	long long	 timeout;	/* seconds */
	long long	 max_body;	/* bytes */
	int		 concurrency;
	int		 per_site;
	long long	 site_delay_ms;	/* between requests to one site */
	int		 allow_private;
	char		*proxy;
	/* [store] */
	long long	 max_age;	/* seconds, 0 = forever */
	int		 max_entries;	/* per feed, 0 = unlimited */
	/* [feed "URL"] sections, in file order. */
	struct feed_conf *feeds;
	int		 nfeeds;
};

/* config_default returns a configuration with every default set. */
struct config	*config_default(void);
/*
 * config_load reads and validates FILE.  On error returns NULL and sets
 * *errors to every problem found, one "FILE:LINE: message" per line.
 */
struct config	*config_load(const char *file, char **errors);
/* config_free releases a configuration; NULL is a no-op. */
void		 config_free(struct config *);
/* config_path gives the file to use: -c, else $SYNDIC_CONF, else the default. */
const char	*config_path(const char *opt);
/* parse_duration reads "30s", "15m", "2h", "1d", "1w" or plain seconds. */
int		 parse_duration(const char *, long long *);
/* parse_size reads "512", "64K", "10M", "1G" (powers of 1024). */
int		 parse_size(const char *, long long *);
/* parse_bool reads yes/no, true/false, on/off, 1/0. */
int		 parse_bool(const char *, int *);
/* parse_list splits "a, b ,c" into trimmed non-empty strings. */
int		 parse_list(const char *, char ***);

/* cmd.c */

/* Global options, parsed before the command name. */
struct globals {
	const char	*config_file;	/* -c, or NULL */
	int		 verbose;
};

/* cmd_main dispatches argv (after the global options) to a command. */
int	 cmd_main(struct globals *, int argc, char **argv);
/* cmd_usage prints the available commands to stderr. */
void	 cmd_usage(void);
/* cmd_load_config loads the configuration or prints every error. */
struct config *cmd_load_config(struct globals *);

/* Commands, each in its own file; argv[0] is the command name. */
int	 cmd_run(struct globals *, int, char **);
int	 cmd_check(struct globals *, int, char **);
int	 cmd_parse(struct globals *, int, char **);
int	 cmd_poll(struct globals *, int, char **);
int	 cmd_index(struct globals *, int, char **);
int	 cmd_add(struct globals *, int, char **);
int	 cmd_remove(struct globals *, int, char **);
int	 cmd_list(struct globals *, int, char **);
int	 cmd_import(struct globals *, int, char **);
int	 cmd_export(struct globals *, int, char **);
int	 cmd_publish(struct globals *, int, char **);
int	 cmd_related(struct globals *, int, char **);

/* cmd_feeds.c */

struct store;

/*
 * cmd_feeds_open opens the configured store and subscribes to the feeds of
 * the configuration (sched_subscribe); prints the error and returns NULL.
 */
struct store *cmd_feeds_open(struct config *);

/* run.c */

struct daemon;
struct fetch;
struct store;

/* The daemon's state, shared by the loop, the server and the scheduler. */
struct daemon {
	struct event_base	*base;
	struct config		*conf;
	struct globals		*globals;
	struct server		*server;
	struct publish		*publish;	/* the rendered outputs */
	struct store		*store;		/* the loop's (reads) */
	struct writer		*writer;	/* store writes, off the loop */
	struct fetch		*fetch;		/* fetch_get_metrics() */
	struct sched		*sched;		/* sched_get_metrics() */
	int			 stopping;
	int			 reloads;	/* successful reloads */
	struct notify		*notify;
	/*
	 * What STATUS= tells the service manager: the scheduler's hook keeps
	 * these (run.c) and calls notify_status() after a change.
	 */
	int			 feeds;		/* subscribed, not retired */
	int			 failing;	/* feeds whose last fetch failed */
	time_t			 last_poll;	/* last poll finished, 0 = none */
	/* The longest a 10 ms timer ran late: the worst loop stall (run.c). */
	double			 loop_lag_max;	/* seconds */
	double			 loop_lag_busy_max; /* of it, the loop's own */
	/*
	 * The health hook, for the watchdog and /healthz: returns 0 when
	 * healthy, else -1 with *cause set (e.g. the store does not answer).
	 * NULL means healthy while the loop runs.
	 */
	int			(*health_cb)(struct daemon *, char **cause);
};

/* daemon_reload re-reads the configuration; a bad one keeps the old. */
int	 daemon_reload(struct daemon *);

/* writer.c: the writer thread, which does the store writes off the loop. */

struct store;
struct store_wal;
struct writer;

/*
 * A unit of store work for the writer thread, embedded in the submitter's
 * own structure.  run runs on the writer thread with the writer's store
 * (never the loop's) and returns its result (0, or -1 with *cause set in
 * j->cause); done then runs on the loop, which frees j->cause and j.
 */
struct writer_job {
	int			 (*run)(struct store *, struct writer_job *);
	/*
	 * run_many, when set, runs several queued jobs that have the same
	 * run_many at once (one transaction): it sets each one's rc and
	 * cause, and returns nothing.
	 */
	void			 (*run_many)(struct store *,
				    struct writer_job **, int);
	void			 (*done)(struct writer_job *);
	int			 rc;
	char			*cause;
	long long		 us;		/* wall time of run */
	long long		 cpu_us;	/* its thread CPU time */
	struct writer_job	*next;
};

/* How the writer's connection is set up. */
struct writer_opts {
	int		 cache_kib;	/* page cache, 0: the store's default */
	long long	 mmap_bytes;	/* with cache_kib: mapped bytes */
	int		 checkpoints;	/* 1: store_checkpointer on it */
	long long	 slow_ms;	/* log statements slower (0: off) */
};

/*
 * writer_new opens a connection to the store at path and starts the
 * thread; finished jobs are told on base.  NULL with *cause on failure.
 */
struct writer	*writer_new(struct event_base *, const char *path,
		    const struct writer_opts *, char **cause);
/* writer_free runs what is queued (writer_drain), ends the thread, closes. */
void		 writer_free(struct writer *);
/* writer_submit queues a job; it never blocks on the thread's work. */
void		 writer_submit(struct writer *, struct writer_job *);
/* writer_pending counts the jobs submitted whose done has not run. */
int		 writer_pending(struct writer *);
/*
 * writer_drain waits until every submitted job (and any their done
 * callbacks submit) has run and calls their done callbacks: at shutdown.
 */
void		 writer_drain(struct writer *);
/* writer_cpu_us is the CPU time the thread spent in jobs, microseconds. */
long long	 writer_cpu_us(struct writer *);
/* writer_wal_stats gives the writer connection's WAL and checkpoints. */
void		 writer_wal_stats(struct writer *, struct store_wal *);

/* sched.c: the scheduler: due feeds, politeness, outcomes, next polls. */

struct fetch;
struct fetch_opts;
struct feed_row;
struct sched;
struct store;

/* Counters for /metrics, beside the fetcher's (fetch_get_metrics). */
struct sched_metrics {
	unsigned long long	 polls;		/* fetches finished */
	unsigned long long	 unchanged;	/* 304 or the same body */
	unsigned long long	 ingested;	/* documents stored */
	unsigned long long	 entries_added;
	unsigned long long	 entries_updated;
	unsigned long long	 failures;
	unsigned long long	 not_feeds;	/* HTML pages, unparseable */
	unsigned long long	 store_errors;
	long long		 parse_ms;	/* time spent parsing */
	long long		 store_ms;	/* time spent storing */
	long long		 parse_cpu_us;	/* CPU time of the same */
	long long		 prep_us;	/* store_prepare, on the loop */
	long long		 prep_cpu_us;	/* CPU time of the same */
	long long		 store_cpu_us;	/* on the writer thread */
	long long		 wait_ms;	/* loop idle, waiting for it */
	long long		 docs_waiting;	/* parsed, not stored yet */
};

#define SCHED_ONCE	0x1	/* leave the loop when all queued is done */

/*
 * sched_new makes a scheduler; it borrows everything it is given.  It
 * reads the schedule through the store (the loop's connection) and writes
 * every outcome through the writer.
 */
struct sched	*sched_new(struct event_base *, struct config *,
		    struct store *, struct writer *, struct fetch *, int flags);
/* sched_free cancels what runs and frees; NULL is a no-op. */
void		 sched_free(struct sched *);
/* sched_start polls the due feeds now and each feed as it falls due. */
void		 sched_start(struct sched *);
/* sched_queue polls these feeds now (rows are taken); returns how many. */
int		 sched_queue(struct sched *, struct feed_row *rows, int n);
/*
 * sched_stop cancels the fetches in flight, starts no other, and waits
 * until the writer has stored every outcome already received.
 */
void		 sched_stop(struct sched *);
/* sched_set_config follows a reloaded configuration. */
void		 sched_set_config(struct sched *, struct config *);
/* sched_set_hook calls fn(arg) after each stored fetch and recount. */
void		 sched_set_hook(struct sched *, void (*fn)(void *), void *arg);
/* sched_counts gives the live feeds and how many are failing. */
void		 sched_counts(struct sched *, int *feeds, int *failing);
/* sched_busy counts feeds queued or in flight. */
int		 sched_busy(struct sched *);
/* sched_get_metrics returns the scheduler's counters. */
const struct sched_metrics *sched_get_metrics(struct sched *);
/*
 * sched_resubscribe subscribes the feeds of a reloaded configuration
 * through the writer (the loop does not wait for it).
 */
void		 sched_resubscribe(struct sched *, const struct config *);
/* sched_subscribe subscribes the store to every feed of the configuration. */
int		 sched_subscribe(struct store *, const struct config *,
		    char **cause);
/* sched_fetch_opts fills fetch options from the configuration. */
void		 sched_fetch_opts(const struct config *, struct fetch_opts *);

/* cmd_poll.c */

/*
 * poll_discover fetches url and finds the feed it means: 0 when url is a
 * feed itself, 1 when it is an HTML page announcing *feed_url (chosen
 * through <link rel="alternate"> and checked to parse); -1 with *cause
 * when url cannot be fetched, -2 when it is neither a feed nor a page
 * linking a working one.  *title gets the feed's or the link's title, or
 * NULL.  Caller frees.
 */
int		 poll_discover(const struct config *, const char *url,
		    char **feed_url, char **title, char **cause);

/* server.c */

struct server;

/*
 * server_new listens on fd (when >= 0, e.g. from systemd) or on the
 * "HOST:PORT" address.  Returns NULL with *cause set on failure.
 */
struct server	*server_new(struct daemon *, const char *listen, int fd,
		    char **cause);
void		 server_free(struct server *);
/* server_stats gives the server's counters (for /metrics). */
const struct server_stats *server_stats(struct server *);

/* What /metrics reports of the server. */
struct server_stats {
	unsigned long long	 requests;
	unsigned long long	 bytes;		/* response bodies sent */
	unsigned long long	 accepted;	/* connections */
	unsigned long long	 timeouts;	/* closed: head not received in time */
	unsigned long long	 evicted;	/* closed: connection cap reached */
	int			 open;		/* connections now */
};

/* publish.c: the publish cache of rendered outputs. */

enum publish_format_id {
	PUBLISH_ATOM = 0,
	PUBLISH_RSS,
	PUBLISH_JSON,
	PUBLISH_HTML,
	PUBLISH_OPML		/* the subscriptions, /feeds.opml */
};

/*
 * Where channels come from: the store once it is wired, nothing (empty
 * outputs) without one.  channel is store_channel's contract.
 */
struct publish_source {
	struct channel	*(*channel)(void *arg, const char *tag,
			    const char *cursor, int limit, int nrelated,
			    char **cause);
	long long	 (*version)(void *arg);
	/* opml renders the subscriptions as OPML 2.0. */
	char		*(*opml)(void *arg, const char *title, long long now,
			    char **cause);
	void		*arg;
	long long	 started;	/* the OPML's dateCreated */
};

/* One rendered document: identity and gzip bytes with their validators. */
struct publish_doc {
	int		 refs;
	int		 format;
	const char	*type;		/* Content-Type */
	char		*body;
	size_t		 len;
	char		*gz;		/* NULL when zlib failed */
	size_t		 gzlen;
	char		 etag[48];
	char		 etag_gz[48];
	long long	 modified;	/* Last-Modified */
	char		 modified_text[32];	/* the same, as HTTP says it */
	char		*links;		/* Link: self and hub (WebSub), or NULL */
	/* Big bodies also live in memory files, sent with sendfile(2). */
	struct evbuffer_file_segment *seg;
	struct evbuffer_file_segment *seg_gz;
};

struct publish_stats {
	unsigned long long	 renders;
	unsigned long long	 hits;
	double			 render_seconds;
	unsigned long long	 pings;		/* WebSub pings accepted */
	unsigned long long	 ping_failures;
};

struct publish;

/*
 * publish_store_source makes a source of the store's merged channel, and
 * sets the store's sanitizer (store_set_cleaner) for the HTML it gives.
 */
void		 publish_store_source(struct store *, struct publish_source *);
/* publish_new makes the cache (and, with a loop, the WebSub watch). */
struct publish	*publish_new(struct daemon *, const struct publish_source *);
void		 publish_free(struct publish *);
/* publish_reconfigured starts the WebSub watch if a reload set a hub. */
void		 publish_reconfigured(struct publish *);
/* publish_format maps "atom", "rss", "json", "html" to PUBLISH_*, or -1. */
int		 publish_format(const char *);
/* publish_type gives a format's Content-Type. */
const char	*publish_type(int format);
/*
 * publish_get returns a referenced document (publish_doc_unref it),
 * rendered now only when the store or the configuration changed since.
 * NULL with *cause when the store fails or the tag or cursor is bad.
 */
struct publish_doc *publish_get(struct publish *, int format,
		    const char *tag, const char *cursor, char **cause);
void		 publish_doc_ref(struct publish_doc *);
void		 publish_doc_unref(struct publish_doc *);
/* publish_render renders one document without caching (static export). */
char		*publish_render(const struct config *,
		    const struct publish_source *, int format, const char *tag,
		    const char *cursor, char **cause);
/* publish_url returns a document's absolute URL under [output] link. */
char		*publish_url(const struct config *, int format, const char *tag,
		    const char *ext, const char *cursor);
const struct publish_stats *publish_stats(struct publish *);

/* notify.c: the service manager protocol (sd_notify, sd_listen_fds). */

struct notify;

/* notify_send sends a state string ("READY=1") when NOTIFY_SOCKET is set. */
int	 notify_send(const char *state);
/* notify_listen_fd returns the first socket passed by systemd, or -1. */
int	 notify_listen_fd(void);
/*
 * notify_new arms READY=1 for when the loop runs, the watchdog keepalives
 * and the STATUS= refreshes.  NOTE: call it once the store is open, just
 * before event_base_dispatch().
 */
struct notify	*notify_new(struct daemon *);
void		 notify_free(struct notify *);
/* notify_health returns 0 when the daemon is healthy, else -1 and *cause. */
int		 notify_health(struct daemon *, char **cause);
/* notify_status refreshes STATUS= from the daemon's counters if changed. */
void		 notify_status(struct daemon *);
/* notify_ready sends READY=1 with the current STATUS=. */
void		 notify_ready(struct daemon *);
/* notify_reloading sends RELOADING=1 before a reload. */
void		 notify_reloading(struct daemon *);
/* notify_reloaded sends READY=1 after a reload; ok = 0 if it failed. */
void		 notify_reloaded(struct daemon *, int ok);
/* notify_stopping sends STOPPING=1 and ends the keepalives. */
void		 notify_stopping(struct daemon *);

#endif

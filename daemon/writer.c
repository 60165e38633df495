/*
 * writer.c: the writer thread.  Every store write of the daemon and of
 * `syndic poll` runs here, on a connection of its own, so that the event
 * loop never waits for the write lock or for the disk: a COMMIT that waits
 * for a saturated disk holds this thread, not the loop, which goes on
 * serving requests and fetching.
 *
 * The loop hands over jobs (struct writer_job) through a queue guarded by
 * a mutex and a condition variable; the thread runs them one at a time, in
 * the order given, each with its own store (the loop keeps its connection
 * for reads: in WAL mode readers never wait for the writer); jobs that
 * can (feed updates) run several at once, in one transaction, through
 * their run_many: the pages every feed update writes (hashed and
 * time-ordered indexes) then go to the log once per batch.  A finished
 * job goes back on a second list and an eventfd wakes the loop, which
 * calls the job's done callback: whatever the loop keeps in memory (next
 * polls, metrics, the "store in trouble" pause) changes there, on the
 * loop's thread only.
 *
 * The queue itself does not block the loop: how much may wait is the
 * submitter's to bound (the scheduler stops starting transfers while a few
 * parsed documents wait, sched.c).  writer_drain waits for all of it, at
 * shutdown: nothing handed over is dropped.
 *
 * NOTE: a SQLite connection and its statements belong to one thread: the
 * writer's store is used only by the writer thread once it runs (and by
 * writer_free after it ended), never by the loop.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
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
#include "storage.h"
#include "xmalloc.h"

/* Jobs that run_many takes at once, at most (see sched.c SCHED_DOCS_MAX). */
#define WRITER_BATCH	64

struct writer {
	struct store		*store;		/* the thread's own */
	pthread_t		 thread;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 work;		/* a job was queued, or stop */
	pthread_cond_t		 idle;		/* the queue ran dry */
	struct writer_job	*head, *tail;	/* waiting to run */
	struct writer_job	*done, *done_tail; /* run, done not called */
	int			 running;	/* a job is being run */
	int			 stop;
	int			 efd;		/* the thread wakes the loop */
	struct event		*ev;
	int			 pending;	/* submitted, done not called */
	long long		 cpu_us;	/* the thread's CPU, all jobs */
};

/*
 * writer_take unlinks the head job and, when it has a run_many, the jobs
 * after it that have the same (up to WRITER_BATCH); returns how many.
 * Called with the mutex held.
 */
static int
writer_take(struct writer *w, struct writer_job **jobs)
{
	struct writer_job	*j;
	int			 n = 0;

	do {
		j = w->head;
		if ((w->head = j->next) == NULL)
			w->tail = NULL;
		j->next = NULL;
		jobs[n++] = j;
	} while (jobs[0]->run_many != NULL && n < WRITER_BATCH &&
	    w->head != NULL && w->head->run_many == jobs[0]->run_many);
	return (n);
}

/* writer_main is the thread: run the jobs in order until told to stop. */
static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct writer_job	*j, *jobs[WRITER_BATCH];
	long long		 t0, c0, us, cpu;
	uint64_t		 one = 1;
	int			 wake, i, n;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->work, &w->mtx);
		if (w->head == NULL)
			break;
		n = writer_take(w, jobs);
		w->running = 1;
		pthread_mutex_unlock(&w->mtx);

		t0 = clock_mono_us();
		c0 = clock_thread_cpu_us();
		for (i = 0; i < n; i++)
			jobs[i]->cause = NULL;
		if (jobs[0]->run_many != NULL)
			jobs[0]->run_many(w->store, jobs, n);
		else
			jobs[0]->rc = jobs[0]->run(w->store, jobs[0]);
		cpu = clock_thread_cpu_us() - c0;
		us = clock_mono_us() - t0;

		pthread_mutex_lock(&w->mtx);
		w->running = 0;
		w->cpu_us += cpu;
		wake = w->done == NULL;
		for (i = 0; i < n; i++) {
			/* A batch's time, shared out evenly. */
			j = jobs[i];
			j->cpu_us = cpu / n;
			j->us = us / n;
			if (w->done_tail != NULL)
				w->done_tail->next = j;
			else
				w->done = j;
			w->done_tail = j;
		}
		if (w->head == NULL)
			pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->mtx);
		/* One wake-up per batch of finished jobs. */
		if (wake && write(w->efd, &one, sizeof one) == -1 &&
		    errno != EAGAIN)
			log_warn("writer: eventfd");
		pthread_mutex_lock(&w->mtx);
	}
	pthread_mutex_unlock(&w->mtx);
	return (NULL);
}

/* writer_deliver calls the done callbacks of the finished jobs (loop). */
static void
writer_deliver(struct writer *w)
{
	struct writer_job	*j, *next;

	pthread_mutex_lock(&w->mtx);
	j = w->done;
	w->done = w->done_tail = NULL;
	pthread_mutex_unlock(&w->mtx);
	for (; j != NULL; j = next) {
		next = j->next;
		w->pending--;
		j->done(j);
	}
}

/* writer_event_cb runs on the loop when the thread finished jobs. */
static void
writer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer	*w = arg;
	uint64_t	 n;

	if (read(fd, &n, sizeof n) == -1 && errno != EAGAIN)
		log_warn("writer: eventfd");
	writer_deliver(w);
}

struct writer *
writer_new(struct event_base *base, const char *path,
    const struct writer_opts *o, char **cause)
{
	struct writer	*w;
	int		 rc;

	/*
	 * One malloc arena for the process: memory the loop frees (a stored
	 * document) then serves the writer's next allocations and back,
	 * where an arena of the thread's own raised the peak RSS of a cold
	 * poll by 3-4 MiB.  Before any thread starts.
	 */
	mallopt(M_ARENA_MAX, 1);
	w = xcalloc(1, sizeof *w);
	w->efd = -1;
	if ((w->store = store_open(path, cause)) == NULL)
		goto fail;
	if (o != NULL && o->cache_kib > 0 && store_set_memory(w->store,
	    o->cache_kib, o->mmap_bytes, cause) == -1)
		goto fail;
	if (o != NULL && o->checkpoints &&
	    store_checkpointer(w->store, cause) == -1)
		goto fail;
	/* Slow statements here hold the writer, not the loop. */
	store_set_label(w->store, "writer thread");
	if (o != NULL && o->slow_ms > 0)
		store_log_slow(w->store, o->slow_ms);
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		if (cause != NULL)
			xasprintf(cause, "writer: eventfd: %s",
			    strerror(errno));
		goto fail;
	}
	w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST,
	    writer_event_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) == -1) {
		if (cause != NULL)
			xasprintf(cause, "writer: cannot watch the eventfd");
		goto fail;
	}
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		if (cause != NULL)
			xasprintf(cause, "writer thread: %s", strerror(rc));
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mtx);
		goto fail;
	}
	/* For top -H, perf and the like. */
	pthread_setname_np(w->thread, "syndic-writer");
	return (w);

fail:
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->efd != -1)
		close(w->efd);
	store_close(w->store);
	free(w);
	return (NULL);
}

void
writer_submit(struct writer *w, struct writer_job *j)
{
	j->next = NULL;
	w->pending++;
	pthread_mutex_lock(&w->mtx);
	if (w->tail != NULL)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mtx);
}

int
writer_pending(struct writer *w)
{
	return (w->pending);
}

void
writer_drain(struct writer *w)
{
	while (w->pending > 0) {
		pthread_mutex_lock(&w->mtx);
		while (w->head != NULL || w->running)
			pthread_cond_wait(&w->idle, &w->mtx);
		pthread_mutex_unlock(&w->mtx);
		/* Done callbacks may hand over more: go round again. */
		writer_deliver(w);
	}
}

long long
writer_cpu_us(struct writer *w)
{
	long long	 us;

	pthread_mutex_lock(&w->mtx);
	us = w->cpu_us;
	pthread_mutex_unlock(&w->mtx);
	return (us);
}

void
writer_wal_stats(struct writer *w, struct store_wal *wal)
{
	/* Thread-safe: the checkpoint thread's counters, and a stat(2). */
	store_wal_stats(w->store, wal);
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	writer_drain(w);
	pthread_mutex_lock(&w->mtx);
	w->stop = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mtx);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mtx);
	event_free(w->ev);
	close(w->efd);
	store_close(w->store);
	free(w);
}

/*
 * harness.h: what integration tests share: a scratch directory, running
 * the real syndic binary, waiting for it, and a small HTTP client.
 */
#ifndef SYNDIC_HARNESS_H
#define SYNDIC_HARNESS_H

#include <sys/types.h>

#include <stddef.h>

struct hresp {
	long	 status;
	char	*headers;	/* raw header block, all responses */
	char	*body;
	size_t	 len;
};

/* h_tmpdir makes a fresh scratch directory (removed by h_cleanup). */
char	*h_tmpdir(void);
void	 h_cleanup(const char *dir);
void	 h_write(const char *path, const char *content);
/* h_read returns the file's contents (NUL-terminated), or NULL. */
char	*h_read(const char *path, size_t *len);
/* h_free_port returns a loopback TCP port that is free right now. */
int	 h_free_port(void);
/* h_syndic returns the path of the binary under test. */
const char *h_syndic(void);
/*
 * h_spawn starts argv (argv[0] a path) with extra "K=V" environment
 * variables (NULL-terminated list or NULL), stdout and stderr to files
 * (or /dev/null when NULL).  Returns the pid.
 */
pid_t	 h_spawn(char *const argv[], char *const env[], const char *out,
	    const char *err);
/* h_wait waits up to ms for pid; returns its exit status or -1 on timeout. */
int	 h_wait(pid_t pid, int ms);
/* h_run spawns, waits (up to 60 s) and returns the exit status; output is
 * captured into *out and *err when not NULL (caller frees). */
int	 h_run(char *const argv[], char *const env[], char **out, char **err);
/* h_wait_port waits up to ms for a TCP listener on 127.0.0.1:port. */
int	 h_wait_port(int port, int ms);
/* h_writef writes a file from a format (a configuration, a feed). */
void	 h_writef(const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * h_cmd runs `syndic -c conf ARG...` (the arguments end at the first NULL)
 * as h_run does, with extra environment env (or NULL).
 */
int	 h_cmd(const char *conf, char *const env[], char **out, char **err,
	    ...) __attribute__((sentinel));
/*
 * h_daemon starts `syndic -c conf run` as h_spawn does (extra environment
 * env, stdout and stderr to the files out and err) and returns its pid.
 */
pid_t	 h_daemon(const char *conf, char *const env[], const char *out,
	    const char *err);
/* h_stop sends SIGTERM to pid and waits up to ms for it, as h_wait. */
int	 h_stop(pid_t pid, int ms);
/* h_wait_file waits up to ms for text in the file at path (a log): 0, -1. */
int	 h_wait_file(const char *path, const char *text, int ms);
/* h_conf_port reads the port of "listen = 127.0.0.1:PORT" in conf. */
int	 h_conf_port(const char *conf);
/*
 * h_http performs one request ("GET", "HEAD", ...) with optional extra
 * header lines (NULL-terminated) and fills r.  Returns 0, or -1 when no
 * response came.
 */
int	 h_http(const char *method, const char *url, const char *const *hdrs,
	    struct hresp *r);
/* h_header finds a response header's value (caller frees), or NULL. */
char	*h_header(const struct hresp *r, const char *name);
void	 h_hresp_free(struct hresp *r);

#endif

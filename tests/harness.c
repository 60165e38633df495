/* harness.c: helpers for integration tests (see harness.h). */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

char *
h_tmpdir(void)
{
	char	 tmpl[] = "/tmp/syndic-test.XXXXXX";
	char	*d;

	if ((d = mkdtemp(tmpl)) == NULL)
		abort();
	return (strdup(d));
}

void
h_cleanup(const char *dir)
{
	char	*cmd;

	if (dir == NULL || strncmp(dir, "/tmp/syndic-test.", 17) != 0)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) == -1)
		return;
	if (system(cmd) != 0) {
		/* Leftovers in /tmp are harmless. */
	}
	free(cmd);
}

void
h_write(const char *path, const char *content)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(content, fp);
	fclose(fp);
}

char *
h_read(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*p = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(p, cap);
		}
		n = fread(p + len, 1, cap - len - 1, fp);
		if (n == 0)
			break;
		len += n;
	}
	fclose(fp);
	p[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (p);
}

int
h_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

const char *
h_syndic(void)
{
	const char	*p;

	if ((p = getenv("SYNDIC_BIN")) != NULL)
		return (p);
	return (SYNDIC_BIN);
}

pid_t
h_spawn(char *const argv[], char *const env[], const char *out,
    const char *err)
{
	pid_t	 pid;
	int	 fd, i;

	fflush(NULL);
	if ((pid = fork()) == -1)
		abort();
	if (pid != 0)
		return (pid);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 1);
	close(fd);
	fd = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	execv(argv[0], argv);
	_exit(127);
}

int
h_wait(pid_t pid, int ms)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 status, waited;

	for (waited = 0; waited <= ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFEXITED(status))
				return (WEXITSTATUS(status));
			return (128 + WTERMSIG(status));
		}
		nanosleep(&ts, NULL);
	}
	return (-1);
}

int
h_run(char *const argv[], char *const env[], char **out, char **err)
{
	char	 outp[] = "/tmp/syndic-out.XXXXXX";
	char	 errp[] = "/tmp/syndic-err.XXXXXX";
	pid_t	 pid;
	int	 status;

	close(mkstemp(outp));
	close(mkstemp(errp));
	pid = h_spawn(argv, env, outp, errp);
	if ((status = h_wait(pid, 60000)) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (out != NULL)
		*out = h_read(outp, NULL);
	if (err != NULL)
		*err = h_read(errp, NULL);
	unlink(outp);
	unlink(errp);
	return (status);
}

int
h_wait_port(int port, int ms)
{
	struct sockaddr_in	 sin;
	struct timespec		 ts = { 0, 10 * 1000 * 1000 };
	int			 fd, waited;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (waited = 0; waited <= ms; waited += 10) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
			close(fd);
			return (0);
		}
		close(fd);
		nanosleep(&ts, NULL);
	}
	return (-1);
}

void
h_writef(const char *path, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		abort();
	va_end(ap);
	h_write(path, text);
	free(text);
}

int
h_cmd(const char *conf, char *const env[], char **out, char **err, ...)
{
	char	*argv[16], *a;
	va_list	 ap;
	int	 n = 0;

	argv[n++] = (char *)h_syndic();
	argv[n++] = "-c";
	argv[n++] = (char *)conf;
	va_start(ap, err);
	while ((a = va_arg(ap, char *)) != NULL && n < 15)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return (h_run(argv, env, out, err));
}

pid_t
h_daemon(const char *conf, char *const env[], const char *out,
    const char *err)
{
	char	*argv[] = { (char *)h_syndic(), "-c", (char *)conf, "run",
	    NULL };

	return (h_spawn(argv, env, out, err));
}

int
h_stop(pid_t pid, int ms)
{
	kill(pid, SIGTERM);
	return (h_wait(pid, ms));
}

/* h_ms returns a monotonic time in milliseconds. */
static long long
h_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int
h_wait_file(const char *path, const char *text, int ms)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	long long	 end = h_ms() + ms;
	char		*p;
	int		 found;

	for (;;) {
		p = h_read(path, NULL);
		found = p != NULL && strstr(p, text) != NULL;
		free(p);
		if (found)
			return (0);
		if (h_ms() > end)
			return (-1);
		nanosleep(&ts, NULL);
	}
}

int
h_conf_port(const char *conf)
{
	char		*text;
	const char	*p;
	int		 port = -1;

	if ((text = h_read(conf, NULL)) == NULL)
		return (-1);
	if ((p = strstr(text, "listen = 127.0.0.1:")) != NULL)
		port = atoi(p + 19);
	free(text);
	return (port);
}

/* h_write_cb appends received bytes to a growable string. */
static size_t
h_write_cb(char *p, size_t size, size_t n, void *arg)
{
	char	**s = arg;
	size_t	 old = *s ? strlen(*s) : 0;

	*s = realloc(*s, old + size * n + 1);
	memcpy(*s + old, p, size * n);
	(*s)[old + size * n] = '\0';
	return (size * n);
}

/* h_body_cb appends a body that may hold NUL bytes. */
struct h_body {
	char	*p;
	size_t	 len;
};

static size_t
h_body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct h_body	*b = arg;

	b->p = realloc(b->p, b->len + size * n + 1);
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return (size * n);
}

int
h_http(const char *method, const char *url, const char *const *hdrs,
    struct hresp *r)
{
	CURL		*c;
	struct curl_slist *list = NULL;
	struct h_body	 body = { NULL, 0 };
	CURLcode	 rc;
	int		 i;

	memset(r, 0, sizeof *r);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		list = curl_slist_append(list, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, h_write_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, h_body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = body.p ? body.p : strdup("");
	r->len = body.len;
	if (r->headers == NULL)
		r->headers = strdup("");
	return (rc == CURLE_OK ? 0 : -1);
}

char *
h_header(const struct hresp *r, const char *name)
{
	const char	*p = r->headers, *eol, *v;
	size_t		 n = strlen(name);

	while (p != NULL && *p != '\0') {
		eol = strchr(p, '\n');
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			v = p + n + 1;
			while (*v == ' ')
				v++;
			eol = eol ? eol : v + strlen(v);
			while (eol > v && isspace((unsigned char)eol[-1]))
				eol--;
			return (strndup(v, (size_t)(eol - v)));
		}
		p = eol ? eol + 1 : NULL;
	}
	return (NULL);
}

void
h_hresp_free(struct hresp *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

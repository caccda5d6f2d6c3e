#define _GNU_SOURCE
#include "redis_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct swissagent_rsock {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
};

/// The reason, starting lower case as the rest of a sentence is ("Connection refused" -> "connection
/// refused"), an acronym ("TLS") left as it is.
static void say(char *err, size_t errlen, const char *what) {
    if (!err || errlen == 0) return;
    snprintf(err, errlen, "%s", what);
    if (err[0] >= 'A' && err[0] <= 'Z' && !(err[1] >= 'A' && err[1] <= 'Z')) err[0] = (char)(err[0] - 'A' + 'a');
}

static void say_errno(char *err, size_t errlen, int e) { say(err, errlen, strerror(e)); }

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/// Waits for `events` on `fd` until `deadline` (ms, monotonic): 1 ready, 0 timed out, -1 error (errno).
static int wait_for(int fd, short events, long long deadline) {
    for (;;) {
        long long left = deadline - now_ms();
        if (left < 0) left = 0;
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int n = poll(&p, 1, (int)(left > 2147483647LL ? 2147483647LL : left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        return n > 0 ? 1 : 0;
    }
}

/// A non-blocking connect to one address, finished within the deadline. The socket, or -1 with errno.
static int connect_one(int family, int type, int protocol, const struct sockaddr *addr, socklen_t len, long long deadline) {
    int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) return -1;
    if (connect(fd, addr, len) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int ready = wait_for(fd, POLLOUT, deadline);
    if (ready <= 0) {
        int e = ready == 0 ? ETIMEDOUT : errno;
        close(fd);
        errno = e;
        return -1;
    }
    int soerr = 0;
    socklen_t slen = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0 || soerr != 0) {
        int e = soerr != 0 ? soerr : errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/// OpenSSL writes with write(2), which raises SIGPIPE on a connection the server dropped: a process
/// that does not ignore it would die. Each TLS call holds SIGPIPE blocked on its thread, and takes
/// back one it raised.
typedef struct {
    sigset_t old;
    int was_pending;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g) {
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old);
}

static void sigpipe_restore(sigpipe_guard *g) {
    if (!g->was_pending) {
        sigset_t pipe_set, pending;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigpending(&pending);
        struct timespec zero = {0, 0};
        if (sigismember(&pending, SIGPIPE)) sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/// What OpenSSL says went wrong last (its queue cleared), or `fallback`.
static void say_ssl(char *err, size_t errlen, const char *prefix, const char *fallback) {
    unsigned long e = ERR_get_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    char why[512];
    snprintf(why, sizeof why, "%s%s", prefix, reason ? reason : fallback);
    ERR_clear_error();
    say(err, errlen, why);
}

// OpenSSL's error queue is per thread and shared by every library in the process (libcurl leaves
// entries behind on the dispatch threads these calls also run on): SSL_get_error reads it, so a
// stale entry turns a harmless WANT_READ into a failure named after someone else's error
// ("shutdown while in init"). Each SSL call below starts with the queue cleared, as SSL_get_error(3) asks.

/// Waits for what an SSL call asked for: 1 go on, 0 timed out, -1 it failed for good.
static int ssl_wait(SSL *ssl, int fd, int rc, long long deadline) {
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_WANT_READ) return wait_for(fd, POLLIN, deadline) > 0 ? 1 : (now_ms() >= deadline ? 0 : -1);
    if (e == SSL_ERROR_WANT_WRITE) return wait_for(fd, POLLOUT, deadline) > 0 ? 1 : (now_ms() >= deadline ? 0 : -1);
    return -1;
}

/// The TLS handshake on a connected socket: 0, or -1 with the reason.
static int tls_start(swissagent_rsock *s, const char *host, const swissagent_rsock_tls *tls, long long deadline, char *err, size_t errlen) {
    s->ctx = SSL_CTX_new(TLS_client_method());
    if (!s->ctx) { say_ssl(err, errlen, "TLS: ", "cannot make a context"); return -1; }
    SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
    if (tls->ca_file && tls->ca_file[0]) {
        if (SSL_CTX_load_verify_locations(s->ctx, tls->ca_file, NULL) != 1) {
            char p[300];
            snprintf(p, sizeof p, "TLS: cannot read the CA file %s: ", tls->ca_file);
            say_ssl(err, errlen, p, "unreadable");
            return -1;
        }
    } else {
        SSL_CTX_set_default_verify_paths(s->ctx);
    }
    if (tls->cert_file && tls->cert_file[0]) {
        if (SSL_CTX_use_certificate_chain_file(s->ctx, tls->cert_file) != 1) {
            char p[300];
            snprintf(p, sizeof p, "TLS: cannot read the certificate %s: ", tls->cert_file);
            say_ssl(err, errlen, p, "unreadable");
            return -1;
        }
        const char *key = tls->key_file && tls->key_file[0] ? tls->key_file : tls->cert_file;
        if (SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(s->ctx) != 1) {
            char p[300];
            snprintf(p, sizeof p, "TLS: cannot use the key %s: ", key);
            say_ssl(err, errlen, p, "unreadable");
            return -1;
        }
    }
    SSL_CTX_set_verify(s->ctx, tls->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    s->ssl = SSL_new(s->ctx);
    if (!s->ssl) { say_ssl(err, errlen, "TLS: ", "cannot make a session"); return -1; }
    SSL_set_fd(s->ssl, s->fd);
    const char *name = tls->server_name && tls->server_name[0] ? tls->server_name : host;
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
    // SNI takes names only; the certificate check takes either.
    if (!is_ip) SSL_set_tlsext_host_name(s->ssl, name);
    if (!tls->insecure) {
        X509_VERIFY_PARAM *param = SSL_get0_param(s->ssl);
        if (is_ip) X509_VERIFY_PARAM_set1_ip_asc(param, name); else SSL_set1_host(s->ssl, name);
    }
    for (;;) {
        sigpipe_guard g;
        sigpipe_block(&g);
        ERR_clear_error();
        int rc = SSL_connect(s->ssl);
        sigpipe_restore(&g);
        if (rc == 1) return 0;
        int go = ssl_wait(s->ssl, s->fd, rc, deadline);
        if (go == 1) continue;
        if (go == 0) { say(err, errlen, "TLS handshake timed out"); return -1; }
        long verify = SSL_get_verify_result(s->ssl);
        if (verify != X509_V_OK) {
            char why[300];
            snprintf(why, sizeof why, "TLS handshake failed: certificate verify failed (%s)", X509_verify_cert_error_string(verify));
            ERR_clear_error();
            say(err, errlen, why);
        } else {
            say_ssl(err, errlen, "TLS handshake failed: ", "the server closed the connection");
        }
        return -1;
    }
}

swissagent_rsock *swissagent_rsock_connect(const char *host, int port, int timeout_ms, const swissagent_rsock_tls *tls,
                                           char *err, size_t errlen) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int fd = -1;
    if (port < 0) {
        struct sockaddr_un sun;
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        if (strlen(host) >= sizeof sun.sun_path) {
            say(err, errlen, "the unix socket path is too long");
            return NULL;
        }
        strcpy(sun.sun_path, host);
        fd = connect_one(AF_UNIX, SOCK_STREAM, 0, (const struct sockaddr *)&sun, sizeof sun, deadline);
        if (fd < 0) {
            say_errno(err, errlen, errno);
            return NULL;
        }
    } else {
        char service[16];
        snprintf(service, sizeof service, "%d", port);
        struct addrinfo hints, *found = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int rc = getaddrinfo(host, service, &hints, &found);
        if (rc != 0) {
            char why[256];
            snprintf(why, sizeof why, "cannot resolve %s: %s", host, gai_strerror(rc));
            say(err, errlen, why);
            return NULL;
        }
        int last = ECONNREFUSED;
        for (struct addrinfo *a = found; a && fd < 0; a = a->ai_next) {
            fd = connect_one(a->ai_family, a->ai_socktype, a->ai_protocol, a->ai_addr, a->ai_addrlen, deadline);
            if (fd < 0) last = errno;
        }
        freeaddrinfo(found);
        if (fd < 0) {
            say_errno(err, errlen, last);
            return NULL;
        }
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    }
    swissagent_rsock *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        say(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = fd;
    if (tls && tls_start(s, host, tls, deadline, err, errlen) != 0) {
        swissagent_rsock_close(s);
        return NULL;
    }
    return s;
}

swissagent_rsock *swissagent_rsock_connect_tls(const char *host, int port, int timeout_ms, const char *ca_file, const char *cert_file,
                                               const char *key_file, const char *server_name, int insecure, char *err, size_t errlen) {
    swissagent_rsock_tls tls = {ca_file, cert_file, key_file, server_name, insecure};
    return swissagent_rsock_connect(host, port, timeout_ms, &tls, err, errlen);
}

int swissagent_rsock_write(swissagent_rsock *s, const void *buf, size_t len, int timeout_ms, char *err, size_t errlen) {
    const char *p = buf;
    while (len > 0 && s->ssl) {
        sigpipe_guard g;
        sigpipe_block(&g);
        ERR_clear_error();
        int n = SSL_write(s->ssl, p, len > 1 << 30 ? 1 << 30 : (int)len);
        sigpipe_restore(&g);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        int go = ssl_wait(s->ssl, s->fd, n, now_ms() + timeout_ms);
        if (go == 1) continue;
        if (go == 0) { say(err, errlen, "timed out writing"); return -2; }
        say_ssl(err, errlen, "TLS: ", "the connection broke");
        return -1;
    }
    while (len > 0) {
        ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ready = wait_for(s->fd, POLLOUT, now_ms() + timeout_ms);
            if (ready == 0) {
                say(err, errlen, "timed out writing");
                return -2;
            }
            if (ready < 0) {
                say_errno(err, errlen, errno);
                return -1;
            }
            continue;
        }
        say_errno(err, errlen, n < 0 ? errno : EPIPE);
        return -1;
    }
    return 0;
}

long swissagent_rsock_read(swissagent_rsock *s, void *buf, size_t cap, int timeout_ms, char *err, size_t errlen) {
    while (s->ssl) {
        sigpipe_guard g;
        sigpipe_block(&g);
        ERR_clear_error();
        int n = SSL_read(s->ssl, buf, cap > 1 << 30 ? 1 << 30 : (int)cap);
        sigpipe_restore(&g);
        if (n > 0) return n;
        int e = SSL_get_error(s->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) { say(err, errlen, "server closed the connection"); return 0; }
        int go = ssl_wait(s->ssl, s->fd, n, now_ms() + timeout_ms);
        if (go == 1) continue;
        if (go == 0) { say(err, errlen, "resource temporarily unavailable"); return -2; }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) { say(err, errlen, "server closed the connection"); return 0; }
        say_ssl(err, errlen, "TLS: ", "the connection broke");
        return -1;
    }
    for (;;) {
        ssize_t n = recv(s->fd, buf, cap, 0);
        if (n >= 0) {
            if (n == 0) say(err, errlen, "server closed the connection");
            return (long)n;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            say_errno(err, errlen, errno);
            return -1;
        }
        int ready = wait_for(s->fd, POLLIN, now_ms() + timeout_ms);
        if (ready == 0) {
            say(err, errlen, "resource temporarily unavailable");
            return -2;
        }
        if (ready < 0) {
            say_errno(err, errlen, errno);
            return -1;
        }
    }
}

void swissagent_rsock_close(swissagent_rsock *s) {
    if (!s) return;
    if (s->ssl) SSL_free(s->ssl);
    if (s->ctx) SSL_CTX_free(s->ctx);
    close(s->fd);
    free(s);
}

void swissagent_rsock_test_leave_stale_error(void) {
    ERR_raise(ERR_LIB_SSL, SSL_R_SHUTDOWN_WHILE_IN_INIT);
}

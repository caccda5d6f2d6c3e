#define _GNU_SOURCE
#include "redis_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct swissagent_rsock {
    int fd;
};

/// strerror, starting lower case, as the rest of a sentence is.
static void say(char *err, size_t errlen, const char *what) {
    if (!err || errlen == 0) return;
    snprintf(err, errlen, "%s", what);
    if (err[0] >= 'A' && err[0] <= 'Z') err[0] = (char)(err[0] - 'A' + 'a');
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

swissagent_rsock *swissagent_rsock_connect(const char *host, int port, int timeout_ms, char *err, size_t errlen) {
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
    swissagent_rsock *s = malloc(sizeof *s);
    if (!s) {
        close(fd);
        say(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = fd;
    return s;
}

int swissagent_rsock_write(swissagent_rsock *s, const void *buf, size_t len, int timeout_ms, char *err, size_t errlen) {
    const char *p = buf;
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
    close(s->fd);
    free(s);
}

#ifndef SWISSAGENT_REDIS_SOCKET_H
#define SWISSAGENT_REDIS_SOCKET_H
#include <stddef.h>

/// The socket of one Redis connection: TCP (no Nagle, keepalive) or a unix socket. The only code
/// that touches it; the protocol (formatting commands, reading replies) stays with hiredis.
typedef struct swissagent_rsock swissagent_rsock;

/// TLS for a connection (OpenSSL): the CA to verify the server with (NULL: the system's), a client
/// certificate and key (both or neither), the name the server's certificate must carry (NULL: the
/// host), and `insecure` to skip verification (for tests only).
typedef struct {
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    const char *server_name;
    int insecure;
} swissagent_rsock_tls;

/// Connects within `timeout_ms`: to `host`:`port`, or to the unix socket at `host` when `port` < 0;
/// with `tls`, the TLS handshake too, within the same time. NULL on failure, with the reason in
/// `err` ("connection refused", "TLS handshake failed: certificate verify failed").
swissagent_rsock *swissagent_rsock_connect(const char *host, int port, int timeout_ms, const swissagent_rsock_tls *tls,
                                           char *err, size_t errlen);

/// The same, TLS given field by field (NULL strings: unset), for callers that cannot build the struct.
swissagent_rsock *swissagent_rsock_connect_tls(const char *host, int port, int timeout_ms, const char *ca_file, const char *cert_file,
                                               const char *key_file, const char *server_name, int insecure, char *err, size_t errlen);

/// Writes all `len` bytes, each wait for the socket at most `timeout_ms`. 0; -1 an error; -2 a timeout.
int swissagent_rsock_write(swissagent_rsock *s, const void *buf, size_t len, int timeout_ms, char *err, size_t errlen);

/// Reads what is there, up to `cap` bytes, after waiting at most `timeout_ms` for some.
/// > 0 the bytes read; 0 the server closed the connection; -1 an error; -2 a timeout.
long swissagent_rsock_read(swissagent_rsock *s, void *buf, size_t cap, int timeout_ms, char *err, size_t errlen);

void swissagent_rsock_close(swissagent_rsock *s);

/// For tests: leaves an unrelated error on this thread's OpenSSL error queue, as another library
/// in the process (libcurl) may, so a test can show that no TLS call mistakes it for its own.
void swissagent_rsock_test_leave_stale_error(void);

#endif

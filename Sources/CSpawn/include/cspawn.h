#ifndef SWISSAGENT_CSPAWN_H
#define SWISSAGENT_CSPAWN_H
#include <sys/types.h>

/// A pipe whose two ends are close-on-exec. Returns 0 or errno.
int swissagent_pipe_cloexec(int fds[2]);

/// posix_spawn of `path` with exactly `argv` and `envp`, working directory `cwd`, the child's
/// stdin/stdout/stderr taken from the three descriptors, every other descriptor closed (so a child
/// never inherits a socket or a pipe of this process), and default signal handling with nothing
/// blocked (this process may ignore SIGTERM). The `n_extra` descriptors of `extra` become the
/// child's 3, 4, ... (for helpers that speak over inherited pipes). Returns 0 or an errno.
int swissagent_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int in_fd, int out_fd, int err_fd, const int *extra, int n_extra, pid_t *pid);

/// Blocks until the child has ended, without reaping it (waitid with WNOWAIT, retried on EINTR):
/// until it is reaped its pid cannot be reused. Returns 0 or errno.
int swissagent_await_exit(pid_t pid);

/// waitpid that retries on EINTR. Returns 0 and the raw status, or errno.
int swissagent_wait(pid_t pid, int *status);

/// Decodes a raw wait status: the exit code (>= 0) or minus the signal that ended it.
int swissagent_termination(int status);

#endif

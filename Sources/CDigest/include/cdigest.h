#ifndef SWISSAGENT_CDIGEST_H
#define SWISSAGENT_CDIGEST_H

#include <stddef.h>

// SHA-256 by OpenSSL (already linked for Redis TLS): a workspace's files are hashed at a
// checkpoint, and a pure-Swift digest is a hundred times slower in a debug build.
// Writes the 32-byte digest of `len` bytes at `data` into `out`.
void cdigest_sha256(const void *data, size_t len, unsigned char out[32]);

#endif

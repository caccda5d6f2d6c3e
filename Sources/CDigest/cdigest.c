#include "cdigest.h"
#include <openssl/evp.h>

void cdigest_sha256(const void *data, size_t len, unsigned char out[32]) {
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

#ifndef SWISSAGENT_CCURL_SHIM_H
#define SWISSAGENT_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
// one typed wrapper per argument kind.
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_header(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_xferinfo(CURL *h, int (*cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb);
}
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

// Option and error constants are enums or macros of other macros; name the ones Swift needs.
static const CURLoption ccurl_opt_url = CURLOPT_URL;
static const CURLoption ccurl_opt_customrequest = CURLOPT_CUSTOMREQUEST;
static const CURLoption ccurl_opt_httpheader = CURLOPT_HTTPHEADER;
static const CURLoption ccurl_opt_copypostfields = CURLOPT_COPYPOSTFIELDS;
static const CURLoption ccurl_opt_postfieldsize_large = CURLOPT_POSTFIELDSIZE_LARGE;
static const CURLoption ccurl_opt_writedata = CURLOPT_WRITEDATA;
static const CURLoption ccurl_opt_headerdata = CURLOPT_HEADERDATA;
static const CURLoption ccurl_opt_xferinfodata = CURLOPT_XFERINFODATA;
static const CURLoption ccurl_opt_noprogress = CURLOPT_NOPROGRESS;
static const CURLoption ccurl_opt_nosignal = CURLOPT_NOSIGNAL;
static const CURLoption ccurl_opt_connecttimeout_ms = CURLOPT_CONNECTTIMEOUT_MS;
static const CURLoption ccurl_opt_timeout_ms = CURLOPT_TIMEOUT_MS;
static const CURLoption ccurl_opt_ssl_verifypeer = CURLOPT_SSL_VERIFYPEER;
static const CURLoption ccurl_opt_ssl_verifyhost = CURLOPT_SSL_VERIFYHOST;
static const CURLoption ccurl_opt_errorbuffer = CURLOPT_ERRORBUFFER;
static const CURLoption ccurl_opt_nobody = CURLOPT_NOBODY;
static const CURLoption ccurl_opt_aws_sigv4 = CURLOPT_AWS_SIGV4;
static const CURLoption ccurl_opt_username = CURLOPT_USERNAME;
static const CURLoption ccurl_opt_password = CURLOPT_PASSWORD;
static const CURLINFO ccurl_info_response_code = CURLINFO_RESPONSE_CODE;

#endif

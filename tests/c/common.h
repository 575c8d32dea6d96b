/* Helpers shared by the C test programs: checks, deterministic tokens and notifications, a
 * mock plus pusher setup, and a small reader for the mock's JSON records.
 * Every helper aborts the program (non-zero exit) on an unexpected result. */
#ifndef APNS_TEST_COMMON_H
#define APNS_TEST_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apns.h"

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* Checks that an apns_result is APNS_OK, naming the result otherwise. */
#define CHECK_OK(call) CHECK_RESULT(call, APNS_OK)

#define CHECK_RESULT(call, want)                                                    \
  do {                                                                              \
    apns_result got_ = (call);                                                      \
    if (got_ != (want)) {                                                           \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #call, \
              apns_result_name((int)got_), apns_result_name((int)(want)));          \
      exit(1);                                                                      \
    }                                                                               \
  } while (0)

/* Generous waits: a stalled engine fails the test instead of hanging it. */
#define WAIT_MS 300000

/* The 32-byte token of notification i as hex: i big-endian in the first 8 bytes, then a5. */
static inline void token_hex(uint64_t i, char out[65]) {
  int k;
  snprintf(out, 17, "%016" PRIx64, i);
  for (k = 16; k < 64; k += 2) {
    out[k] = 'a';
    out[k + 1] = '5';
  }
  out[64] = '\0';
}

/* The index encoded in a token's hex (first 16 hex digits). */
static inline uint64_t token_index(const char *hex) {
  char head[17];
  memcpy(head, hex, 16);
  head[16] = '\0';
  return strtoull(head, NULL, 16);
}

static inline void *index_ptr(uint64_t i) { return (void *)(uintptr_t)i; }
static inline uint64_t ptr_index(const void *p) { return (uint64_t)(uintptr_t)p; }

/* Notification i: token_hex(i), a payload naming i, user data i. */
static inline apns_notification *make_notification(uint64_t i) {
  char hex[65], payload[96], err[256];
  apns_notification *n = NULL;
  token_hex(i, hex);
  snprintf(payload, sizeof payload, "{\"aps\":{\"alert\":\"n%" PRIu64 "\"},\"i\":%" PRIu64 "}", i, i);
  CHECK_OK(apns_notification_new(hex, payload, &n, err, sizeof err));
  CHECK_OK(apns_notification_set_user_data(n, index_ptr(i)));
  return n;
}

static inline void conf_set(apns_conf *conf, const char *key, const char *value) {
  char err[256];
  apns_result r = apns_conf_set(conf, key, value, err, sizeof err);
  if (r != APNS_OK) {
    fprintf(stderr, "apns_conf_set(%s, %s): %s: %s\n", key, value, apns_result_name((int)r), err);
    exit(1);
  }
}

/* A pusher for a started mock, with extra key/value pairs (NULL-terminated list). */
static inline apns_pusher *pusher_for(const apns_mock *mock, const char *const *extra) {
  apns_conf *conf = NULL;
  apns_pusher *p = NULL;
  char err[512];
  apns_result r;
  CHECK_OK(apns_conf_new(&conf));
  CHECK_OK(apns_mock_config_apply(mock, conf));
  for (; extra != NULL && extra[0] != NULL; extra += 2) conf_set(conf, extra[0], extra[1]);
  r = apns_pusher_new(conf, &p, err, sizeof err);
  if (r != APNS_OK) {
    fprintf(stderr, "apns_pusher_new: %s: %s\n", apns_result_name((int)r), err);
    exit(1);
  }
  apns_conf_destroy(conf);
  return p;
}

/* A JSON record as a malloc'd string (sized with a first call). */
typedef apns_result (*json_reader)(const apns_mock *, char *, size_t, size_t *);

static inline char *read_json(const apns_mock *mock, json_reader read) {
  size_t needed = 0;
  char *buf;
  CHECK_RESULT(read(mock, NULL, 0, &needed), APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(needed >= 3);
  buf = (char *)malloc(needed);
  CHECK(buf != NULL);
  CHECK_OK(read(mock, buf, needed, &needed));
  CHECK(strlen(buf) + 1 == needed);
  return buf;
}

static inline char *stats_json(const apns_pusher *p) {
  size_t needed = 0;
  char *buf = NULL;
  apns_result r;
  do { /* again if the counters grew a digit between the two calls */
    CHECK_RESULT(apns_pusher_stats_json(p, NULL, 0, &needed), APNS_ERR_BUFFER_TOO_SMALL);
    free(buf);
    buf = (char *)malloc(needed);
    CHECK(buf != NULL);
    r = apns_pusher_stats_json(p, buf, needed, NULL);
  } while (r == APNS_ERR_BUFFER_TOO_SMALL);
  CHECK_OK(r);
  return buf;
}

/* The number after "key": in a flat JSON object (the stats). */
static inline uint64_t json_u64(const char *json, const char *key) {
  char pattern[64];
  const char *at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  if (at == NULL) {
    fprintf(stderr, "no %s in %s\n", key, json);
    exit(1);
  }
  return strtoull(at + strlen(pattern), NULL, 10);
}

/* Calls `each` for every top-level object of a JSON array of flat objects whose string values
 * may contain escaped JSON. [start, end) spans the object; string contents are skipped, so a
 * key searched with json_field_* inside it is never matched inside a payload string. */
typedef void (*json_object_fn)(void *ctx, const char *start, const char *end);

static inline void json_each_object(const char *json, json_object_fn each, void *ctx) {
  const char *p, *start = NULL;
  int depth = 0, in_string = 0;
  for (p = json; *p; p++) {
    if (in_string) {
      if (*p == '\\') p++;
      else if (*p == '"') in_string = 0;
    } else if (*p == '"') {
      in_string = 1;
    } else if (*p == '{') {
      if (depth++ == 0) start = p;
    } else if (*p == '}') {
      if (--depth == 0) each(ctx, start, p + 1);
    }
  }
  CHECK(depth == 0 && !in_string);
}

/* Pointer to the value of "key" inside [start, end), or NULL. Escaped quotes inside string
 * values never form the pattern "key": so a payload's own keys are not found. */
static inline const char *json_field(const char *start, const char *end, const char *key) {
  char pattern[64];
  size_t n;
  const char *p;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  n = strlen(pattern);
  for (p = start; p + n <= end; p++) {
    if (memcmp(p, pattern, n) == 0) return p + n;
  }
  return NULL;
}

static inline uint64_t json_field_u64(const char *start, const char *end, const char *key) {
  const char *v = json_field(start, end, key);
  CHECK(v != NULL);
  return strtoull(v, NULL, 10);
}

/* The index of the object's "token" (hex string). */
static inline uint64_t json_field_token_index(const char *start, const char *end) {
  const char *v = json_field(start, end, "token");
  CHECK(v != NULL && v[0] == '"');
  return token_index(v + 1);
}

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif

/* The log callback: records of a pusher against the mock (a rejected token, connections
 * dropped after 5 requests) reach the callback only inside apns_pusher_poll and apns_log_poll,
 * on the polling thread; a connect record and a loss record saying what was replayed are
 * among them; no record holds key material (no PEM text, no run of 40 base64 characters: a
 * PEM body line is 64), a device token past its first 8 hex digits, or a payload. */
#include "common.h"

#include <pthread.h>

#define PUSHED 20
#define REJECTED 3 /* the index whose token the mock rejects */

struct seen {
  pthread_t poller;
  int in_poll;    /* set around every poll call */
  int records;    /* served to the callback */
  int connects;   /* info: "slot N: connected to 127.0.0.1:PORT (HTTP/2)" */
  int losses;     /* warn: "... N replayed (D possible duplicates) ..." */
  int rejections; /* debug: "... (token 00000000…) rejected: 400 BadDeviceToken" */
  char connected[64];
};

static int has_base64_run(const char *s, size_t run) {
  size_t n = 0;
  for (; *s; s++) {
    int b64 = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '+' || *s == '/';
    n = b64 ? n + 1 : 0;
    if (n >= run) return 1;
  }
  return 0;
}

/* Fails unless `message` is clean (names the check, never prints the message). */
static void check_clean(const char *message) {
  char hex[65];
  uint64_t i;
  CHECK(strstr(message, "-----BEGIN") == NULL && strstr(message, "PRIVATE KEY") == NULL);
  CHECK(!has_base64_run(message, 40));
  CHECK(strstr(message, "\"aps\"") == NULL); /* no payload */
  for (i = 1; i <= PUSHED; i++) {
    token_hex(i, hex);
    CHECK(strstr(message, hex) == NULL);
    CHECK(strstr(message, hex + 8) == NULL); /* nothing past the 8-digit prefix */
  }
  CHECK(strstr(message, "a5a5") == NULL); /* the tokens' bytes 8 and later */
}

static void on_log(void *ctx, uint32_t level, const char *target, const char *message) {
  struct seen *s = (struct seen *)ctx;
  CHECK(pthread_equal(pthread_self(), s->poller));
  CHECK(s->in_poll);
  CHECK(level >= 1 && level <= 5);
  CHECK(strcmp(target, "apnspush") == 0 || strncmp(target, "apnspush::", 10) == 0);
  check_clean(message);
  s->records++;
  if (level == 3 && strcmp(target, "apnspush::http2") == 0 && strstr(message, s->connected))
    s->connects++;
  if (level == 2 && strcmp(target, "apnspush::http2") == 0 &&
      strstr(message, "possible duplicates)") != NULL)
    s->losses++;
  if (level == 4 && strcmp(target, "apnspush::outcome") == 0 &&
      strstr(message, "(token 00000000\xe2\x80\xa6) rejected: 400 BadDeviceToken") != NULL)
    s->rejections++;
}

static void on_outcome(void *userdata, const apns_outcome *o) {
  int *kinds = (int *)userdata;
  kinds[apns_outcome_kind(o)]++;
}

int main(void) {
  struct seen seen;
  apns_mock *m = NULL;
  apns_pusher *p;
  char hex[65];
  const char *extra[] = {"reconnect_backoff_ms", "10", NULL};
  apns_outcome *o = NULL;
  size_t served = 0, in_pusher_poll = 0, logged;
  int kinds[8] = {0};
  uint64_t i;

  memset(&seen, 0, sizeof seen);
  seen.poller = pthread_self();
  CHECK_RESULT(apns_set_log_callback(on_log, &seen, 6), APNS_ERR_INVALID_ARGUMENT);
  CHECK_OK(apns_set_log_callback(on_log, &seen, 5));

  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_set_drop_after(m, 5));
  token_hex(REJECTED, hex);
  CHECK_OK(apns_mock_reject_token(m, hex, 8));
  CHECK_OK(apns_mock_start(m));
  snprintf(seen.connected, sizeof seen.connected, "connected to 127.0.0.1:%u (HTTP/2)",
           (unsigned)apns_mock_port(m));
  p = pusher_for(m, extra);
  /* First and alone, so its answer comes before any drop. */
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(REJECTED), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED && apns_outcome_status(o) == 400);
  apns_outcome_destroy(o);
  for (i = 1; i <= PUSHED; i++) {
    if (i != REJECTED) CHECK_OK(apns_pusher_push_async(p, make_notification(i), NULL));
  }
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, NULL, NULL));
  CHECK(seen.records == 0); /* nothing served outside a poll */

  /* apns_pusher_poll serves the queued records, then the outcomes. */
  seen.in_poll = 1;
  CHECK_OK(apns_pusher_poll(p, 0, on_outcome, kinds, &served));
  seen.in_poll = 0;
  CHECK(served >= PUSHED - 1);
  in_pusher_poll = (size_t)seen.records;
  CHECK(in_pusher_poll > 0);
  CHECK(seen.connects >= 2); /* the first connection and at least one after a drop */
  CHECK(seen.losses >= 1);
  CHECK(seen.rejections == 1);

  CHECK_OK(apns_pusher_close(p, 5000, NULL, NULL));
  apns_pusher_destroy(p);
  apns_mock_destroy(m);

  /* Whatever the close logged, apns_log_poll serves it, `max` at a time. */
  seen.in_poll = 1;
  do {
    CHECK_OK(apns_log_poll(2, &logged));
    CHECK(logged <= 2);
  } while (logged > 0);
  seen.in_poll = 0;

  /* Off: nothing is queued or served any more. */
  CHECK_OK(apns_set_log_callback(NULL, NULL, 0));
  seen.in_poll = 1;
  CHECK_OK(apns_log_poll(100, &logged));
  seen.in_poll = 0;
  CHECK(logged == 0);
  printf("logging: %d records on the polling thread (%zu in apns_pusher_poll), %d connects, "
         "%d losses, %d rejection, none with key material or a full token\n",
         seen.records, in_pusher_poll, seen.connects, seen.losses, seen.rejections);
  return 0;
}

/* The demo, in C: start the built-in mock APNs server, push a batch with a few bad tokens
 * through a pusher, wait for every verdict, and print the failed outcomes and the stats.
 *
 * Build against an installed library (scripts/install-c.sh):
 *   cc -std=c99 demo.c $(pkg-config --cflags --libs apnspush) -o demo && ./demo
 * Exits non-zero if any verdict differs from what the mock was told to do. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apns.h>

#define BATCH 10000
static const uint64_t BAD[] = {17, 1234, 4321, 7777, 9999};
#define NBAD (sizeof BAD / sizeof BAD[0])

/* Stops the demo with the failing call's result name. */
#define TRY(call)                                                                            \
  do {                                                                                       \
    apns_result r_ = (call);                                                                 \
    if (r_ != APNS_OK) {                                                                     \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, apns_result_name((int)r_), \
              apns_result_describe((int)r_));                                                \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

/* Device token i: 24 bytes of 0x5a, then i big-endian. */
static void token(uint64_t i, uint8_t out[32]) {
  int k;
  memset(out, 0x5a, 32);
  for (k = 0; k < 8; k++) out[31 - k] = (uint8_t)(i >> (8 * k));
}

static void token_to_hex(const uint8_t t[32], char hex[65]) {
  int k;
  for (k = 0; k < 32; k++) sprintf(hex + 2 * k, "%02x", t[k]);
}

struct tally {
  uint64_t by_kind[6];
};

/* Runs on this thread, inside apns_pusher_ensure_delivery; the outcome is borrowed. */
static void count_outcome(void *userdata, const apns_outcome *o) {
  struct tally *t = (struct tally *)userdata;
  t->by_kind[apns_outcome_kind(o)]++;
}

static void print_failed(void *userdata, const apns_outcome *o) {
  (void)userdata;
  printf("  %s #%-4" PRIu64 " token %s status %u (%s)\n", apns_outcome_kind_name(apns_outcome_kind(o)),
         (uint64_t)(uintptr_t)apns_outcome_user_data(o), apns_outcome_token_hex(o),
         (unsigned)apns_outcome_status(o), apns_outcome_reason(o));
}

int main(void) {
  apns_mock *mock = NULL;
  apns_conf *conf = NULL;
  apns_pusher *pusher = NULL;
  apns_notification_builder *builder = NULL;
  struct tally tally;
  char err[256], hex[65], body[64], stats[4096];
  uint8_t t[32];
  size_t i, failed = 0;
  int k;

  /* The mock answers the bad tokens with status 8 (invalid token), like Apple. */
  TRY(apns_mock_new(&mock));
  for (i = 0; i < NBAD; i++) {
    token(BAD[i], t);
    token_to_hex(t, hex);
    TRY(apns_mock_reject_token(mock, hex, 8));
  }
  TRY(apns_mock_start(mock));
  printf("mock APNs gateway on 127.0.0.1:%u\n", (unsigned)apns_mock_port(mock));

  TRY(apns_conf_new(&conf));
  TRY(apns_mock_config_apply(mock, conf));
  if (apns_conf_set(conf, "connections", "2", err, sizeof err) != APNS_OK ||
      apns_pusher_new(conf, &pusher, err, sizeof err) != APNS_OK) {
    fprintf(stderr, "cannot create the pusher: %s\n", err);
    return 1;
  }
  apns_conf_destroy(conf); /* the pusher keeps its own copy */

  TRY(apns_notification_builder_new(&builder));
  TRY(apns_notification_builder_set_alert_title(builder, "apnspush demo"));
  TRY(apns_notification_builder_set_badge(builder, 1));
  for (i = 0; i < BATCH; i++) {
    apns_notification *n = NULL;
    token(i, t);
    snprintf(body, sizeof body, "notification %u", (unsigned)i);
    TRY(apns_notification_builder_set_token(builder, t, sizeof t));
    TRY(apns_notification_builder_set_alert_body(builder, body));
    TRY(apns_notification_builder_set_user_data(builder, (void *)(uintptr_t)i));
    if (apns_notification_builder_build(builder, &n, err, sizeof err) != APNS_OK) {
      fprintf(stderr, "invalid notification: %s\n", err);
      return 1;
    }
    TRY(apns_pusher_push_async(pusher, n, NULL)); /* the pusher now owns n */
  }
  apns_notification_builder_destroy(builder);

  memset(&tally, 0, sizeof tally);
  TRY(apns_pusher_ensure_delivery(pusher, 60000, count_outcome, &tally));
  printf("pushed %d notifications (%u with bad tokens); outcomes:", BATCH, (unsigned)NBAD);
  for (k = APNS_OUTCOME_ACCEPTED; k <= APNS_OUTCOME_CANCELLED; k++) {
    if (tally.by_kind[k] > 0) printf(" %s=%" PRIu64, apns_outcome_kind_name(k), tally.by_kind[k]);
  }
  printf("\n");
  TRY(apns_pusher_failed_notifications(pusher, print_failed, NULL, &failed));
  printf("mock recorded %" PRIu64 " accepted\n", apns_mock_accepted_count(mock));
  TRY(apns_pusher_stats_json(pusher, stats, sizeof stats, NULL));
  printf("stats: %s\n", stats);

  apns_pusher_destroy(pusher);
  apns_mock_destroy(mock);
  return tally.by_kind[APNS_OUTCOME_ACCEPTED] == BATCH - NBAD &&
                 tally.by_kind[APNS_OUTCOME_REJECTED] == NBAD && failed == NBAD
             ? 0
             : 1;
}

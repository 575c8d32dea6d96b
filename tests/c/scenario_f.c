/* Scenario f: apns_pusher_close with 50,000 still queued returns (within its timeout plus a
 * few milliseconds) and every notification has exactly one outcome: accepted, cancelled or
 * failed (APNS_ERR_CLOSED), adding up to 50,000 and matching close's summary and the stats. */
#include "common.h"

#define N 50000

struct seen {
  uint64_t ids[N];
  int outcomes[N];
  uint64_t accepted, cancelled, failed;
  int confirmed[N];
  int in_mock[N];
};

static void on_outcome(void *userdata, const apns_outcome *o) {
  struct seen *s = (struct seen *)userdata;
  uint64_t i = ptr_index(apns_outcome_user_data(o));
  CHECK(i < N);
  CHECK(apns_outcome_id(o) == s->ids[i]);
  s->outcomes[i]++;
  switch (apns_outcome_kind(o)) {
    case APNS_OUTCOME_ACCEPTED:
      s->accepted++;
      s->confirmed[i] = apns_outcome_confirmed(o);
      break;
    case APNS_OUTCOME_CANCELLED:
      s->cancelled++;
      break;
    case APNS_OUTCOME_FAILED:
      CHECK(apns_outcome_error(o) == APNS_ERR_CLOSED);
      s->failed++;
      break;
    default:
      CHECK(!"unexpected outcome kind");
  }
}

static void on_mock_accepted(void *ctx, const char *start, const char *end) {
  struct seen *s = (struct seen *)ctx;
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N);
  s->in_mock[i] = 1;
}

int main(void) {
  static struct seen s;
  static const char *const extra[] = {"max_in_flight", "10", "error_timeout_ms", "600000",
                                      "queue_capacity", "65536", NULL};
  apns_mock *mock = NULL;
  apns_pusher *p = NULL;
  apns_notification *late;
  char *json;
  uint64_t i, cancelled = 0, unconfirmed = 0;
  size_t served = 0;
  double start, took;

  /* The mock holds error-responses (and so flush-marker answers) for 3 s: most stay queued. */
  CHECK_OK(apns_mock_new(&mock));
  CHECK_OK(apns_mock_set_error_delay_ms(mock, 3000));
  CHECK_OK(apns_mock_start(mock));
  p = pusher_for(mock, extra);

  for (i = 0; i < N; i++) CHECK_OK(apns_pusher_push_async(p, make_notification(i), &s.ids[i]));
  json = stats_json(p);
  CHECK(json_u64(json, "queued") > 0);
  free(json);

  start = now_seconds();
  CHECK_OK(apns_pusher_close(p, 500, &cancelled, &unconfirmed));
  took = now_seconds() - start;
  /* A hang check, not a speed test: close must come back on its own. */
  CHECK(took < 60.0);

  CHECK_OK(apns_pusher_poll(p, 0, on_outcome, &s, &served));
  CHECK(served == N);
  for (i = 0; i < N; i++) CHECK(s.outcomes[i] == 1);
  CHECK(s.accepted + s.cancelled + s.failed == N);
  CHECK(s.cancelled == cancelled && s.failed == unconfirmed);
  CHECK(s.cancelled > 0);
  json = stats_json(p);
  CHECK(json_u64(json, "cancelled") == cancelled);
  CHECK(json_u64(json, "failed") == unconfirmed);
  free(json);

  /* After close: pushes are refused and the caller keeps the notification. */
  late = make_notification(0);
  CHECK_RESULT(apns_pusher_push_async(p, late, NULL), APNS_ERR_CLOSED);
  apns_notification_destroy(late);
  apns_pusher_destroy(p);

  /* Every confirmed acceptance is in the mock's record. */
  CHECK_OK(apns_mock_stop(mock));
  json = read_json(mock, apns_mock_accepted_json);
  json_each_object(json, on_mock_accepted, &s);
  free(json);
  for (i = 0; i < N; i++) CHECK(!s.confirmed[i] || s.in_mock[i]);
  apns_mock_destroy(mock);
  printf("scenario f: close(500 ms) took %.0f ms; %" PRIu64 " accepted, %" PRIu64
         " cancelled, %" PRIu64 " failed (CLOSED) = %d\n",
         took * 1000, s.accepted, s.cancelled, s.failed, N);
  return 0;
}

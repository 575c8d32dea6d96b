/* Scenario b: 20,000 notifications with 20 bad tokens spread through. Exactly those 20 are
 * rejected with status 8, the other 19,980 accepted, none lost: asserted against the reported
 * outcomes (served to a callback by apns_pusher_ensure_delivery) and the mock's record. */
#include "common.h"

#define N 20000
#define BAD 20

static int is_bad(uint64_t i) { return i >= 500 && (i - 500) % 997 == 0 && (i - 500) / 997 < BAD; }

struct seen {
  uint64_t ids[N];
  int outcomes[N];
  uint64_t accepted, rejected, failed_listed;
  int mock_accepted[N];
  int mock_rejected[N];
};

static void on_outcome(void *userdata, const apns_outcome *o) {
  struct seen *s = (struct seen *)userdata;
  uint64_t i = ptr_index(apns_outcome_user_data(o));
  char hex[65];
  CHECK(i < N);
  CHECK(apns_outcome_id(o) == s->ids[i]);
  token_hex(i, hex);
  CHECK(strcmp(apns_outcome_token_hex(o), hex) == 0);
  s->outcomes[i]++;
  if (is_bad(i)) {
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED);
    CHECK(apns_outcome_status(o) == 8);
    CHECK(apns_outcome_error(o) == APNS_OK);
    CHECK(strcmp(apns_outcome_reason(o), "Invalid token") == 0);
    s->rejected++;
  } else {
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
    s->accepted++;
  }
}

static void on_failed(void *userdata, const apns_outcome *o) {
  struct seen *s = (struct seen *)userdata;
  CHECK(is_bad(ptr_index(apns_outcome_user_data(o))));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED);
  s->failed_listed++;
}

static void on_mock_accepted(void *ctx, const char *start, const char *end) {
  struct seen *s = (struct seen *)ctx;
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N);
  CHECK(json_field_u64(start, end, "identifier") == (uint32_t)s->ids[i]);
  s->mock_accepted[i]++;
}

static void on_mock_rejected(void *ctx, const char *start, const char *end) {
  struct seen *s = (struct seen *)ctx;
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N);
  CHECK(json_field_u64(start, end, "status") == 8);
  s->mock_rejected[i]++;
}

int main(void) {
  static struct seen s;
  apns_mock *mock = NULL;
  apns_pusher *p = NULL;
  char hex[65], *json;
  size_t served = 99;
  uint64_t i, bad = 0;

  CHECK_OK(apns_mock_new(&mock));
  for (i = 0; i < N; i++) {
    if (is_bad(i)) {
      token_hex(i, hex);
      CHECK_OK(apns_mock_reject_token(mock, hex, 8));
      bad++;
    }
  }
  CHECK(bad == BAD);
  CHECK_OK(apns_mock_start(mock));
  p = pusher_for(mock, NULL);

  for (i = 0; i < N; i++) CHECK_OK(apns_pusher_push_async(p, make_notification(i), &s.ids[i]));
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, on_outcome, &s));
  CHECK_OK(apns_pusher_poll(p, 0, on_outcome, &s, &served));
  CHECK(served == 0);

  for (i = 0; i < N; i++) CHECK(s.outcomes[i] == 1);
  CHECK(s.accepted == N - BAD && s.rejected == BAD);
  CHECK_OK(apns_pusher_failed_notifications(p, on_failed, &s, &served));
  CHECK(served == BAD && s.failed_listed == BAD);

  json = stats_json(p);
  CHECK(json_u64(json, "pushed") == N);
  CHECK(json_u64(json, "accepted") == N - BAD);
  CHECK(json_u64(json, "rejected") == BAD);
  CHECK(json_u64(json, "failed") == 0);
  free(json);
  apns_pusher_destroy(p);

  /* The mock's record: every good one exactly once under its id, every bad one rejected once. */
  CHECK(apns_mock_accepted_count(mock) == N - BAD);
  json = read_json(mock, apns_mock_accepted_json);
  json_each_object(json, on_mock_accepted, &s);
  free(json);
  json = read_json(mock, apns_mock_rejected_json);
  json_each_object(json, on_mock_rejected, &s);
  free(json);
  for (i = 0; i < N; i++) {
    CHECK(s.mock_accepted[i] == (is_bad(i) ? 0 : 1));
    CHECK(s.mock_rejected[i] == (is_bad(i) ? 1 : 0));
  }
  CHECK_OK(apns_mock_stop(mock));
  apns_mock_destroy(mock);
  printf("scenario b: %d pushed, %" PRIu64 " accepted, %" PRIu64 " rejected (status 8), none lost\n",
         N, s.accepted, s.rejected);
  return 0;
}

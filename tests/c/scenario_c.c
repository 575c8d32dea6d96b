/* Scenario c: the mock drops the connection after every 3,000 notifications. None is lost:
 * every id reached the mock at least once, every notification has exactly one outcome, and the
 * mock's duplicates are no more than the stats' duplicates_possible. */
#include "common.h"

#define N 20000

struct seen {
  uint64_t ids[N];
  int outcomes[N];
  uint64_t mock_records;
  int mock_by_index[N];
};

static void on_outcome(void *userdata, const apns_outcome *o) {
  struct seen *s = (struct seen *)userdata;
  uint64_t i = ptr_index(apns_outcome_user_data(o));
  CHECK(i < N);
  CHECK(apns_outcome_id(o) == s->ids[i]);
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
  s->outcomes[i]++;
}

static void on_mock_accepted(void *ctx, const char *start, const char *end) {
  struct seen *s = (struct seen *)ctx;
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N);
  CHECK(json_field_u64(start, end, "identifier") == (uint32_t)s->ids[i]);
  s->mock_by_index[i]++;
  s->mock_records++;
}

int main(void) {
  static struct seen s;
  apns_mock *mock = NULL;
  apns_pusher *p = NULL;
  char *json;
  uint64_t i, distinct = 0, duplicates, possible, losses;

  CHECK_OK(apns_mock_new(&mock));
  CHECK_OK(apns_mock_set_drop_after(mock, 3000));
  CHECK_OK(apns_mock_start(mock));
  p = pusher_for(mock, NULL);

  for (i = 0; i < N; i++) CHECK_OK(apns_pusher_push_async(p, make_notification(i), &s.ids[i]));
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, on_outcome, &s));
  for (i = 0; i < N; i++) CHECK(s.outcomes[i] == 1);

  json = stats_json(p);
  possible = json_u64(json, "duplicates_possible");
  losses = json_u64(json, "connection_losses");
  CHECK(json_u64(json, "accepted") == N);
  free(json);
  apns_pusher_destroy(p);

  json = read_json(mock, apns_mock_accepted_json);
  json_each_object(json, on_mock_accepted, &s);
  free(json);
  for (i = 0; i < N; i++) {
    CHECK(s.mock_by_index[i] >= 1);
    distinct++;
  }
  duplicates = s.mock_records - distinct;
  CHECK(duplicates <= possible);
  CHECK(losses >= 1);
  CHECK(apns_mock_connections(mock) >= 2);
  apns_mock_destroy(mock);
  printf("scenario c: %d accepted over %" PRIu64 " connection losses; mock duplicates %" PRIu64
         " <= duplicates_possible %" PRIu64 "\n",
         N, losses, duplicates, possible);
  return 0;
}

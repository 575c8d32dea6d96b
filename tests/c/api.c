/* The C API's contracts against the mock: error results and messages, the builder, outcome
 * accessors, callbacks on the caller's thread, ownership on failure, buffers, feedback, close,
 * the mock's life cycle, and HTTP/2. */
#include "common.h"

#include <math.h>
#include <pthread.h>

static pthread_t main_thread;

static void results(void) {
  size_t count = 0, i, j;
  const apns_result *all = apns_result_all(&count);
  CHECK(count == 20 && all[0] == APNS_OK && all[19] == APNS_ERR_REJECTED);
  for (i = 0; i < count; i++) {
    const char *name = apns_result_name((int)all[i]);
    CHECK(strncmp(name, "APNS_", 5) == 0);
    CHECK(strlen(apns_result_describe((int)all[i])) > 0);
    for (j = 0; j < i; j++) CHECK(strcmp(name, apns_result_name((int)all[j])) != 0);
  }
  CHECK(strcmp(apns_result_name(APNS_ERR_QUEUE_FULL), "APNS_ERR_QUEUE_FULL") == 0);
  CHECK(strcmp(apns_result_name(12345), "APNS_ERR_UNKNOWN") == 0);
  CHECK(strcmp(apns_outcome_kind_name(APNS_OUTCOME_REJECTED), "rejected") == 0);
}

static void conf_errors(void) {
  apns_conf *c = NULL;
  char err[256], tiny[8];
  CHECK_OK(apns_conf_new(&c));
  CHECK_RESULT(apns_conf_set(c, "no_such_key", "1", err, sizeof err), APNS_ERR_UNKNOWN_CONFIG_KEY);
  CHECK(strstr(err, "no_such_key") != NULL);
  CHECK_RESULT(apns_conf_set(c, "connections", "lots", err, sizeof err),
               APNS_ERR_INVALID_CONFIG_VALUE);
  CHECK(strstr(err, "connections") != NULL);
  memset(tiny, 'x', sizeof tiny);
  CHECK_RESULT(apns_conf_set(c, "connections", "lots", tiny, sizeof tiny),
               APNS_ERR_INVALID_CONFIG_VALUE);
  CHECK(strlen(tiny) == sizeof tiny - 1); /* truncated and NUL-terminated */
  CHECK_OK(apns_conf_set(c, "connections", "2", err, sizeof err));
  CHECK(err[0] == '\0');
  apns_conf_destroy(c);
}

static void notification_errors(void) {
  apns_notification *n = NULL;
  char hex[65], err[256], *big;
  uint8_t token[32];
  token_hex(1, hex);
  CHECK_RESULT(apns_notification_new("zz", "{}", &n, err, sizeof err), APNS_ERR_BAD_TOKEN);
  CHECK(strlen(err) > 0);
  CHECK_RESULT(apns_notification_new("abcd", "{}", &n, err, sizeof err), APNS_ERR_BAD_TOKEN);
  CHECK_RESULT(apns_notification_new(hex, "[1]", &n, err, sizeof err), APNS_ERR_INVALID_JSON);
  CHECK_RESULT(apns_notification_new(hex, "{\"a\":", &n, err, sizeof err), APNS_ERR_INVALID_JSON);
  big = (char *)malloc(5000);
  CHECK(big != NULL);
  memset(big, 'a', 5000);
  memcpy(big, "{\"a\":\"", 6);
  memcpy(big + 4997, "\"}", 3);
  CHECK_RESULT(apns_notification_new(hex, big, &n, err, sizeof err), APNS_ERR_PAYLOAD_TOO_LARGE);
  free(big);
  CHECK(n == NULL);
  memset(token, 7, sizeof token);
  CHECK_RESULT(apns_notification_new_bytes(token, 3, (const uint8_t *)"{}", 2, &n, NULL, 0),
               APNS_ERR_BAD_TOKEN);
  CHECK_OK(apns_notification_new_bytes(token, sizeof token, (const uint8_t *)"{}", 2, &n, NULL, 0));
  apns_notification_destroy(n);
}

static apns_mock *started_mock(const char *reject_hex) {
  apns_mock *m = NULL;
  CHECK_OK(apns_mock_new(&m));
  if (reject_hex != NULL) CHECK_OK(apns_mock_reject_token(m, reject_hex, 8));
  CHECK_OK(apns_mock_start(m));
  CHECK(apns_mock_port(m) != 0);
  return m;
}

static void builder_payload_reaches_the_mock(void) {
  apns_mock *m = started_mock(NULL);
  apns_pusher *p = pusher_for(m, NULL);
  apns_notification_builder *b = NULL;
  apns_notification *n = NULL;
  apns_outcome *o = NULL;
  char hex[65], hex43[65], err[256], *json;
  const char *const two[] = {"one", "two"};
  token_hex(42, hex);
  CHECK_OK(apns_notification_builder_new(&b));
  CHECK_OK(apns_notification_builder_set_token_hex(b, hex));
  CHECK_OK(apns_notification_builder_set_alert_title(b, "Title"));
  CHECK_OK(apns_notification_builder_set_alert_body(b, "Body"));
  CHECK_OK(apns_notification_builder_set_badge(b, 3));
  CHECK_OK(apns_notification_builder_set_sound(b, "ping.aiff"));
  CHECK_OK(apns_notification_builder_set_category(b, "CAT"));
  CHECK_OK(apns_notification_builder_set_thread_id(b, "th"));
  CHECK_OK(apns_notification_builder_set_content_available(b, true));
  CHECK_OK(apns_notification_builder_set_mutable_content(b, true));
  CHECK_OK(apns_notification_builder_set_custom_json(b, "acme", "{\"k\":[1,2]}"));
  CHECK_OK(apns_notification_builder_set_priority(b, 5));
  CHECK_OK(apns_notification_builder_set_topic(b, "com.example.app"));
  CHECK_OK(apns_notification_builder_set_push_type(b, "alert"));
  CHECK_OK(apns_notification_builder_set_collapse_id(b, "c1"));
  CHECK_OK(apns_notification_builder_set_apns_id(b, "123e4567-e89b-12d3-a456-426614174000"));
  CHECK_OK(apns_notification_builder_set_user_data(b, index_ptr(42)));
  CHECK_OK(apns_notification_builder_build(b, &n, err, sizeof err));
  CHECK_OK(apns_pusher_ensure_push(p, n, WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED && ptr_index(apns_outcome_user_data(o)) == 42);
  apns_outcome_destroy(o);

  /* The builder stays usable; invalid fields are reported by build. */
  CHECK_OK(apns_notification_builder_set_priority(b, 7));
  n = NULL;
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "priority") != NULL);
  CHECK_OK(apns_notification_builder_set_priority(b, 10));
  CHECK_OK(apns_notification_builder_set_custom_json(b, "bad", "{nope"));
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_JSON);
  apns_notification_builder_destroy(b);

  /* A complete payload together with the fields it is built from is refused, naming them. */
  CHECK_OK(apns_notification_builder_new(&b));
  CHECK_OK(apns_notification_builder_set_token_hex(b, hex));
  CHECK_OK(apns_notification_builder_set_badge(b, 1));
  CHECK_OK(apns_notification_builder_set_payload_json(b, "{\"aps\":{}}"));
  n = NULL;
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "badge") != NULL);
  apns_notification_builder_destroy(b);

  /* Every other aps field, under Apple's key names. */
  CHECK_OK(apns_notification_builder_new(&b));
  token_hex(43, hex43);
  CHECK_OK(apns_notification_builder_set_token_hex(b, hex43));
  CHECK_OK(apns_notification_builder_set_alert_subtitle(b, "S"));
  CHECK_OK(apns_notification_builder_set_alert_launch_image(b, "launch.png"));
  CHECK_OK(apns_notification_builder_set_alert_title_loc_key(b, "TK"));
  CHECK_OK(apns_notification_builder_set_alert_title_loc_args(b, two, 2));
  CHECK_OK(apns_notification_builder_set_alert_subtitle_loc_key(b, "SK"));
  CHECK_OK(apns_notification_builder_set_alert_subtitle_loc_args(b, NULL, 0));
  CHECK_OK(apns_notification_builder_set_alert_loc_key(b, "LK"));
  CHECK_OK(apns_notification_builder_set_alert_loc_args(b, two, 1));
  CHECK_OK(apns_notification_builder_set_sound(b, "replaced.aiff"));
  CHECK_OK(apns_notification_builder_set_sound_critical(b, "siren.caf", 0.75));
  CHECK_OK(apns_notification_builder_set_target_content_id(b, "window-1"));
  CHECK_OK(apns_notification_builder_set_interruption_level(b, "time-sensitive"));
  CHECK_OK(apns_notification_builder_set_relevance_score(b, 0.5));
  CHECK_OK(apns_notification_builder_set_filter_criteria(b, "work"));
  CHECK_OK(apns_notification_builder_set_url_args(b, two, 2));
  CHECK_OK(apns_notification_builder_build(b, &n, err, sizeof err));
  CHECK_OK(apns_pusher_ensure_push(p, n, WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
  apns_outcome_destroy(o);
  /* Out-of-range values are refused at build, naming the field. */
  CHECK_OK(apns_notification_builder_set_relevance_score(b, 1.5));
  n = NULL;
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "relevance-score") != NULL);
  apns_notification_builder_destroy(b);
  CHECK_OK(apns_notification_builder_new(&b));
  CHECK_OK(apns_notification_builder_set_token_hex(b, hex43));
  CHECK_OK(apns_notification_builder_set_sound_critical(b, "siren.caf", NAN));
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "sound volume") != NULL);
  apns_notification_builder_destroy(b);

  json = read_json(m, apns_mock_accepted_json);
  CHECK(strstr(json, "\\\"title\\\":\\\"Title\\\"") != NULL);
  CHECK(strstr(json, "\\\"body\\\":\\\"Body\\\"") != NULL);
  CHECK(strstr(json, "\\\"badge\\\":3") != NULL);
  CHECK(strstr(json, "\\\"sound\\\":\\\"ping.aiff\\\"") != NULL);
  CHECK(strstr(json, "\\\"category\\\":\\\"CAT\\\"") != NULL);
  CHECK(strstr(json, "\\\"thread-id\\\":\\\"th\\\"") != NULL);
  CHECK(strstr(json, "\\\"content-available\\\":1") != NULL);
  CHECK(strstr(json, "\\\"mutable-content\\\":1") != NULL);
  CHECK(strstr(json, "\\\"acme\\\":{\\\"k\\\":[1,2]}") != NULL);
  CHECK(strstr(json, hex) != NULL);
  CHECK(strstr(json, hex43) != NULL);
  CHECK(strstr(json, "\"{\\\"aps\\\":{\\\"alert\\\":{\\\"launch-image\\\":\\\"launch.png\\\","
                     "\\\"loc-args\\\":[\\\"one\\\"],\\\"loc-key\\\":\\\"LK\\\","
                     "\\\"subtitle\\\":\\\"S\\\",\\\"subtitle-loc-args\\\":[],"
                     "\\\"subtitle-loc-key\\\":\\\"SK\\\","
                     "\\\"title-loc-args\\\":[\\\"one\\\",\\\"two\\\"],"
                     "\\\"title-loc-key\\\":\\\"TK\\\"},"
                     "\\\"filter-criteria\\\":\\\"work\\\","
                     "\\\"interruption-level\\\":\\\"time-sensitive\\\","
                     "\\\"relevance-score\\\":0.5,"
                     "\\\"sound\\\":{\\\"critical\\\":1,\\\"name\\\":\\\"siren.caf\\\","
                     "\\\"volume\\\":0.75},\\\"target-content-id\\\":\\\"window-1\\\","
                     "\\\"url-args\\\":[\\\"one\\\",\\\"two\\\"]}}\"") != NULL);
  free(json);
  apns_pusher_destroy(p);
  apns_mock_destroy(m);
}

/* A Live Activity update over HTTP/2: Apple's keys in the payload, push type liveactivity and
 * the suffixed topic on the wire; Apple's rules refused at build naming the field. */
static void live_activity_reaches_the_mock(void) {
  apns_mock *m = NULL;
  apns_pusher *p;
  apns_notification_builder *b = NULL;
  apns_notification *n = NULL;
  apns_outcome *o = NULL;
  char hex[65], err[256], *json;
  const char *const topic[] = {"topic", "com.example.app", NULL};
  token_hex(7, hex);
  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_set_record_payloads(m, true));
  CHECK_OK(apns_mock_start(m));
  p = pusher_for(m, topic);
  CHECK_OK(apns_notification_builder_new(&b));
  CHECK_OK(apns_notification_builder_set_token_hex(b, hex));
  CHECK_OK(apns_notification_builder_set_event(b, "update"));
  CHECK_OK(apns_notification_builder_set_content_state_json(b, "{\"score\":\"2-1\"}"));
  CHECK_OK(apns_notification_builder_set_stale_date(b, 1700000600));
  CHECK_OK(apns_notification_builder_set_relevance_score(b, 75.0));
  /* No timestamp yet: refused, naming it. */
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "timestamp") != NULL);
  CHECK_OK(apns_notification_builder_set_timestamp(b, 1700000000));
  CHECK_OK(apns_notification_builder_build(b, &n, err, sizeof err));
  CHECK_OK(apns_pusher_ensure_push(p, n, WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED && apns_outcome_channel_id(o) == NULL);
  apns_outcome_destroy(o);
  /* Attributes belong to a start; a token and a channel are exclusive. */
  n = NULL;
  CHECK_OK(apns_notification_builder_set_attributes_type(b, "MatchAttributes"));
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "attributes-type") != NULL);
  CHECK_OK(apns_notification_builder_set_event(b, "start"));
  CHECK_OK(apns_notification_builder_set_attributes_json(b, "[1]"));
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "attributes") != NULL);
  CHECK_OK(apns_notification_builder_set_channel_id(b, "dHN0LXNyY2gtY2hubA=="));
  CHECK_RESULT(apns_notification_builder_build(b, &n, err, sizeof err), APNS_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL && strstr(err, "channel id") != NULL);
  CHECK_RESULT(apns_notification_builder_set_dismissal_date(NULL, 1), APNS_ERR_NULL_PARAMETER);
  CHECK_RESULT(apns_notification_builder_set_event(b, NULL), APNS_ERR_NULL_PARAMETER);
  apns_notification_builder_destroy(b);
  apns_pusher_destroy(p);
  json = read_json(m, apns_mock_http2_requests_json);
  CHECK(strstr(json, "\"push_type\":\"liveactivity\"") != NULL);
  CHECK(strstr(json, "\"topic\":\"com.example.app.push-type.liveactivity\"") != NULL);
  free(json);
  json = read_json(m, apns_mock_accepted_json);
  CHECK(strstr(json, "{\\\"aps\\\":{\\\"content-state\\\":{\\\"score\\\":\\\"2-1\\\"},"
                     "\\\"event\\\":\\\"update\\\",\\\"relevance-score\\\":75.0,"
                     "\\\"stale-date\\\":1700000600,\\\"timestamp\\\":1700000000}}") != NULL);
  free(json);
  apns_mock_destroy(m);
}

struct served {
  uint64_t count, ids[8];
};

static void on_outcome(void *userdata, const apns_outcome *o) {
  struct served *s = (struct served *)userdata;
  CHECK(pthread_equal(pthread_self(), main_thread));
  CHECK(s->count < 8);
  s->ids[s->count++] = apns_outcome_id(o);
}

static void verbs_and_outcomes(void) {
  char good[65], bad[65], stats[8];
  apns_mock *m;
  apns_pusher *p;
  apns_outcome *o = NULL;
  apns_notification *n;
  uint8_t token[40];
  size_t len = 0, count = 0;
  uint64_t ts = 0, id = 0, cancelled = 7, unconfirmed = 7;
  struct served s;
  memset(&s, 0, sizeof s);
  token_hex(1, good);
  token_hex(2, bad);
  m = started_mock(bad);
  p = pusher_for(m, NULL);

  /* ensure_push: accepted, confirmed, with every accessor. */
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(1), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED && apns_outcome_confirmed(o));
  CHECK(apns_outcome_id(o) >= 1 && apns_outcome_attempts(o) >= 1);
  CHECK(apns_outcome_status(o) == 0 && apns_outcome_error(o) == APNS_OK);
  CHECK(ptr_index(apns_outcome_user_data(o)) == 1);
  CHECK(strcmp(apns_outcome_token_hex(o), good) == 0);
  CHECK(apns_outcome_apns_id(o) == NULL && !apns_outcome_timestamp(o, &ts));
  CHECK(apns_outcome_reason(o) != NULL);
  CHECK_RESULT(apns_outcome_token(o, token, 8, &len), APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
  CHECK_OK(apns_outcome_token(o, token, sizeof token, &len));
  CHECK(len == 32 && token[7] == 1 && token[8] == 0xa5);
  apns_outcome_destroy(o);

  /* ensure_push: rejected with status 8. */
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(2), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED && apns_outcome_status(o) == 8);
  CHECK(strcmp(apns_outcome_token_hex(o), bad) == 0);
  apns_outcome_destroy(o);

  /* push waits until written; ensure_delivery without a callback keeps the reports for poll,
   * and poll serves them on this thread. */
  CHECK_OK(apns_pusher_push(p, make_notification(3), WAIT_MS, &id));
  CHECK(apns_pusher_last_id(p) == id);
  CHECK_OK(apns_pusher_ensure_delivery_through(p, id, WAIT_MS, NULL, NULL));
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, NULL, NULL));
  CHECK_OK(apns_pusher_poll(p, 100, on_outcome, &s, &count));
  CHECK(count == 3 && s.count == 3 && s.ids[2] == id);
  CHECK_OK(apns_pusher_failed_notifications(p, NULL, NULL, &count));
  CHECK(count == 1);

  /* Background (inferred from content-available alone) refuses priority 10 at build. */
  {
    char why[256];
    apns_notification_builder *bg = NULL;
    CHECK_OK(apns_notification_builder_new(&bg));
    CHECK_OK(apns_notification_builder_set_token_hex(bg, good));
    CHECK_OK(apns_notification_builder_set_content_available(bg, true));
    CHECK_OK(apns_notification_builder_set_priority(bg, 10));
    n = NULL;
    CHECK_RESULT(apns_notification_builder_build(bg, &n, why, sizeof why), APNS_ERR_INVALID_ARGUMENT);
    CHECK(n == NULL && strstr(why, "background") != NULL);
    CHECK_OK(apns_notification_builder_set_priority(bg, 5));
    CHECK_OK(apns_notification_builder_build(bg, &n, why, sizeof why));
    apns_notification_destroy(n);
    apns_notification_builder_destroy(bg);
  }

  /* An expired notification is never sent. */
  {
    apns_notification_builder *b = NULL;
    CHECK_OK(apns_notification_builder_new(&b));
    CHECK_OK(apns_notification_builder_set_token_hex(b, good));
    CHECK_OK(apns_notification_builder_set_payload_json(b, "{}"));
    CHECK_OK(apns_notification_builder_set_expiry(b, 1000));
    CHECK_OK(apns_notification_builder_build(b, &n, NULL, 0));
    apns_notification_builder_destroy(b);
    CHECK_OK(apns_pusher_ensure_push(p, n, WAIT_MS, &o));
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_EXPIRED);
    apns_outcome_destroy(o);
  }

  /* A stats buffer that is too small is left untouched. */
  memset(stats, 'z', sizeof stats);
  CHECK_RESULT(apns_pusher_stats_json(p, stats, sizeof stats, &len), APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(len > sizeof stats && stats[0] == 'z');

  /* The stats JSON has exactly the core's fields: each listed name is a key, and there are as
   * many keys as names. */
  {
    char fields[2048], all[4096];
    const char *q;
    size_t names = 0, keys = 0;
    CHECK_OK(apns_stats_fields_json(fields, sizeof fields, NULL));
    CHECK_OK(apns_pusher_stats_json(p, all, sizeof all, NULL));
    for (q = strchr(fields, '"'); q != NULL; q = strchr(q + 1, '"')) {
      char key[80];
      const char *end = strchr(q + 1, '"');
      CHECK(end != NULL && (size_t)(end - q) < sizeof key - 2);
      snprintf(key, sizeof key, "%.*s:", (int)(end - q + 1), q);
      CHECK(strstr(all, key) != NULL);
      names++;
      q = end;
    }
    for (q = all; (q = strstr(q, "\":")) != NULL; q += 2) keys++;
    CHECK(names > 20 && names == keys);
  }

  /* close: a second call does nothing; later pushes are refused and the caller keeps n. */
  CHECK_OK(apns_pusher_close(p, 5000, &cancelled, &unconfirmed));
  CHECK(cancelled == 0 && unconfirmed == 0);
  CHECK_OK(apns_pusher_close(p, 5000, NULL, NULL));
  n = make_notification(4);
  CHECK_RESULT(apns_pusher_push_async(p, n, &id), APNS_ERR_CLOSED);
  CHECK_RESULT(apns_pusher_ensure_push(p, n, 10, &o), APNS_ERR_CLOSED);
  apns_notification_destroy(n);
  apns_pusher_destroy(p);
  CHECK(apns_mock_accepted_count(m) == 2);
  apns_mock_destroy(m);
}

static void queue_full_leaves_the_notification_with_the_caller(void) {
  /* One in flight (never presumed accepted: huge error window) and a queue of one: the third
   * push finds the queue full. */
  static const char *const extra[] = {"max_in_flight", "1",          "queue_capacity", "1",
                                      "block_when_full", "false", "error_timeout_ms", "600000",
                                      NULL};
  apns_mock *m = started_mock(NULL);
  apns_pusher *p = pusher_for(m, extra);
  apns_notification *n;
  uint64_t i, id;
  apns_result r = APNS_OK;
  for (i = 0; i < 1000 && r == APNS_OK; i++) {
    n = make_notification(i);
    r = apns_pusher_push_async(p, n, &id);
    if (r != APNS_OK) {
      CHECK(r == APNS_ERR_QUEUE_FULL);
      CHECK_OK(apns_notification_set_user_data(n, NULL)); /* still ours */
      apns_notification_destroy(n);
    }
  }
  CHECK(r == APNS_ERR_QUEUE_FULL);
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, NULL, NULL));
  CHECK(apns_mock_accepted_count(m) == i - 1);
  apns_pusher_destroy(p);
  apns_mock_destroy(m);
}

static void push_async_timeout_gives_the_notification_back(void) {
  /* A gateway that answers only the first request, and a queue of one: a push waits at most
   * its timeout for room, then QUEUE_FULL leaves the notification with the caller, never
   * queued. */
  apns_mock *m = NULL;
  apns_pusher *p;
  apns_notification *n;
  apns_result r = APNS_OK;
  uint64_t i, id, queued = 0;
  char stats[4096];
  static const char *const extra[] = {"queue_capacity", "1", NULL};
  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_set_stall_after(m, 1));
  CHECK_OK(apns_mock_start(m));
  p = pusher_for(m, extra);
  n = make_notification(0);
  CHECK_RESULT(apns_pusher_push_async_timeout(p, n, -1, &id), APNS_ERR_INVALID_ARGUMENT);
  for (i = 0; i < 100000 && r == APNS_OK; i++) {
    r = apns_pusher_push_async_timeout(p, n, 20, &id);
    if (r == APNS_OK) {
      queued++;
      n = make_notification(i + 1);
    }
  }
  CHECK(r == APNS_ERR_QUEUE_FULL);
  CHECK_OK(apns_notification_set_user_data(n, NULL)); /* still ours */
  apns_notification_destroy(n);
  CHECK_OK(apns_pusher_stats_json(p, stats, sizeof stats, NULL));
  {
    char want[64];
    snprintf(want, sizeof want, "\"pushed\":%" PRIu64 ",", queued);
    CHECK(strstr(stats, want) != NULL);
  }
  CHECK_OK(apns_pusher_close(p, 100, NULL, NULL));
  apns_pusher_destroy(p);
  CHECK(apns_mock_accepted_count(m) <= 1);
  apns_mock_destroy(m);
}

struct tuples {
  int count;
  uint32_t timestamps[4];
  uint64_t indexes[4];
};

static void on_tuple(void *userdata, uint32_t timestamp, const uint8_t *token, size_t len) {
  struct tuples *t = (struct tuples *)userdata;
  uint64_t i = 0;
  int k;
  CHECK(pthread_equal(pthread_self(), main_thread));
  CHECK(len == 32 && t->count < 4);
  for (k = 0; k < 8; k++) i = (i << 8) | token[k];
  t->timestamps[t->count] = timestamp;
  t->indexes[t->count++] = i;
}

static void feedback_and_mock_life_cycle(void) {
  apns_mock *m = NULL;
  apns_conf *c = NULL;
  struct tuples t;
  char hex[65], err[256];
  memset(&t, 0, sizeof t);
  CHECK_OK(apns_mock_new(&m));
  CHECK(apns_mock_port(m) == 0);
  CHECK_RESULT(apns_mock_accepted_json(m, NULL, 0, NULL), APNS_ERR_INVALID_ARGUMENT);
  CHECK_OK(apns_conf_new(&c));
  CHECK_RESULT(apns_mock_config_apply(m, c), APNS_ERR_INVALID_ARGUMENT);
  CHECK_RESULT(apns_mock_set_protocol(m, "smtp"), APNS_ERR_INVALID_ARGUMENT);
  CHECK_RESULT(apns_mock_add_feedback(m, 1, "xyz"), APNS_ERR_BAD_TOKEN);
  token_hex(5, hex);
  CHECK_OK(apns_mock_add_feedback(m, 1700000000u, hex));
  token_hex(6, hex);
  CHECK_OK(apns_mock_add_feedback(m, 1700000001u, hex));
  CHECK_OK(apns_mock_set_close_silently_after(m, 0));
  CHECK_OK(apns_mock_set_shutdown_after(m, 0));
  CHECK_OK(apns_mock_set_require_client_cert(m, true));
  CHECK_OK(apns_mock_start(m));
  CHECK(apns_mock_feedback_port(m) != 0 && apns_mock_feedback_port(m) != apns_mock_port(m));
  CHECK_RESULT(apns_mock_start(m), APNS_ERR_INVALID_ARGUMENT);
  CHECK_RESULT(apns_mock_set_drop_after(m, 5), APNS_ERR_INVALID_ARGUMENT);
  CHECK_OK(apns_mock_config_apply(m, c));

  CHECK_OK(apns_feedback_fetch(c, on_tuple, &t, err, sizeof err));
  CHECK(t.count == 2);
  CHECK(t.timestamps[0] == 1700000000u && t.indexes[0] == 5);
  CHECK(t.timestamps[1] == 1700000001u && t.indexes[1] == 6);
  CHECK_OK(apns_feedback_fetch(c, on_tuple, &t, err, sizeof err)); /* served once */
  CHECK(t.count == 2);

  CHECK_RESULT(apns_mock_wait_accepted(m, 1, 20), APNS_ERR_TIMEOUT);
  CHECK_OK(apns_mock_clear(m));
  CHECK_OK(apns_mock_stop(m));
  CHECK_OK(apns_mock_stop(m));
  CHECK(apns_mock_port(m) == 0);
  CHECK_RESULT(apns_mock_reject_token(m, hex, 8), APNS_ERR_CLOSED);
  CHECK_RESULT(apns_mock_config_apply(m, c), APNS_ERR_CLOSED);
  CHECK_RESULT(apns_mock_start(m), APNS_ERR_CLOSED);
  apns_conf_destroy(c);
  apns_mock_destroy(m);
}

static void connect_failure_is_reported(void) {
  apns_conf *c = NULL;
  apns_pusher *p = NULL;
  char err[256];
  CHECK_OK(apns_conf_new(&c));
  conf_set(c, "protocol", "binary");
  conf_set(c, "host", "127.0.0.1");
  conf_set(c, "port", "1");
  conf_set(c, "connect_timeout_ms", "2000");
  CHECK_RESULT(apns_pusher_new(c, &p, err, sizeof err), APNS_ERR_CONNECT);
  CHECK(p == NULL && strlen(err) > 0);
  apns_conf_destroy(c);
}

static void http2_mock(void) {
  apns_mock *m = NULL;
  apns_pusher *p;
  apns_outcome *o = NULL;
  char bad[65], *json;
  token_hex(2, bad);
  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_reject_token(m, bad, 8));
  CHECK_OK(apns_mock_start(m));
  p = pusher_for(m, NULL);
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(1), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED && apns_outcome_confirmed(o));
  CHECK(apns_outcome_apns_id(o) != NULL && strlen(apns_outcome_apns_id(o)) == 36);
  apns_outcome_destroy(o);
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(2), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED && apns_outcome_status(o) == 400);
  CHECK(strcmp(apns_outcome_reason(o), "BadDeviceToken") == 0);
  apns_outcome_destroy(o);
  apns_pusher_destroy(p);
  json = read_json(m, apns_mock_rejected_json);
  CHECK(strstr(json, "\"reason\":\"BadDeviceToken\"") != NULL && strstr(json, bad) != NULL);
  free(json);
  CHECK(apns_mock_accepted_count(m) == 1);
  apns_mock_destroy(m);
}

/* HTTP/2 knobs: token auth, each token expired after 2 uses, the connection silent after 4
 * requests. */
static void http2_mock_knobs(void) {
  apns_mock *m = NULL;
  apns_pusher *p;
  apns_outcome *o = NULL;
  uint64_t i, id = 0;
  char *json = NULL;
  const char *const refresh_at_once[] = {"token_min_interval_ms", "0", NULL};
  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_set_token_auth(m, true));
  CHECK_OK(apns_mock_set_expire_token_after(m, 2));
  CHECK_OK(apns_mock_set_stall_after(m, 4));
  CHECK_OK(apns_mock_start(m));
  CHECK_RESULT(apns_mock_set_stall_after(m, 1), APNS_ERR_INVALID_ARGUMENT);
  CHECK_RESULT(apns_mock_set_expire_token_after(m, 1), APNS_ERR_INVALID_ARGUMENT);
  CHECK_RESULT(apns_mock_set_token_auth(m, false), APNS_ERR_INVALID_ARGUMENT);
  p = pusher_for(m, refresh_at_once);
  /* Requests: 1 and 2 with the first token, 3 with it (expired), 3 again with a new one. */
  for (i = 1; i <= 3; i++) {
    CHECK_OK(apns_pusher_ensure_push(p, make_notification(i), WAIT_MS, &o));
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
    apns_outcome_destroy(o);
  }
  CHECK(apns_mock_tokens_seen(m) == 2);
  json = read_json(m, apns_mock_rejected_json);
  CHECK(strstr(json, "\"reason\":\"ExpiredProviderToken\"") != NULL);
  free(json);
  json = NULL;
  /* The fifth request on the connection is received but never answered. */
  CHECK_OK(apns_pusher_push(p, make_notification(4), WAIT_MS, &id));
  for (i = 0; i < WAIT_MS / 10; i++) {
    CHECK_RESULT(apns_mock_wait_accepted(m, 4, 10), APNS_ERR_TIMEOUT);
    free(json);
    json = read_json(m, apns_mock_requests_json);
    if (strcmp(json, "[{\"connection\":1,\"requests\":5}]") == 0) break;
  }
  CHECK(strcmp(json, "[{\"connection\":1,\"requests\":5}]") == 0);
  free(json);
  CHECK_OK(apns_pusher_close(p, 100, NULL, NULL));
  apns_pusher_destroy(p);
  CHECK(apns_mock_accepted_count(m) == 3);
  apns_mock_destroy(m);
}

int main(void) {
  main_thread = pthread_self();
  results();
  conf_errors();
  notification_errors();
  builder_payload_reaches_the_mock();
  live_activity_reaches_the_mock();
  verbs_and_outcomes();
  queue_full_leaves_the_notification_with_the_caller();
  push_async_timeout_gives_the_notification_back();
  feedback_and_mock_life_cycle();
  connect_failure_is_reported();
  http2_mock();
  http2_mock_knobs();
  printf("api: results, conf, notifications, builder, verbs, outcomes, queue full, deadline push, feedback, "
         "mock life cycle, connect failure, HTTP/2, HTTP/2 mock knobs: ok\n");
  return 0;
}

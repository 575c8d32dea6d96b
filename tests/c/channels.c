/* Broadcast channel management through the C API against the HTTP/2 mock (token auth, a
 * limit of 3 channels): create with both policies, a Live Activity update broadcast on one and
 * refused on a deleted one, read back, list, delete, a read after the
 * delete refused APNS_ERR_REJECTED with Apple's reason and status, the limit refused with
 * CannotCreateChannelConfig, a bad policy and a short id buffer refused before anything is
 * sent, and what the mock's registry (apns_mock_channels_json) holds at the end. */
#include "common.h"

static void expect_in(const char *haystack, const char *needle) {
  if (strstr(haystack, needle) == NULL) {
    fprintf(stderr, "expected %s in %s\n", needle, haystack);
    exit(1);
  }
}

/* Broadcasts a Live Activity update on `channel`; returns the outcome (owned by the caller). */
static apns_outcome *broadcast(apns_pusher *p, const char *channel) {
  apns_notification_builder *nb = NULL;
  apns_notification *n = NULL;
  apns_outcome *o = NULL;
  char err[256];
  CHECK_OK(apns_notification_builder_new(&nb));
  CHECK_OK(apns_notification_builder_set_channel_id(nb, channel));
  CHECK_OK(apns_notification_builder_set_event(nb, "update"));
  CHECK_OK(apns_notification_builder_set_timestamp(nb, 1700000000));
  CHECK_OK(apns_notification_builder_set_content_state_json(nb, "{\"score\":\"1-0\"}"));
  CHECK_OK(apns_notification_builder_build(nb, &n, err, sizeof err));
  apns_notification_builder_destroy(nb);
  CHECK_OK(apns_pusher_ensure_push(p, n, WAIT_MS, &o));
  return o;
}

int main(void) {
  apns_mock *m = NULL;
  apns_conf *c = NULL;
  apns_channels *ch = NULL;
  char a[APNS_CHANNEL_ID_BUF], b[APNS_CHANNEL_ID_BUF], third[APNS_CHANNEL_ID_BUF];
  char small[8], json[4096], err[256], pattern[1024];
  size_t needed = 0;
  char *registry;
  apns_pusher *p;
  apns_outcome *o;

  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_set_token_auth(m, true));
  CHECK_RESULT(apns_mock_set_max_channels(m, 0), APNS_ERR_INVALID_ARGUMENT);
  CHECK_OK(apns_mock_set_max_channels(m, 3));
  CHECK_OK(apns_mock_start(m));
  CHECK(apns_mock_channel_port(m) != 0);
  CHECK_OK(apns_conf_new(&c));
  CHECK_OK(apns_mock_config_apply(m, c));
  CHECK_OK(apns_channels_new(c, &ch, err, sizeof err));
  CHECK(strcmp(err, "") == 0);

  /* Refused before anything is sent. */
  CHECK_RESULT(apns_channels_create(ch, 0, small, sizeof small, &needed, err, sizeof err),
               APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(needed == APNS_CHANNEL_ID_BUF);
  CHECK_RESULT(apns_channels_create(ch, 2, a, sizeof a, NULL, err, sizeof err),
               APNS_ERR_INVALID_ARGUMENT);
  expect_in(err, "policy");
  CHECK_RESULT(apns_channels_get(ch, "not base64!", json, sizeof json, NULL, err, sizeof err),
               APNS_ERR_INVALID_ARGUMENT);

  CHECK_OK(apns_channels_create(ch, 0, a, sizeof a, &needed, err, sizeof err));
  CHECK(needed == strlen(a) + 1 && strlen(a) > 0);
  CHECK_OK(apns_channels_create(ch, 1, b, sizeof b, NULL, NULL, 0));
  CHECK(strcmp(a, b) != 0);

  CHECK_OK(apns_channels_get(ch, b, json, sizeof json, NULL, err, sizeof err));
  expect_in(json, "\"message-storage-policy\":1");
  expect_in(json, "\"push-type\":\"LiveActivity\"");
  snprintf(pattern, sizeof pattern, "\"channel-id\":\"%s\"", b);
  expect_in(json, pattern);
  CHECK_RESULT(apns_channels_get(ch, a, small, sizeof small, &needed, NULL, 0),
               APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(needed > sizeof small);

  CHECK_OK(apns_channels_list(ch, json, sizeof json, &needed, NULL, 0));
  snprintf(pattern, sizeof pattern, "[\"%s\",\"%s\"]", a, b);
  CHECK(strcmp(json, pattern) == 0);

  /* A broadcast on b is accepted and names it; one on a deleted channel is refused. */
  p = pusher_for(m, NULL);
  o = broadcast(p, b);
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
  CHECK(strcmp(apns_outcome_channel_id(o), b) == 0 && strcmp(apns_outcome_token_hex(o), "") == 0);
  apns_outcome_destroy(o);
  CHECK_OK(apns_channels_delete(ch, a, err, sizeof err));
  o = broadcast(p, a);
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED);
  CHECK(strcmp(apns_outcome_reason(o), "ChannelNotRegistered") == 0);
  CHECK(strcmp(apns_outcome_channel_id(o), a) == 0);
  apns_outcome_destroy(o);
  apns_pusher_destroy(p);
  CHECK_RESULT(apns_channels_get(ch, a, json, sizeof json, NULL, err, sizeof err),
               APNS_ERR_REJECTED);
  CHECK(strcmp(err, "ChannelNotRegistered (status 404)") == 0);
  CHECK_RESULT(apns_channels_delete(ch, a, err, sizeof err), APNS_ERR_REJECTED);
  CHECK(strcmp(apns_result_name(APNS_ERR_REJECTED), "APNS_ERR_REJECTED") == 0);

  /* The limit: b plus two more, then refused. */
  CHECK_OK(apns_channels_create(ch, 0, third, sizeof third, NULL, NULL, 0));
  CHECK_OK(apns_channels_create(ch, 0, third, sizeof third, NULL, NULL, 0));
  CHECK_RESULT(apns_channels_create(ch, 0, third, sizeof third, NULL, err, sizeof err),
               APNS_ERR_REJECTED);
  CHECK(strcmp(err, "CannotCreateChannelConfig (status 400)") == 0);

  registry = read_json(m, apns_mock_channels_json);
  expect_in(registry, "\"limit\":3");
  snprintf(pattern, sizeof pattern, "\"broadcasts_per_channel\":{\"%s\":1}", b);
  expect_in(registry, pattern);
  snprintf(pattern, sizeof pattern, "\"deleted\":{\"com.example.mock\":[\"%s\"]}", a);
  expect_in(registry, pattern);
  snprintf(pattern, sizeof pattern, "\"channel-id\":\"%s\",\"message-storage-policy\":1", b);
  expect_in(registry, pattern);
  free(registry);

  CHECK_OK(apns_channels_close(ch));
  CHECK_OK(apns_channels_close(ch));
  CHECK_RESULT(apns_channels_list(ch, json, sizeof json, NULL, err, sizeof err), APNS_ERR_CLOSED);
  apns_channels_destroy(ch);
  apns_conf_destroy(c);
  CHECK_OK(apns_mock_stop(m));
  /* The record stays readable after stop. */
  registry = read_json(m, apns_mock_channels_json);
  expect_in(registry, "\"management_answers\"");
  free(registry);
  apns_mock_destroy(m);
  printf("channels: create, get, list, delete, refusals and the limit as the mock recorded\n");
  return 0;
}

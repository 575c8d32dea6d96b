/* Calls every exported function with NULL pointer arguments: none may crash; each returns
 * APNS_ERR_NULL_PARAMETER, or the NULL/0/false/no-op its documentation promises.
 * scripts/test-c.sh fails if a function declared in apns.h is not called here. */
#include "common.h"

#define NULL_PARAM(call) CHECK_RESULT(call, APNS_ERR_NULL_PARAMETER)

static void results_and_version(void) {
  size_t count = 0;
  CHECK(apns_result_all(NULL) == NULL);
  CHECK(apns_result_all(&count) != NULL && count > 0);
  CHECK(strcmp(apns_result_name(APNS_ERR_NULL_PARAMETER), "APNS_ERR_NULL_PARAMETER") == 0);
  CHECK(apns_result_describe(-1) != NULL);
  CHECK(apns_version() != NULL);
  CHECK(strcmp(apns_outcome_kind_name(-1), "none") == 0);
  NULL_PARAM(apns_stats_fields_json(NULL, 8, &count));
  CHECK_RESULT(apns_stats_fields_json(NULL, 0, &count), APNS_ERR_BUFFER_TOO_SMALL);
  CHECK(count > 2);
  NULL_PARAM(apns_outcome_fields_json(NULL, 8, &count));
  CHECK_RESULT(apns_outcome_fields_json(NULL, 0, NULL), APNS_ERR_BUFFER_TOO_SMALL);
}

static void conf(void) {
  apns_conf *c = NULL;
  char err[64];
  NULL_PARAM(apns_conf_new(NULL));
  NULL_PARAM(apns_conf_set(NULL, "connections", "2", err, sizeof err));
  CHECK_OK(apns_conf_new(&c));
  NULL_PARAM(apns_conf_set(c, NULL, "2", err, sizeof err));
  NULL_PARAM(apns_conf_set(c, "connections", NULL, NULL, 0));
  CHECK_OK(apns_conf_set(c, "connections", "2", NULL, 0)); /* errbuf is optional */
  apns_conf_destroy(NULL);
  apns_conf_destroy(c);
}

static void notification(void) {
  apns_notification *n = NULL;
  char hex[65];
  token_hex(1, hex);
  NULL_PARAM(apns_notification_new(NULL, "{}", &n, NULL, 0));
  NULL_PARAM(apns_notification_new(hex, NULL, &n, NULL, 0));
  NULL_PARAM(apns_notification_new(hex, "{}", NULL, NULL, 0));
  NULL_PARAM(apns_notification_new_bytes(NULL, 32, (const uint8_t *)"{}", 2, &n, NULL, 0));
  NULL_PARAM(apns_notification_new_bytes((const uint8_t *)hex, 32, NULL, 2, &n, NULL, 0));
  NULL_PARAM(apns_notification_new_bytes((const uint8_t *)hex, 32, (const uint8_t *)"{}", 2,
                                         NULL, NULL, 0));
  CHECK(n == NULL);
  NULL_PARAM(apns_notification_set_user_data(NULL, NULL));
  apns_notification_destroy(NULL);
}

static void builder(void) {
  apns_notification_builder *b = NULL;
  const char *const args[] = {"a"}, *const null_arg[] = {"a", NULL};
  apns_notification *n = NULL;
  const uint8_t token[32] = {0};
  NULL_PARAM(apns_notification_builder_new(NULL));
  NULL_PARAM(apns_notification_builder_set_token_hex(NULL, "00"));
  NULL_PARAM(apns_notification_builder_set_token(NULL, token, sizeof token));
  NULL_PARAM(apns_notification_builder_set_payload_json(NULL, "{}"));
  NULL_PARAM(apns_notification_builder_set_alert_title(NULL, "t"));
  NULL_PARAM(apns_notification_builder_set_alert_body(NULL, "b"));
  NULL_PARAM(apns_notification_builder_set_badge(NULL, 1));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle(NULL, "s"));
  NULL_PARAM(apns_notification_builder_set_alert_launch_image(NULL, "i"));
  NULL_PARAM(apns_notification_builder_set_alert_title_loc_key(NULL, "k"));
  NULL_PARAM(apns_notification_builder_set_alert_title_loc_args(NULL, args, 1));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle_loc_key(NULL, "k"));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle_loc_args(NULL, args, 1));
  NULL_PARAM(apns_notification_builder_set_alert_loc_key(NULL, "k"));
  NULL_PARAM(apns_notification_builder_set_alert_loc_args(NULL, args, 1));
  NULL_PARAM(apns_notification_builder_set_sound_critical(NULL, "s", 1.0));
  NULL_PARAM(apns_notification_builder_set_target_content_id(NULL, "t"));
  NULL_PARAM(apns_notification_builder_set_interruption_level(NULL, "active"));
  NULL_PARAM(apns_notification_builder_set_relevance_score(NULL, 0.5));
  NULL_PARAM(apns_notification_builder_set_filter_criteria(NULL, "f"));
  NULL_PARAM(apns_notification_builder_set_url_args(NULL, args, 1));
  NULL_PARAM(apns_notification_builder_set_channel_id(NULL, "dHN0"));
  NULL_PARAM(apns_notification_builder_set_event(NULL, "update"));
  NULL_PARAM(apns_notification_builder_set_content_state_json(NULL, "{}"));
  NULL_PARAM(apns_notification_builder_set_timestamp(NULL, 1));
  NULL_PARAM(apns_notification_builder_set_stale_date(NULL, 1));
  NULL_PARAM(apns_notification_builder_set_dismissal_date(NULL, 1));
  NULL_PARAM(apns_notification_builder_set_attributes_type(NULL, "A"));
  NULL_PARAM(apns_notification_builder_set_attributes_json(NULL, "{}"));
  NULL_PARAM(apns_notification_builder_set_sound(NULL, "s"));
  NULL_PARAM(apns_notification_builder_set_category(NULL, "c"));
  NULL_PARAM(apns_notification_builder_set_thread_id(NULL, "t"));
  NULL_PARAM(apns_notification_builder_set_content_available(NULL, true));
  NULL_PARAM(apns_notification_builder_set_mutable_content(NULL, true));
  NULL_PARAM(apns_notification_builder_set_custom_json(NULL, "k", "1"));
  NULL_PARAM(apns_notification_builder_set_expiry(NULL, 1));
  NULL_PARAM(apns_notification_builder_set_priority(NULL, 10));
  NULL_PARAM(apns_notification_builder_set_topic(NULL, "t"));
  NULL_PARAM(apns_notification_builder_set_push_type(NULL, "alert"));
  NULL_PARAM(apns_notification_builder_set_collapse_id(NULL, "c"));
  NULL_PARAM(apns_notification_builder_set_apns_id(NULL, "x"));
  NULL_PARAM(apns_notification_builder_set_user_data(NULL, NULL));
  NULL_PARAM(apns_notification_builder_build(NULL, &n, NULL, 0));
  CHECK_OK(apns_notification_builder_new(&b));
  /* A valid builder with NULL strings: refused, builder unchanged. */
  NULL_PARAM(apns_notification_builder_set_token_hex(b, NULL));
  NULL_PARAM(apns_notification_builder_set_token(b, NULL, 32));
  CHECK_OK(apns_notification_builder_set_token(b, NULL, 0)); /* empty: refused at build */
  NULL_PARAM(apns_notification_builder_set_payload_json(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_title(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_body(b, NULL));
  NULL_PARAM(apns_notification_builder_set_sound(b, NULL));
  NULL_PARAM(apns_notification_builder_set_category(b, NULL));
  NULL_PARAM(apns_notification_builder_set_thread_id(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_launch_image(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_title_loc_key(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_title_loc_args(b, NULL, 1));
  NULL_PARAM(apns_notification_builder_set_alert_title_loc_args(b, null_arg, 2));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle_loc_key(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_subtitle_loc_args(b, NULL, 1));
  NULL_PARAM(apns_notification_builder_set_alert_loc_key(b, NULL));
  NULL_PARAM(apns_notification_builder_set_alert_loc_args(b, NULL, 1));
  NULL_PARAM(apns_notification_builder_set_sound_critical(b, NULL, 1.0));
  NULL_PARAM(apns_notification_builder_set_target_content_id(b, NULL));
  NULL_PARAM(apns_notification_builder_set_interruption_level(b, NULL));
  NULL_PARAM(apns_notification_builder_set_filter_criteria(b, NULL));
  NULL_PARAM(apns_notification_builder_set_url_args(b, NULL, 1));
  NULL_PARAM(apns_notification_builder_set_url_args(b, null_arg, 2));
  NULL_PARAM(apns_notification_builder_set_channel_id(b, NULL));
  NULL_PARAM(apns_notification_builder_set_event(b, NULL));
  NULL_PARAM(apns_notification_builder_set_content_state_json(b, NULL));
  NULL_PARAM(apns_notification_builder_set_attributes_type(b, NULL));
  NULL_PARAM(apns_notification_builder_set_attributes_json(b, NULL));
  NULL_PARAM(apns_notification_builder_set_custom_json(b, NULL, "1"));
  NULL_PARAM(apns_notification_builder_set_custom_json(b, "k", NULL));
  NULL_PARAM(apns_notification_builder_set_topic(b, NULL));
  NULL_PARAM(apns_notification_builder_set_push_type(b, NULL));
  NULL_PARAM(apns_notification_builder_set_collapse_id(b, NULL));
  NULL_PARAM(apns_notification_builder_set_apns_id(b, NULL));
  CHECK_OK(apns_notification_builder_set_user_data(b, NULL)); /* NULL user data is a value */
  NULL_PARAM(apns_notification_builder_build(b, NULL, NULL, 0));
  CHECK_RESULT(apns_notification_builder_build(b, &n, NULL, 0), APNS_ERR_BAD_TOKEN);
  CHECK(n == NULL);
  apns_notification_builder_destroy(NULL);
  apns_notification_builder_destroy(b);
}

static void pusher(void) {
  apns_pusher *p = NULL;
  apns_outcome *o = NULL;
  uint64_t id = 0, a = 7, b = 7;
  size_t count = 7;
  char buf[16];
  NULL_PARAM(apns_pusher_new(NULL, &p, buf, sizeof buf));
  CHECK(p == NULL);
  NULL_PARAM(apns_pusher_push_async(NULL, NULL, &id));
  NULL_PARAM(apns_pusher_push_async_timeout(NULL, NULL, 0, &id));
  NULL_PARAM(apns_pusher_push(NULL, NULL, 0, &id));
  NULL_PARAM(apns_pusher_ensure_push(NULL, NULL, 0, &o));
  NULL_PARAM(apns_pusher_ensure_delivery(NULL, 0, NULL, NULL));
  NULL_PARAM(apns_pusher_ensure_delivery_through(NULL, 1, 0, NULL, NULL));
  CHECK(apns_pusher_last_id(NULL) == 0);
  NULL_PARAM(apns_pusher_poll(NULL, 0, NULL, NULL, &count));
  NULL_PARAM(apns_pusher_failed_notifications(NULL, NULL, NULL, &count));
  NULL_PARAM(apns_pusher_stats_json(NULL, buf, sizeof buf, NULL));
  NULL_PARAM(apns_pusher_close(NULL, 0, &a, &b));
  CHECK(id == 0 && o == NULL && count == 7 && a == 7 && b == 7);
  apns_pusher_destroy(NULL);
}

static void outcome(void) {
  uint64_t ts = 7;
  size_t len = 7;
  uint8_t buf[4];
  CHECK(apns_outcome_kind(NULL) == APNS_OUTCOME_NONE);
  CHECK(apns_outcome_id(NULL) == 0);
  CHECK(apns_outcome_status(NULL) == 0);
  CHECK(apns_outcome_reason(NULL) == NULL);
  CHECK(apns_outcome_error(NULL) == APNS_ERR_NULL_PARAMETER);
  CHECK(!apns_outcome_timestamp(NULL, &ts) && ts == 7);
  NULL_PARAM(apns_outcome_token(NULL, buf, sizeof buf, &len));
  CHECK(len == 7);
  CHECK(apns_outcome_token_hex(NULL) == NULL);
  CHECK(apns_outcome_apns_id(NULL) == NULL);
  CHECK(apns_outcome_channel_id(NULL) == NULL);
  CHECK(!apns_outcome_confirmed(NULL));
  CHECK(apns_outcome_attempts(NULL) == 0);
  CHECK(apns_outcome_user_data(NULL) == NULL);
  apns_outcome_destroy(NULL);
}

static void on_tuple(void *userdata, uint32_t timestamp, const uint8_t *token, size_t len) {
  (void)userdata, (void)timestamp, (void)token, (void)len;
  CHECK(!"no tuple expected");
}

static void feedback(void) {
  apns_conf *c = NULL;
  NULL_PARAM(apns_feedback_fetch(NULL, on_tuple, NULL, NULL, 0));
  CHECK_OK(apns_conf_new(&c));
  NULL_PARAM(apns_feedback_fetch(c, NULL, NULL, NULL, 0)); /* the callback is required */
  apns_conf_destroy(c);
}

static void mock(void) {
  apns_mock *m = NULL;
  char buf[16];
  size_t needed = 7;
  NULL_PARAM(apns_mock_new(NULL));
  NULL_PARAM(apns_mock_set_protocol(NULL, "binary"));
  NULL_PARAM(apns_mock_reject_token(NULL, "00", 8));
  NULL_PARAM(apns_mock_reject_token_http2(NULL, "00", 410, "Unregistered"));
  NULL_PARAM(apns_mock_set_drop_after(NULL, 1));
  NULL_PARAM(apns_mock_set_shutdown_after(NULL, 1));
  NULL_PARAM(apns_mock_set_close_silently_after(NULL, 1));
  NULL_PARAM(apns_mock_set_error_delay_ms(NULL, 1));
  NULL_PARAM(apns_mock_set_record_payloads(NULL, false));
  NULL_PARAM(apns_mock_set_require_client_cert(NULL, false));
  NULL_PARAM(apns_mock_set_token_auth(NULL, true));
  NULL_PARAM(apns_mock_set_stall_after(NULL, 1));
  NULL_PARAM(apns_mock_set_expire_token_after(NULL, 1));
  NULL_PARAM(apns_mock_add_feedback(NULL, 1, "00"));
  NULL_PARAM(apns_mock_start(NULL));
  NULL_PARAM(apns_mock_config_apply(NULL, NULL));
  CHECK(apns_mock_port(NULL) == 0);
  CHECK(apns_mock_feedback_port(NULL) == 0);
  CHECK(apns_mock_accepted_count(NULL) == 0);
  CHECK(apns_mock_markers(NULL) == 0);
  CHECK(apns_mock_connections(NULL) == 0);
  CHECK(apns_mock_tokens_seen(NULL) == 0);
  NULL_PARAM(apns_mock_accepted_json(NULL, buf, sizeof buf, &needed));
  NULL_PARAM(apns_mock_rejected_json(NULL, buf, sizeof buf, &needed));
  NULL_PARAM(apns_mock_requests_json(NULL, buf, sizeof buf, &needed));
  NULL_PARAM(apns_mock_http2_requests_json(NULL, buf, sizeof buf, &needed));
  NULL_PARAM(apns_mock_channels_json(NULL, buf, sizeof buf, &needed));
  CHECK(needed == 7);
  NULL_PARAM(apns_mock_set_max_channels(NULL, 1));
  CHECK(apns_mock_channel_port(NULL) == 0);
  NULL_PARAM(apns_mock_wait_accepted(NULL, 1, 0));
  NULL_PARAM(apns_mock_clear(NULL));
  NULL_PARAM(apns_mock_stop(NULL));
  apns_mock_destroy(NULL);
  /* A valid mock with NULL strings or a NULL conf. */
  CHECK_OK(apns_mock_new(&m));
  NULL_PARAM(apns_mock_set_protocol(m, NULL));
  NULL_PARAM(apns_mock_reject_token(m, NULL, 8));
  NULL_PARAM(apns_mock_reject_token_http2(m, NULL, 410, "Unregistered"));
  NULL_PARAM(apns_mock_reject_token_http2(m, "00", 410, NULL));
  NULL_PARAM(apns_mock_add_feedback(m, 1, NULL));
  NULL_PARAM(apns_mock_config_apply(m, NULL));
  apns_mock_destroy(m);
}

static void channels(void) {
  apns_conf *c = NULL;
  apns_channels *ch = (apns_channels *)&ch; /* never written on error */
  char buf[APNS_CHANNEL_ID_BUF];
  size_t needed = 7;
  NULL_PARAM(apns_channels_new(NULL, &ch, NULL, 0));
  CHECK_OK(apns_conf_new(&c));
  NULL_PARAM(apns_channels_new(c, NULL, NULL, 0));
  apns_conf_destroy(c);
  CHECK(ch == (apns_channels *)&ch);
  NULL_PARAM(apns_channels_create(NULL, 0, buf, sizeof buf, &needed, NULL, 0));
  NULL_PARAM(apns_channels_get(NULL, "AAAA", buf, sizeof buf, &needed, NULL, 0));
  NULL_PARAM(apns_channels_list(NULL, buf, sizeof buf, &needed, NULL, 0));
  NULL_PARAM(apns_channels_delete(NULL, "AAAA", NULL, 0));
  NULL_PARAM(apns_channels_close(NULL));
  CHECK(needed == 7);
  apns_channels_destroy(NULL);
}

static void logging(void) {
  size_t served = 7;
  /* A NULL callback turns logging off (nothing to refuse); a NULL `served` is optional. */
  CHECK_OK(apns_set_log_callback(NULL, NULL, 3));
  CHECK_OK(apns_log_poll(10, NULL));
  CHECK_OK(apns_log_poll(10, &served));
  CHECK(served == 0);
}

int main(void) {
  results_and_version();
  conf();
  notification();
  builder();
  pusher();
  outcome();
  feedback();
  mock();
  channels();
  logging();
  printf("null_args: every exported function refused NULL arguments cleanly\n");
  return 0;
}

/* The `proxy` key through the C API, against a real HTTP CONNECT proxy: tinyproxy with
 * BasicAuth, started by tests/proxy/tinyproxy.sh (run from the repository root), and the
 * HTTP/2 mock. 200 notifications with 2 bad tokens go through the tunnel: 198 accepted and
 * recorded once each by the mock, 2 rejected; tinyproxy logged CONNECT to the mock's port; a
 * wrong password is APNS_ERR_CREDENTIALS at apns_pusher_new, with no password in the message. */
#include "common.h" /* first: it defines _POSIX_C_SOURCE (popen, kill) */

#include <signal.h>
#include <sys/types.h>

#define N 200
#define WRONG "wrong-pw-0451"

static long helper_pid; /* the running tests/proxy/tinyproxy.sh, 0 when stopped */

/* Stops the proxy; also at exit, so a failed check leaves no tinyproxy behind. */
static void stop_helper(void) {
  if (helper_pid > 0) kill((pid_t)helper_pid, SIGTERM);
  helper_pid = 0;
}

static int is_bad(uint64_t i) { return i == 57 || i == 143; }

struct seen {
  uint64_t ids[N];
  int outcomes[N];
  int mock_accepted[N];
  int mock_rejected[N];
  uint64_t accepted, rejected;
};

static void on_outcome(void *userdata, const apns_outcome *o) {
  struct seen *s = (struct seen *)userdata;
  uint64_t i = ptr_index(apns_outcome_user_data(o));
  CHECK(i < N && apns_outcome_id(o) == s->ids[i]);
  s->outcomes[i]++;
  if (is_bad(i)) {
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_REJECTED);
    CHECK(apns_outcome_status(o) == 400);
    CHECK(strcmp(apns_outcome_reason(o), "BadDeviceToken") == 0);
    s->rejected++;
  } else {
    CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
    s->accepted++;
  }
}

static void on_mock_accepted(void *ctx, const char *start, const char *end) {
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N);
  ((struct seen *)ctx)->mock_accepted[i]++;
}

static void on_mock_rejected(void *ctx, const char *start, const char *end) {
  uint64_t i = json_field_token_index(start, end);
  CHECK(i < N && json_field_u64(start, end, "status") == 400);
  ((struct seen *)ctx)->mock_rejected[i]++;
}

/* Lines of the file at `path` ending with `suffix`. */
static int lines_ending_with(const char *path, const char *suffix) {
  char line[1024];
  int n = 0;
  size_t len, want = strlen(suffix);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  while (fgets(line, sizeof line, f) != NULL) {
    len = strcspn(line, "\n");
    if (len >= want && memcmp(line + len - want, suffix, want) == 0) n++;
  }
  fclose(f);
  return n;
}

int main(void) {
  static struct seen s;
  apns_mock *mock = NULL;
  apns_pusher *p = NULL;
  apns_conf *conf = NULL;
  char line[1024] = "";
  char log[512], url[128], connect[64], hex[65], err[512], *json;
  const char *extra[3] = {"proxy", url, NULL};
  int proxy_port = 0;
  uint64_t i;
  FILE *helper = popen("bash tests/proxy/tinyproxy.sh user secret </dev/null", "r");

  CHECK(helper != NULL);
  if (fgets(line, sizeof line, helper) == NULL ||
      sscanf(line, "%d %511s %ld", &proxy_port, log, &helper_pid) != 3) {
    fprintf(stderr, "tests/proxy/tinyproxy.sh: %s\n", line[0] ? line : "no output");
    return 1;
  }
  CHECK(atexit(stop_helper) == 0);

  CHECK_OK(apns_mock_new(&mock));
  CHECK_OK(apns_mock_set_protocol(mock, "http2"));
  for (i = 0; i < N; i++) {
    if (is_bad(i)) {
      token_hex(i, hex);
      CHECK_OK(apns_mock_reject_token_http2(mock, hex, 400, "BadDeviceToken"));
    }
  }
  CHECK_OK(apns_mock_start(mock));
  snprintf(url, sizeof url, "http://user:secret@127.0.0.1:%d", proxy_port);
  p = pusher_for(mock, extra);
  for (i = 0; i < N; i++) CHECK_OK(apns_pusher_push_async(p, make_notification(i), &s.ids[i]));
  CHECK_OK(apns_pusher_ensure_delivery(p, WAIT_MS, on_outcome, &s));
  apns_pusher_destroy(p);
  for (i = 0; i < N; i++) CHECK(s.outcomes[i] == 1);
  CHECK(s.accepted == N - 2 && s.rejected == 2);

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
  snprintf(connect, sizeof connect, "CONNECT 127.0.0.1:%u HTTP/1.1", (unsigned)apns_mock_port(mock));
  CHECK(lines_ending_with(log, connect) >= 1);

  /* A wrong password: refused by the proxy, a CREDENTIALS error quoting no password. */
  snprintf(url, sizeof url, "http://user:" WRONG "@127.0.0.1:%d", proxy_port);
  CHECK_OK(apns_conf_new(&conf));
  CHECK_OK(apns_mock_config_apply(mock, conf));
  conf_set(conf, "proxy", url);
  p = NULL;
  CHECK_RESULT(apns_pusher_new(conf, &p, err, sizeof err), APNS_ERR_CREDENTIALS);
  CHECK(p == NULL);
  CHECK(strstr(err, "refused the credentials") != NULL);
  CHECK(strstr(err, WRONG) == NULL && strstr(err, "secret") == NULL);
  apns_conf_destroy(conf);

  CHECK_OK(apns_mock_stop(mock));
  apns_mock_destroy(mock);
  stop_helper();
  pclose(helper);
  printf("proxy: %d pushed through tinyproxy, %" PRIu64 " accepted, %" PRIu64 " rejected\n", N,
         s.accepted, s.rejected);
  return 0;
}

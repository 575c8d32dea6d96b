/* No key material in any message: a PEM text given to a *_file key is refused without being
 * echoed; malformed PEM in the *_pem keys, and a PEM-looking cert_p12_password with a bad .p12,
 * fail (at apns_conf_set or apns_pusher_new) with messages that quote no line of the PEM body;
 * the stats' last_error never does either. Never prints a message or a key. */
#include "common.h"

#define BODY_BYTES 138 /* a P-256 PKCS#8 key's DER length: three base64 lines */
#define MAX_LINES 8

/* A generated PEM text: random bytes in base64, 64-character lines. */
struct pem {
  char text[1024];
  char lines[MAX_LINES][65];
  int nlines;
};

static void make_pem(struct pem *p, const char *label, const char *newline) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[BODY_BYTES + 2] = {0};
  char body[((BODY_BYTES + 2) / 3) * 4 + 1];
  size_t i, n = 0, len;
  FILE *f = fopen("/dev/urandom", "rb");
  CHECK(f != NULL);
  CHECK(fread(raw, 1, BODY_BYTES, f) == BODY_BYTES);
  fclose(f);
  for (i = 0; i < BODY_BYTES; i += 3) {
    unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
    body[n++] = b64[v >> 18 & 63];
    body[n++] = b64[v >> 12 & 63];
    body[n++] = i + 1 < BODY_BYTES ? b64[v >> 6 & 63] : '=';
    body[n++] = i + 2 < BODY_BYTES ? b64[v & 63] : '=';
  }
  body[n] = '\0';
  snprintf(p->text, sizeof p->text, "-----BEGIN %s-----%s", label, newline);
  p->nlines = 0;
  for (i = 0; i < n; i += 64) {
    len = n - i < 64 ? n - i : 64;
    CHECK(p->nlines < MAX_LINES);
    memcpy(p->lines[p->nlines], body + i, len);
    p->lines[p->nlines][len] = '\0';
    strcat(p->text, p->lines[p->nlines++]);
    strcat(p->text, newline);
  }
  len = strlen(p->text);
  snprintf(p->text + len, sizeof p->text - len, "-----END %s-----%s", label, newline);
}

/* Fails unless `text` holds no line of the PEM body (names the check, never the text). */
static void check_clean(const char *text, const struct pem *p, const char *what) {
  int i;
  for (i = 0; i < p->nlines; i++) {
    if (strstr(text, p->lines[i]) != NULL) {
      fprintf(stderr, "%s: the message quotes line %d of the PEM body\n", what, i);
      exit(1);
    }
  }
}

static const char *const FILE_KEYS[] = {"cert_file", "key_file", "ca_file", "cert_p12_file",
                                        "auth_key_file"};

static void file_keys_refuse_pem_text(void) {
  const char *newlines[] = {"\n", " ", "\\n"};
  size_t k, v;
  char err[512];
  struct pem pem;
  for (v = 0; v < 3; v++) {
    make_pem(&pem, "PRIVATE KEY", newlines[v]);
    for (k = 0; k < sizeof FILE_KEYS / sizeof *FILE_KEYS; k++) {
      apns_conf *conf = NULL;
      CHECK_OK(apns_conf_new(&conf));
      CHECK_RESULT(apns_conf_set(conf, FILE_KEYS[k], pem.text, err, sizeof err),
                   APNS_ERR_INVALID_CONFIG_VALUE);
      CHECK(strncmp(err, FILE_KEYS[k], strlen(FILE_KEYS[k])) == 0);
      CHECK(strstr(err, "looks like PEM text, not a path") != NULL);
      check_clean(err, &pem, FILE_KEYS[k]);
      apns_conf_destroy(conf);
    }
  }
}

static void file_keys_refuse_values_longer_than_a_path(void) {
  static char long_path[4098];
  char err[512];
  size_t k;
  memset(long_path, 'k', sizeof long_path - 1);
  long_path[0] = '/';
  long_path[sizeof long_path - 1] = '\0';
  for (k = 0; k < sizeof FILE_KEYS / sizeof *FILE_KEYS; k++) {
    apns_conf *conf = NULL;
    CHECK_OK(apns_conf_new(&conf));
    CHECK_RESULT(apns_conf_set(conf, FILE_KEYS[k], long_path, err, sizeof err),
                 APNS_ERR_INVALID_CONFIG_VALUE);
    CHECK(strstr(err, "longer than any path") != NULL);
    CHECK(strstr(err, "kkkk") == NULL);
    long_path[4096] = '\0'; /* exactly PATH_MAX bytes: a path */
    CHECK_OK(apns_conf_set(conf, FILE_KEYS[k], long_path, err, sizeof err));
    long_path[4096] = 'k';
    apns_conf_destroy(conf);
  }
}

/* apns_pusher_new's error for an HTTP/2 conf aimed at a closed port with `pairs` set; the
 * pairs must be accepted. Credentials are loaded before any connection is tried. */
static apns_result pusher_new_error(const char *const *pairs, char *err, size_t errlen) {
  apns_conf *conf = NULL;
  apns_pusher *p = NULL;
  apns_result r;
  CHECK_OK(apns_conf_new(&conf));
  CHECK_OK(apns_conf_set(conf, "host", "127.0.0.1", err, errlen));
  CHECK_OK(apns_conf_set(conf, "port", "9", err, errlen));
  for (; pairs[0] != NULL; pairs += 2) {
    CHECK_OK(apns_conf_set(conf, pairs[0], pairs[1], err, errlen));
  }
  r = apns_pusher_new(conf, &p, err, errlen);
  CHECK(r != APNS_OK && p == NULL);
  apns_conf_destroy(conf);
  return r;
}

static void malformed_pem_fails_at_pusher_new(void) {
  const char *newlines[] = {"\n", " ", "\\n"};
  char err[512];
  size_t v;
  struct pem key, cert;
  for (v = 0; v < 3; v++) {
    make_pem(&key, "PRIVATE KEY", newlines[v]);
    make_pem(&cert, "CERTIFICATE", newlines[v]);
    {
      const char *pairs[] = {"auth_key_pem", key.text, "key_id", "K", "team_id", "T", NULL};
      CHECK(pusher_new_error(pairs, err, sizeof err) == APNS_ERR_CREDENTIALS);
      CHECK(strncmp(err, "auth key: ", 10) == 0);
      check_clean(err, &key, "auth_key_pem");
    }
    {
      const char *pairs[] = {"cert_pem", cert.text, "key_pem", key.text, NULL};
      CHECK(pusher_new_error(pairs, err, sizeof err) == APNS_ERR_CREDENTIALS);
      check_clean(err, &key, "key_pem");
      check_clean(err, &cert, "cert_pem");
    }
    {
      const char *pairs[] = {"ca_pem", cert.text, NULL};
      CHECK(pusher_new_error(pairs, err, sizeof err) == APNS_ERR_CREDENTIALS);
      check_clean(err, &cert, "ca_pem");
    }
  }
}

static void p12_password_is_never_quoted(void) {
  const char *path = "/nonexistent/apnspush-test/cert.p12";
  char err[512];
  struct pem password;
  make_pem(&password, "PRIVATE KEY", "\n");
  {
    const char *pairs[] = {"cert_p12_file", path, "cert_p12_password", password.text, NULL};
    CHECK(pusher_new_error(pairs, err, sizeof err) == APNS_ERR_CREDENTIALS);
    CHECK(strstr(err, path) != NULL); /* a path may be quoted */
    check_clean(err, &password, "cert_p12_password");
  }
}

static void invalid_values_and_unknown_keys_are_not_quoted(void) {
  const char *keys[] = {"protocol", "topic", "key_id", "connections"};
  char err[512];
  size_t k;
  apns_conf *conf = NULL;
  struct pem pem;
  make_pem(&pem, "PRIVATE KEY", "\n");
  CHECK_OK(apns_conf_new(&conf));
  for (k = 0; k < sizeof keys / sizeof *keys; k++) {
    CHECK_RESULT(apns_conf_set(conf, keys[k], pem.text, err, sizeof err),
                 APNS_ERR_INVALID_CONFIG_VALUE);
    CHECK(strstr(err, "not shown") != NULL);
    check_clean(err, &pem, keys[k]);
  }
  CHECK_RESULT(apns_conf_set(conf, pem.text, "x", err, sizeof err), APNS_ERR_UNKNOWN_CONFIG_KEY);
  check_clean(err, &pem, "unknown key");
  CHECK_RESULT(apns_conf_set(conf, pem.text, "\xff", err, sizeof err), APNS_ERR_UNKNOWN_CONFIG_KEY);
  check_clean(err, &pem, "unknown key, value not UTF-8");
  apns_conf_destroy(conf);
}

/* A pusher holding a PEM-looking p12 password loses its gateway: last_error is set and the
 * stats quote no line of the password. */
static void last_error_never_quotes_secrets(void) {
  apns_mock *m = NULL;
  apns_pusher *p = NULL;
  apns_outcome *o = NULL;
  char *stats;
  double end;
  struct timespec pause = {0, 10000000};
  struct pem password;
  apns_conf *conf = NULL;
  char err[512];
  uint64_t id;
  make_pem(&password, "PRIVATE KEY", "\n");
  CHECK_OK(apns_mock_new(&m));
  CHECK_OK(apns_mock_set_protocol(m, "http2"));
  CHECK_OK(apns_mock_start(m));
  /* Not pusher_for: its failure report would print the values. */
  CHECK_OK(apns_conf_new(&conf));
  CHECK_OK(apns_mock_config_apply(m, conf));
  CHECK_OK(apns_conf_set(conf, "cert_p12_password", password.text, err, sizeof err));
  CHECK_OK(apns_conf_set(conf, "reconnect_backoff_ms", "10", err, sizeof err));
  CHECK_OK(apns_pusher_new(conf, &p, err, sizeof err));
  apns_conf_destroy(conf);
  CHECK_OK(apns_pusher_ensure_push(p, make_notification(1), WAIT_MS, &o));
  CHECK(apns_outcome_kind(o) == APNS_OUTCOME_ACCEPTED);
  apns_outcome_destroy(o);
  CHECK_OK(apns_mock_stop(m));
  CHECK_OK(apns_pusher_push_async(p, make_notification(2), &id));
  end = now_seconds() + WAIT_MS / 1000.0;
  for (;;) {
    stats = stats_json(p);
    if (strstr(stats, "\"last_error\":\"\"") == NULL) break;
    free(stats);
    CHECK(now_seconds() < end);
    nanosleep(&pause, NULL);
  }
  CHECK(strstr(stats, "\"last_error\":\"") != NULL);
  check_clean(stats, &password, "last_error");
  free(stats);
  /* Long enough for every thread to finish (a detached one would be reported by valgrind). */
  CHECK_OK(apns_pusher_close(p, 5000, NULL, NULL));
  apns_pusher_destroy(p);
  apns_mock_destroy(m);
}

int main(void) {
  file_keys_refuse_pem_text();
  file_keys_refuse_values_longer_than_a_path();
  malformed_pem_fails_at_pusher_new();
  p12_password_is_never_quoted();
  invalid_values_and_unknown_keys_are_not_quoted();
  last_error_never_quotes_secrets();
  printf("secrets: no message quoted key material\n");
  return 0;
}

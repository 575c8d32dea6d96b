/* Benchmark (a program that prints figures, not a test): the cost of one apns_pusher_push_async
 * call through the C API, in ns per call, while the engine drains the queue to the built-in
 * mock (record_payloads off) on its own threads.
 *
 * Notifications are created in batches outside the timed region; only the push_async loop of
 * each batch is timed. Two baselines are measured in the same run so the figure can be read as
 * a ratio on any machine: apns_notification_new (validating and copying one notification), and
 * an empty FFI call (apns_version).
 *
 * Usage: push_async_bench [CALLS]   (default 2,000,000). Run by scripts/bench-c.sh. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apns.h"

#define BATCH 10000

#define TRY(call)                                                            \
  do {                                                                       \
    apns_result r_ = (call);                                                 \
    if (r_ != APNS_OK) {                                                     \
      fprintf(stderr, "%s: %s\n", #call, apns_result_name((int)r_));        \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

static double clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Wall time, and CPU time of this thread (which excludes time spent preempted by the engine's
 * threads or blocked on a full queue: the cost of the call itself). */
static double now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
static double cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

int main(int argc, char **argv) {
  uint64_t calls = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
  apns_mock *mock = NULL;
  apns_conf *conf = NULL;
  apns_pusher *pusher = NULL;
  apns_notification **batch = (apns_notification **)malloc(BATCH * sizeof *batch);
  char err[256], hex[65], payload[96], stats[4096];
  double push_ns = 0, new_ns = 0, push_cpu = 0, new_cpu = 0, empty_ns, t0, t1, c0, c1;
  uint64_t done = 0, i, k;
  volatile uintptr_t sink = 0;

  if (batch == NULL || calls == 0) return 1;
  TRY(apns_mock_new(&mock));
  TRY(apns_mock_set_record_payloads(mock, false));
  TRY(apns_mock_start(mock));
  TRY(apns_conf_new(&conf));
  TRY(apns_mock_config_apply(mock, conf));
  /* Room for a whole batch ahead of the drain; the writer keeps up or push_async blocks (and
   * that blocking is part of the measured cost). */
  if (apns_conf_set(conf, "queue_capacity", "262144", err, sizeof err) != APNS_OK ||
      apns_conf_set(conf, "outcome_reports", "failures", err, sizeof err) != APNS_OK ||
      apns_pusher_new(conf, &pusher, err, sizeof err) != APNS_OK) {
    fprintf(stderr, "setup: %s\n", err);
    return 1;
  }
  apns_conf_destroy(conf);

  memset(hex, 'a', 64);
  hex[64] = '\0';
  t1 = now_ns();
  while (done < calls) {
    uint64_t n = calls - done < BATCH ? calls - done : BATCH;
    t0 = now_ns();
    c0 = cpu_ns();
    for (k = 0; k < n; k++) {
      i = done + k;
      snprintf(hex, 17, "%016" PRIx64, i);
      hex[16] = 'a';
      snprintf(payload, sizeof payload, "{\"aps\":{\"alert\":\"n%" PRIu64 "\"}}", i);
      TRY(apns_notification_new(hex, payload, &batch[k], NULL, 0));
    }
    t1 = now_ns();
    c1 = cpu_ns();
    new_ns += t1 - t0;
    new_cpu += c1 - c0;
    for (k = 0; k < n; k++) TRY(apns_pusher_push_async(pusher, batch[k], NULL));
    push_ns += now_ns() - t1;
    push_cpu += cpu_ns() - c1;
    done += n;
  }
  t0 = now_ns();
  TRY(apns_pusher_ensure_delivery(pusher, 600000, NULL, NULL));
  t1 = now_ns();

  /* Empty FFI call: the fixed cost of crossing the boundary (thread CPU time). */
  c0 = cpu_ns();
  for (i = 0; i < calls; i++) sink += (uintptr_t)apns_version();
  empty_ns = (cpu_ns() - c0) / (double)calls;

  TRY(apns_pusher_stats_json(pusher, stats, sizeof stats, NULL));
  if (apns_mock_accepted_count(mock) != calls) {
    fprintf(stderr, "mock accepted %" PRIu64 " of %" PRIu64 "\n", apns_mock_accepted_count(mock),
            calls);
    return 1;
  }
  printf("apns_pusher_push_async: %" PRIu64 " calls while the engine drains to the mock\n", calls);
  printf("  %.1f ns/call CPU of the calling thread; %.1f ns/call wall (includes preemption by the "
         "engine's threads and waits on a full queue)\n",
         push_cpu / (double)calls, push_ns / (double)calls);
  printf("baseline apns_notification_new: %.1f ns/call CPU (%.1f wall); empty FFI call "
         "(apns_version): %.1f ns/call CPU\n",
         new_cpu / (double)calls, new_ns / (double)calls, empty_ns);
  printf("ratio push_async / notification_new (CPU): %.2f\n", push_cpu / new_cpu);
  printf("delivery: all %" PRIu64 " accepted by the mock; %.0f ms after the last push\n", calls,
         (t1 - t0) / 1e6);
  printf("stats: %s\n", stats);
  apns_pusher_destroy(pusher);
  apns_mock_destroy(mock);
  free(batch);
  (void)sink;
  return 0;
}

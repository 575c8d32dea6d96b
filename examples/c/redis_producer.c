/*
 * A producer for `apnspush worker` (docs/WORKER.md) in C with hiredis (Debian: libhiredis-dev).
 * It needs nothing of libapnspush: the queue is three Redis streams and a schema.
 *
 *   XADD apnspush:notifications * n <one JSON object, a line of `apnspush send`'s input>
 *   XREAD COUNT 500 BLOCK 5000 STREAMS apnspush:outcomes <last id read>
 *
 * Each outcome entry has the text fields entry (the notification entry's id), ref (the
 * notification's "ref" as JSON text), token, channel_id, kind (accepted, rejected, failed,
 * expired), status, reason, timestamp, apns_id, attempts, duplicate_possible and worker.
 *
 * This program adds COUNT notifications with pipelined XADDs (ref i, token: 24 bytes 0x5a then
 * i big-endian), reads the outcome stream until every one has its outcome, prints the ones not
 * accepted and a summary, and fails on an outcome it cannot match or a ref seen twice.
 *
 * Build and run (a redis-server and `apnspush worker` already running):
 *   cc -std=c99 -Wall -Wextra examples/c/redis_producer.c -lhiredis -o redis_producer
 *   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 ./redis_producer 1000
 * scripts/test-c.sh runs it against a real redis-server, a worker and the mock.
 */
#define _POSIX_C_SOURCE 200809L
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTIFICATIONS "apnspush:notifications"
#define OUTCOMES "apnspush:outcomes"
#define BATCH 500

/* The value of field `name` in a flat [field, value, ...] reply, or "" when absent. */
static const char *field(const redisReply *fields, const char *name) {
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (strcmp(fields->element[i]->str, name) == 0) return fields->element[i + 1]->str;
    }
    return "";
}

static void token_hex(char out[65], long i) {
    for (int b = 0; b < 24; b++) memcpy(out + 2 * b, "5a", 2);
    snprintf(out + 48, 17, "%016lx", (unsigned long)i);
}

/* Adds `count` notifications, BATCH commands per round trip; keeps each entry id in ids[i]. */
static int enqueue(redisContext *redis, long count, char **ids) {
    for (long start = 0; start < count; start += BATCH) {
        long end = start + BATCH < count ? start + BATCH : count;
        for (long i = start; i < end; i++) {
            char token[65], json[256];
            token_hex(token, i);
            snprintf(json, sizeof json,
                     "{\"ref\":%ld,\"token\":\"%s\",\"alert\":\"Hello %ld\",\"topic\":\"com.example.app\"}",
                     i, token, i);
            redisAppendCommand(redis, "XADD %s * n %s", NOTIFICATIONS, json);
        }
        for (long i = start; i < end; i++) {
            redisReply *reply;
            if (redisGetReply(redis, (void **)&reply) != REDIS_OK) {
                fprintf(stderr, "XADD: %s\n", redis->errstr);
                return -1;
            }
            if (reply->type != REDIS_REPLY_STRING) {
                fprintf(stderr, "XADD: %s\n", reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
                freeReplyObject(reply);
                return -1;
            }
            ids[i] = strdup(reply->str);
            freeReplyObject(reply);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    const char *host = getenv("REDIS_HOST") ? getenv("REDIS_HOST") : "127.0.0.1";
    int port = getenv("REDIS_PORT") ? atoi(getenv("REDIS_PORT")) : 6379;
    if (count <= 0) {
        fprintf(stderr, "usage: %s COUNT (REDIS_HOST, REDIS_PORT: where Redis listens)\n", argv[0]);
        return 2;
    }
    redisContext *redis = redisConnect(host, port);
    if (redis == NULL || redis->err) {
        fprintf(stderr, "connect %s:%d: %s\n", host, port, redis ? redis->errstr : "out of memory");
        redisFree(redis);
        return 1;
    }
    char **ids = calloc((size_t)count, sizeof *ids);
    char *seen = calloc((size_t)count, 1);
    int failed = enqueue(redis, count, ids);
    if (!failed) printf("enqueued %ld notifications on %s\n", count, NOTIFICATIONS);

    long outcomes = 0, accepted = 0, rejected = 0, other = 0;
    char last[64] = "0-0";
    while (!failed && outcomes < count) {
        redisReply *reply = redisCommand(redis, "XREAD COUNT %d BLOCK 5000 STREAMS %s %s", BATCH,
                                         OUTCOMES, last);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "XREAD: %s\n", reply ? reply->str : redis->errstr);
            failed = 1;
        } else if (reply->type == REDIS_REPLY_ARRAY) {
            /* [[stream, [[id, [field, value, ...]], ...]]] */
            const redisReply *entries = reply->element[0]->element[1];
            for (size_t e = 0; e < entries->elements && !failed; e++) {
                const redisReply *id = entries->element[e]->element[0];
                const redisReply *fields = entries->element[e]->element[1];
                long ref = strtol(field(fields, "ref"), NULL, 10);
                snprintf(last, sizeof last, "%s", id->str);
                if (ref < 0 || ref >= count || strcmp(ids[ref], field(fields, "entry")) != 0) {
                    fprintf(stderr, "outcome %s: unknown ref %s entry %s\n", id->str,
                            field(fields, "ref"), field(fields, "entry"));
                    failed = 1;
                } else if (seen[ref]++) {
                    fprintf(stderr, "outcome %s: a second outcome for ref %ld\n", id->str, ref);
                    failed = 1;
                }
                const char *kind = field(fields, "kind");
                if (strcmp(kind, "accepted") == 0) {
                    accepted++;
                } else {
                    if (strcmp(kind, "rejected") == 0) rejected++; else other++;
                    printf("  %s ref %ld token %s status %s %s\n", kind, ref, field(fields, "token"),
                           field(fields, "status"), field(fields, "reason"));
                }
                outcomes++;
            }
        } /* else nil: BLOCK timed out with nothing new; read again. */
        freeReplyObject(reply);
    }
    if (!failed) {
        printf("outcomes: %ld (accepted=%ld rejected=%ld other=%ld), each ref once\n", outcomes,
               accepted, rejected, other);
    }
    for (long i = 0; i < count; i++) free(ids[i]);
    free(ids);
    free(seen);
    redisFree(redis);
    return failed ? 1 : 0;
}

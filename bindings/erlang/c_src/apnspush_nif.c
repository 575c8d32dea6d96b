/*
 * apnspush_nif.c - the NIF behind src/apnspush.erl, linked against libapnspush.a.
 *
 * Handles: a pusher and a mock are NIF resources. Their destructors free the C handles; a
 * handle that was not closed/stopped first is freed on a detached thread, because
 * apns_pusher_destroy may flush for up to close_timeout_ms and a destructor runs on a normal
 * scheduler. apns_pusher_destroy/apns_mock_destroy run only in destructors, when no Erlang term
 * refers to the handle any more, so no other call can use it meanwhile.
 *
 * Schedulers: calls that block (connect, waits, close, stop, certificate generation) are dirty
 * I/O NIFs; calls that may build many terms (failed_notifications, the mock's record) are dirty
 * CPU NIFs. push_nif runs on a normal scheduler and enqueues with a zero deadline
 * (apns_pusher_push_async_timeout), so it never blocks; on APNS_ERR_QUEUE_FULL, when the pusher
 * blocks when full, it reschedules itself as a dirty NIF that waits for room in 100 ms deadline
 * slices (the engine wakes it as soon as there is room) and gives up if the caller died.
 *
 * Callbacks: the C API calls outcome callbacks only on the calling thread, inside the call, so
 * they build terms in the caller's environment directly. The log callback is process-wide: it
 * runs only inside apns_log_poll and apns_pusher_poll, which only log_poll_nif and poll_nif
 * call, each after pointing the thread-local `log_sink` at its own list; the records reach
 * Erlang as {Level, Target, Message} terms that apnspush.erl hands to logger. No C code runs
 * Erlang code.
 *
 * Errors: {error, {Code, Message}} with Code the C result name without APNS_ERR_, lower-case
 * (APNS_ERR_BAD_TOKEN -> bad_token); badarg for terms of the wrong type.
 */
#include <erl_nif.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apns.h"

#define ERRBUF_LEN 512
#define WAIT_SLICE_MS 100
#define ROOM_SLICE_MS 100 /* push_blocking_nif checks its caller is alive this often */

typedef struct {
    apns_pusher *pusher;
    int closed;          /* set (atomically) once apns_pusher_close ran */
    int block_when_full; /* the pusher's block_when_full */
} pusher_res;

typedef struct {
    apns_mock *mock;
    int stopped; /* set (atomically) once apns_mock_stop ran */
} mock_res;

typedef struct {
    apns_channels *channels;
} channels_res;

static ErlNifResourceType *PUSHER_RES;
static ErlNifResourceType *MOCK_RES;
static ErlNifResourceType *CHANNELS_RES;
static int pending_destroys; /* detached destroy threads still running (atomic) */

static ERL_NIF_TERM ATOM_OK, ATOM_ERROR, ATOM_TRUE, ATOM_FALSE, ATOM_UNDEFINED;
static ERL_NIF_TERM ATOM_ERROR_LEVEL, ATOM_WARNING, ATOM_INFO, ATOM_DEBUG;
static ERL_NIF_TERM ATOM_ID, ATOM_KIND, ATOM_STATUS, ATOM_REASON, ATOM_TOKEN, ATOM_CONFIRMED,
    ATOM_ATTEMPTS, ATOM_CANCELLED, ATOM_UNCONFIRMED, ATOM_TIMESTAMP, ATOM_APNS_ID, ATOM_USER_DATA,
    ATOM_CHANNEL_ID;

/* ---- terms ------------------------------------------------------------------------------ */

static ERL_NIF_TERM make_text(ErlNifEnv *env, const char *text) {
    ERL_NIF_TERM term;
    size_t len = text ? strlen(text) : 0;
    unsigned char *data = enif_make_new_binary(env, len, &term);
    if (len) memcpy(data, text, len);
    return term;
}

/* The error code atom of a result: its C name without APNS_ERR_, lower-case. */
static ERL_NIF_TERM make_code(ErlNifEnv *env, int result) {
    const char *name = apns_result_name(result);
    const char *prefix = "APNS_ERR_";
    char code[64];
    size_t i = 0;
    if (strncmp(name, prefix, strlen(prefix)) == 0) name += strlen(prefix);
    for (; name[i] && i < sizeof code - 1; i++) {
        code[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
    }
    code[i] = '\0';
    return enif_make_atom(env, code);
}

/* {error, {Code, Message}}; an empty or NULL message is replaced by the result's description. */
static ERL_NIF_TERM make_error(ErlNifEnv *env, int result, const char *message) {
    if (!message || !*message) message = apns_result_describe(result);
    return enif_make_tuple2(env, ATOM_ERROR,
                            enif_make_tuple2(env, make_code(env, result), make_text(env, message)));
}

static ERL_NIF_TERM ok2(ErlNifEnv *env, ERL_NIF_TERM value) {
    return enif_make_tuple2(env, ATOM_OK, value);
}

/* A NUL-terminated copy of an iolist (binary or string) that the caller frees; NULL if `term`
 * is not one or holds a NUL byte. */
static char *dup_text(ErlNifEnv *env, ERL_NIF_TERM term) {
    ErlNifBinary bin;
    char *text;
    if (!enif_inspect_iolist_as_binary(env, term, &bin)) return NULL;
    if (memchr(bin.data, '\0', bin.size)) return NULL;
    text = malloc(bin.size + 1);
    if (!text) return NULL;
    memcpy(text, bin.data, bin.size);
    text[bin.size] = '\0';
    return text;
}

static int get_bool(ErlNifEnv *env, ERL_NIF_TERM term, bool *out) {
    if (enif_is_identical(term, ATOM_TRUE)) *out = true;
    else if (enif_is_identical(term, ATOM_FALSE)) *out = false;
    else return 0;
    (void)env;
    return 1;
}

/* A timeout in ms; the atom infinity is -1. */
static int get_timeout(ErlNifEnv *env, ERL_NIF_TERM term, ErlNifSInt64 *out) {
    char atom[16];
    if (enif_get_atom(env, term, atom, sizeof atom, ERL_NIF_LATIN1) && strcmp(atom, "infinity") == 0) {
        *out = -1;
        return 1;
    }
    return enif_get_int64(env, term, out) && *out >= 0;
}

typedef apns_result (*text_reader)(const void *handle, char *buf, size_t len, size_t *needed);

/* Reads a (buf, len, needed) text output into a binary, asking again while it grows. */
static ERL_NIF_TERM read_text(ErlNifEnv *env, const void *handle, text_reader read) {
    size_t size = 4096;
    for (int attempt = 0; attempt < 8; attempt++) {
        ErlNifBinary bin;
        size_t needed = 0;
        apns_result r;
        if (!enif_alloc_binary(size, &bin)) return enif_raise_exception(env, enif_make_atom(env, "enomem"));
        r = read(handle, (char *)bin.data, bin.size, &needed);
        if (r == APNS_OK) {
            enif_realloc_binary(&bin, needed - 1); /* drop the NUL */
            return ok2(env, enif_make_binary(env, &bin));
        }
        enif_release_binary(&bin);
        if (r != APNS_ERR_BUFFER_TOO_SMALL) return make_error(env, r, NULL);
        size = needed;
    }
    return make_error(env, APNS_ERR_BUFFER_TOO_SMALL, NULL);
}

static apns_result read_stats(const void *h, char *buf, size_t len, size_t *needed) {
    return apns_pusher_stats_json(h, buf, len, needed);
}
static apns_result read_stats_fields(const void *h, char *buf, size_t len, size_t *needed) {
    (void)h;
    return apns_stats_fields_json(buf, len, needed);
}
static apns_result read_outcome_fields(const void *h, char *buf, size_t len, size_t *needed) {
    (void)h;
    return apns_outcome_fields_json(buf, len, needed);
}
static apns_result read_mock_accepted(const void *h, char *buf, size_t len, size_t *needed) {
    return apns_mock_accepted_json(h, buf, len, needed);
}
static apns_result read_mock_rejected(const void *h, char *buf, size_t len, size_t *needed) {
    return apns_mock_rejected_json(h, buf, len, needed);
}
static apns_result read_mock_http2_requests(const void *h, char *buf, size_t len, size_t *needed) {
    return apns_mock_http2_requests_json(h, buf, len, needed);
}
static apns_result read_mock_channels(const void *h, char *buf, size_t len, size_t *needed) {
    return apns_mock_channels_json(h, buf, len, needed);
}

/* ---- resources -------------------------------------------------------------------------- */

static void *destroy_pusher_thread(void *p) {
    apns_pusher_destroy(p);
    __atomic_sub_fetch(&pending_destroys, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *destroy_mock_thread(void *m) {
    apns_mock_destroy(m);
    __atomic_sub_fetch(&pending_destroys, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Runs fn(arg) on a detached thread (inline if no thread can be made). */
static void run_detached(void *(*fn)(void *), void *arg) {
    pthread_attr_t attr;
    pthread_t thread;
    int started = 0;
    __atomic_add_fetch(&pending_destroys, 1, __ATOMIC_ACQUIRE);
    if (pthread_attr_init(&attr) == 0) {
        started = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                  pthread_create(&thread, &attr, fn, arg) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started) fn(arg);
}

static void pusher_dtor(ErlNifEnv *env, void *obj) {
    pusher_res *res = obj;
    (void)env;
    if (!res->pusher) return;
    /* After apns_pusher_close every thread is stopped: destroying is quick. */
    if (__atomic_load_n(&res->closed, __ATOMIC_ACQUIRE)) apns_pusher_destroy(res->pusher);
    else run_detached(destroy_pusher_thread, res->pusher);
}

static void mock_dtor(ErlNifEnv *env, void *obj) {
    mock_res *res = obj;
    (void)env;
    if (!res->mock) return;
    if (__atomic_load_n(&res->stopped, __ATOMIC_ACQUIRE)) apns_mock_destroy(res->mock);
    else run_detached(destroy_mock_thread, res->mock);
}

/* apns_channels_destroy never blocks long: it runs in the destructor itself. */
static void channels_dtor(ErlNifEnv *env, void *obj) {
    channels_res *res = obj;
    (void)env;
    if (res->channels) apns_channels_destroy(res->channels);
}

static int get_channels(ErlNifEnv *env, ERL_NIF_TERM term, channels_res **out) {
    return enif_get_resource(env, term, CHANNELS_RES, (void **)out) && (*out)->channels;
}

static int get_pusher(ErlNifEnv *env, ERL_NIF_TERM term, pusher_res **out) {
    return enif_get_resource(env, term, PUSHER_RES, (void **)out) && (*out)->pusher;
}

static int get_mock(ErlNifEnv *env, ERL_NIF_TERM term, mock_res **out) {
    return enif_get_resource(env, term, MOCK_RES, (void **)out) && (*out)->mock;
}

/* ---- mock ------------------------------------------------------------------------------- */

#define BADARG (-1)

/* One {Key, Value} option of start_mock_nif on a mock not yet started: an apns_result, or
 * BADARG for an unknown key or a value of the wrong type. */
static int mock_option(ErlNifEnv *env, apns_mock *m, const char *key, ERL_NIF_TERM value) {
    ErlNifUInt64 k;
    bool on;
    if (strcmp(key, "protocol") == 0) {
        char *protocol = dup_text(env, value);
        apns_result r;
        if (!protocol) return BADARG;
        r = apns_mock_set_protocol(m, protocol);
        free(protocol);
        return r;
    }
    if (strcmp(key, "reject") == 0 || strcmp(key, "feedback") == 0) {
        /* reject: [{TokenHex, Status}]; feedback: [{EpochSeconds, TokenHex}] */
        int reject = strcmp(key, "reject") == 0;
        ERL_NIF_TERM head, list = value;
        while (enif_get_list_cell(env, list, &head, &list)) {
            const ERL_NIF_TERM *pair;
            int arity;
            unsigned int number;
            char *token;
            apns_result r;
            if (!enif_get_tuple(env, head, &arity, &pair) || arity != 2 ||
                !enif_get_uint(env, pair[reject ? 1 : 0], &number) || (reject && number > 255) ||
                !(token = dup_text(env, pair[reject ? 0 : 1]))) {
                return BADARG;
            }
            r = reject ? apns_mock_reject_token(m, token, (uint8_t)number)
                       : apns_mock_add_feedback(m, number, token);
            free(token);
            if (r != APNS_OK) return r;
        }
        return enif_is_empty_list(env, list) ? APNS_OK : BADARG;
    }
    if (strcmp(key, "reject_http2") == 0) {
        /* [{TokenHex, Status, Reason}] */
        ERL_NIF_TERM head, list = value;
        while (enif_get_list_cell(env, list, &head, &list)) {
            const ERL_NIF_TERM *triple;
            int arity;
            unsigned int status;
            char *token = NULL, *reason = NULL;
            apns_result r;
            if (!enif_get_tuple(env, head, &arity, &triple) || arity != 3 ||
                !enif_get_uint(env, triple[1], &status) || status > 65535 ||
                !(token = dup_text(env, triple[0])) || !(reason = dup_text(env, triple[2]))) {
                free(token);
                return BADARG;
            }
            r = apns_mock_reject_token_http2(m, token, (uint16_t)status, reason);
            free(token);
            free(reason);
            if (r != APNS_OK) return r;
        }
        return enif_is_empty_list(env, list) ? APNS_OK : BADARG;
    }
    if (strcmp(key, "record_payloads") == 0 || strcmp(key, "require_client_cert") == 0) {
        if (!get_bool(env, value, &on)) return BADARG;
        if (strcmp(key, "record_payloads") == 0) return apns_mock_set_record_payloads(m, on);
        return apns_mock_set_require_client_cert(m, on);
    }
    if (!enif_get_uint64(env, value, &k)) return BADARG;
    if (strcmp(key, "drop_after") == 0) return apns_mock_set_drop_after(m, k);
    if (strcmp(key, "shutdown_after") == 0) return apns_mock_set_shutdown_after(m, k);
    if (strcmp(key, "close_silently_after") == 0) return apns_mock_set_close_silently_after(m, k);
    if (strcmp(key, "error_delay_ms") == 0) return apns_mock_set_error_delay_ms(m, k);
    if (strcmp(key, "stall_after") == 0) return apns_mock_set_stall_after(m, k);
    if (strcmp(key, "max_channels") == 0) return apns_mock_set_max_channels(m, k);
    return BADARG;
}

/* start_mock_nif([{Key :: atom(), Value}]) -> {ok, Mock} | {error, _}. Dirty: generates
 * certificates and binds the listeners. */
static ERL_NIF_TERM start_mock_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    apns_mock *m = NULL;
    ERL_NIF_TERM head, list = argv[0], term;
    int r;
    mock_res *res;
    (void)argc;
    if (!enif_is_list(env, list)) return enif_make_badarg(env);
    r = apns_mock_new(&m);
    if (r != APNS_OK) return make_error(env, r, NULL);
    while (r == APNS_OK && enif_get_list_cell(env, list, &head, &list)) {
        const ERL_NIF_TERM *pair;
        int arity;
        char key[32];
        r = enif_get_tuple(env, head, &arity, &pair) && arity == 2 &&
                    enif_get_atom(env, pair[0], key, sizeof key, ERL_NIF_LATIN1)
                ? mock_option(env, m, key, pair[1])
                : BADARG;
    }
    if (r == APNS_OK) r = apns_mock_start(m);
    if (r != APNS_OK) {
        apns_mock_destroy(m);
        return r == BADARG ? enif_make_badarg(env) : make_error(env, r, NULL);
    }
    res = enif_alloc_resource(MOCK_RES, sizeof *res);
    res->mock = m;
    res->stopped = 0;
    term = enif_make_resource(env, res);
    enif_release_resource(res);
    return ok2(env, term);
}

static ERL_NIF_TERM mock_port_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    (void)argc;
    if (!get_mock(env, argv[0], &res)) return enif_make_badarg(env);
    return enif_make_uint(env, apns_mock_port(res->mock));
}

static ERL_NIF_TERM mock_channel_port_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    (void)argc;
    if (!get_mock(env, argv[0], &res)) return enif_make_badarg(env);
    return enif_make_uint(env, apns_mock_channel_port(res->mock));
}

static ERL_NIF_TERM mock_accepted_count_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    (void)argc;
    if (!get_mock(env, argv[0], &res)) return enif_make_badarg(env);
    return enif_make_uint64(env, apns_mock_accepted_count(res->mock));
}

static ERL_NIF_TERM mock_connections_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    (void)argc;
    if (!get_mock(env, argv[0], &res)) return enif_make_badarg(env);
    return enif_make_uint64(env, apns_mock_connections(res->mock));
}

/* mock_record_nif(Mock, accepted | rejected | http2_requests | channels) -> {ok, JsonBinary} |
 * {error, _}. */
static ERL_NIF_TERM mock_record_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    char which[16];
    (void)argc;
    if (!get_mock(env, argv[0], &res) ||
        !enif_get_atom(env, argv[1], which, sizeof which, ERL_NIF_LATIN1)) {
        return enif_make_badarg(env);
    }
    if (strcmp(which, "accepted") == 0) return read_text(env, res->mock, read_mock_accepted);
    if (strcmp(which, "rejected") == 0) return read_text(env, res->mock, read_mock_rejected);
    if (strcmp(which, "http2_requests") == 0) {
        return read_text(env, res->mock, read_mock_http2_requests);
    }
    if (strcmp(which, "channels") == 0) return read_text(env, res->mock, read_mock_channels);
    return enif_make_badarg(env);
}

/* Dirty: joins the server's threads. The record stays readable. */
static ERL_NIF_TERM stop_mock_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    mock_res *res;
    apns_result r;
    (void)argc;
    if (!get_mock(env, argv[0], &res)) return enif_make_badarg(env);
    r = apns_mock_stop(res->mock);
    if (r != APNS_OK) return make_error(env, r, NULL);
    __atomic_store_n(&res->stopped, 1, __ATOMIC_RELEASE);
    return ATOM_OK;
}

/* ---- pusher ----------------------------------------------------------------------------- */

/* A new configuration from (Mock | undefined, [{KeyBin, ValueBin}]): the mock's keys first, then
 * the pairs in order. Returns APNS_OK with `*out` set (the caller destroys it), an apns_result
 * with its message in `errbuf`, or BADARG. `*block` receives block_when_full (default 1). */
static int config_from(ErlNifEnv *env, ERL_NIF_TERM mock_term, ERL_NIF_TERM list, apns_conf **out,
                       char *errbuf, size_t errlen, int *block) {
    apns_conf *conf = NULL;
    mock_res *mock = NULL;
    ERL_NIF_TERM head;
    int r;
    *block = 1;
    if (!enif_is_identical(mock_term, ATOM_UNDEFINED) && !get_mock(env, mock_term, &mock)) return BADARG;
    if (!enif_is_list(env, list)) return BADARG;
    r = apns_conf_new(&conf);
    if (r != APNS_OK) return r;
    if (mock) r = apns_mock_config_apply(mock->mock, conf);
    while (r == APNS_OK && enif_get_list_cell(env, list, &head, &list)) {
        const ERL_NIF_TERM *pair;
        int arity;
        char *key = NULL, *value = NULL;
        if (!enif_get_tuple(env, head, &arity, &pair) || arity != 2 ||
            !(key = dup_text(env, pair[0])) || !(value = dup_text(env, pair[1]))) {
            free(key);
            r = BADARG;
            break;
        }
        r = apns_conf_set(conf, key, value, errbuf, errlen);
        /* Validated by apns_conf_set: true, 1 or yes means block. */
        if (r == APNS_OK && strcmp(key, "block_when_full") == 0) {
            *block = !strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes");
        }
        free(key);
        free(value);
    }
    if (r != APNS_OK) {
        apns_conf_destroy(conf);
        return r;
    }
    *out = conf;
    return APNS_OK;
}

/* new_nif(Mock | undefined, [{KeyBin, ValueBin}]) -> {ok, Pusher} | {error, _}. Dirty: connects.
 * The mock's keys are applied first, then the pairs in order. */
static ERL_NIF_TERM new_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    char errbuf[ERRBUF_LEN] = "";
    apns_conf *conf = NULL;
    apns_pusher *pusher = NULL;
    ERL_NIF_TERM term;
    int r, block = 1;
    pusher_res *res;
    (void)argc;
    r = config_from(env, argv[0], argv[1], &conf, errbuf, sizeof errbuf, &block);
    if (r == BADARG) return enif_make_badarg(env);
    if (r == APNS_OK) {
        r = apns_pusher_new(conf, &pusher, errbuf, sizeof errbuf);
        apns_conf_destroy(conf);
    }
    if (r != APNS_OK) return make_error(env, r, errbuf);
    res = enif_alloc_resource(PUSHER_RES, sizeof *res);
    res->pusher = pusher;
    res->closed = 0;
    res->block_when_full = block;
    term = enif_make_resource(env, res);
    enif_release_resource(res);
    return ok2(env, term);
}

/* A list of texts on a string-array setter: an apns_result, or BADARG for a term that is not a
 * proper list of iolists without NUL bytes. */
static int text_list_option(ErlNifEnv *env, apns_notification_builder *b, ERL_NIF_TERM value,
                            apns_result (*set)(apns_notification_builder *, const char *const *, size_t)) {
    unsigned count = 0, n = 0;
    char **args;
    ERL_NIF_TERM head, list = value;
    int r = APNS_OK;
    if (!enif_get_list_length(env, value, &count)) return BADARG;
    args = calloc(count ? count : 1, sizeof *args);
    if (!args) return APNS_ERR_INTERNAL;
    while (r == APNS_OK && enif_get_list_cell(env, list, &head, &list)) {
        if (!(args[n] = dup_text(env, head))) r = BADARG;
        else n++;
    }
    if (r == APNS_OK) r = set(b, (const char *const *)args, n);
    while (n > 0) free(args[--n]);
    free(args);
    return r;
}

/* One notification option on a builder: an apns_result, or BADARG for an unknown key or a value
 * of the wrong type. apnspush.erl has checked keys, types and ranges and turned every text into a
 * binary; a texts option is [Bin], a unit option a float, a critical sound {NameBin, Volume},
 * an object option (content_state, attributes) its JSON text and `custom` [{KeyBin, JsonBin}].
 * Adding a text, texts, unit or epoch option is one table line. */
static int notification_option(ErlNifEnv *env, apns_notification_builder *b, const char *key,
                               ERL_NIF_TERM value) {
    typedef apns_result (*text_setter)(apns_notification_builder *, const char *);
    typedef apns_result (*texts_setter)(apns_notification_builder *, const char *const *, size_t);
    typedef apns_result (*unit_setter)(apns_notification_builder *, double);
    typedef apns_result (*epoch_setter)(apns_notification_builder *, uint64_t);
    static const struct {
        const char *key;
        text_setter set;
    } texts[] = {
        {"apns_id", apns_notification_builder_set_apns_id},
        {"topic", apns_notification_builder_set_topic},
        {"push_type", apns_notification_builder_set_push_type},
        {"collapse_id", apns_notification_builder_set_collapse_id},
        {"alert_title", apns_notification_builder_set_alert_title},
        {"alert_body", apns_notification_builder_set_alert_body},
        {"alert_subtitle", apns_notification_builder_set_alert_subtitle},
        {"alert_launch_image", apns_notification_builder_set_alert_launch_image},
        {"alert_title_loc_key", apns_notification_builder_set_alert_title_loc_key},
        {"alert_subtitle_loc_key", apns_notification_builder_set_alert_subtitle_loc_key},
        {"alert_loc_key", apns_notification_builder_set_alert_loc_key},
        {"sound", apns_notification_builder_set_sound},
        {"category", apns_notification_builder_set_category},
        {"thread_id", apns_notification_builder_set_thread_id},
        {"target_content_id", apns_notification_builder_set_target_content_id},
        {"interruption_level", apns_notification_builder_set_interruption_level},
        {"filter_criteria", apns_notification_builder_set_filter_criteria},
        {"channel_id", apns_notification_builder_set_channel_id},
        {"event", apns_notification_builder_set_event},
        {"content_state", apns_notification_builder_set_content_state_json},
        {"attributes_type", apns_notification_builder_set_attributes_type},
        {"attributes", apns_notification_builder_set_attributes_json},
    };
    static const struct {
        const char *key;
        texts_setter set;
    } text_lists[] = {
        {"alert_title_loc_args", apns_notification_builder_set_alert_title_loc_args},
        {"alert_subtitle_loc_args", apns_notification_builder_set_alert_subtitle_loc_args},
        {"alert_loc_args", apns_notification_builder_set_alert_loc_args},
        {"url_args", apns_notification_builder_set_url_args},
    };
    static const struct {
        const char *key;
        unit_setter set;
    } units[] = {
        {"relevance_score", apns_notification_builder_set_relevance_score},
    };
    static const struct {
        const char *key;
        epoch_setter set;
    } epochs[] = {
        {"timestamp", apns_notification_builder_set_timestamp},
        {"stale_date", apns_notification_builder_set_stale_date},
        {"dismissal_date", apns_notification_builder_set_dismissal_date},
    };
    ErlNifUInt64 number;
    double real;
    bool on;
    if (strcmp(key, "sound") == 0 && enif_is_tuple(env, value)) {
        const ERL_NIF_TERM *parts;
        int arity;
        char *name;
        apns_result r;
        if (!enif_get_tuple(env, value, &arity, &parts) || arity != 2 ||
            !enif_get_double(env, parts[1], &real) || !(name = dup_text(env, parts[0]))) {
            return BADARG;
        }
        r = apns_notification_builder_set_sound_critical(b, name, real);
        free(name);
        return r;
    }
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (strcmp(key, texts[i].key) == 0) {
            char *text = dup_text(env, value);
            apns_result r;
            if (!text) return BADARG;
            r = texts[i].set(b, text);
            free(text);
            return r;
        }
    }
    for (size_t i = 0; i < sizeof text_lists / sizeof text_lists[0]; i++) {
        if (strcmp(key, text_lists[i].key) == 0) return text_list_option(env, b, value, text_lists[i].set);
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(key, units[i].key) == 0) {
            if (!enif_get_double(env, value, &real)) return BADARG;
            return units[i].set(b, real);
        }
    }
    if (strcmp(key, "content_available") == 0 || strcmp(key, "mutable_content") == 0) {
        if (!get_bool(env, value, &on)) return BADARG;
        return key[0] == 'c' ? apns_notification_builder_set_content_available(b, on)
                             : apns_notification_builder_set_mutable_content(b, on);
    }
    if (strcmp(key, "custom") == 0) {
        ERL_NIF_TERM head, list = value;
        while (enif_get_list_cell(env, list, &head, &list)) {
            const ERL_NIF_TERM *pair;
            int arity;
            char *name = NULL, *json = NULL;
            apns_result r;
            if (!enif_get_tuple(env, head, &arity, &pair) || arity != 2 ||
                !(name = dup_text(env, pair[0])) || !(json = dup_text(env, pair[1]))) {
                free(name);
                return BADARG;
            }
            r = apns_notification_builder_set_custom_json(b, name, json);
            free(name);
            free(json);
            if (r != APNS_OK) return r;
        }
        return enif_is_empty_list(env, list) ? APNS_OK : BADARG;
    }
    if (!enif_get_uint64(env, value, &number)) return BADARG;
    for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
        if (strcmp(key, epochs[i].key) == 0) return epochs[i].set(b, number);
    }
    if (strcmp(key, "user_data") == 0) {
#if UINTPTR_MAX < UINT64_MAX
        if (number > UINTPTR_MAX) return BADARG;
#endif
        return apns_notification_builder_set_user_data(b, (void *)(uintptr_t)number);
    }
    if (strcmp(key, "badge") == 0 && number <= UINT32_MAX) {
        return apns_notification_builder_set_badge(b, (uint32_t)number);
    }
    if (strcmp(key, "expiry") == 0 && number <= UINT32_MAX) {
        return apns_notification_builder_set_expiry(b, (uint32_t)number);
    }
    if (strcmp(key, "priority") == 0 && number <= UINT8_MAX) {
        return apns_notification_builder_set_priority(b, (uint8_t)number);
    }
    return BADARG;
}

/* Builds a notification from the token hex (or the atom undefined: a broadcast, whose channel is
 * the channel_id option), the payload JSON (or the atom undefined: built from the options) and
 * the options [{Key :: atom(), Value}]. Returns 1 with `*out` set, or 0 with
 * `*error` set to a badarg or {error, _} term. */
static int build_notification(ErlNifEnv *env, ERL_NIF_TERM token_term, ERL_NIF_TERM payload_term,
                              ERL_NIF_TERM options, apns_notification **out, ERL_NIF_TERM *error) {
    char errbuf[ERRBUF_LEN] = "";
    apns_notification_builder *b = NULL;
    ERL_NIF_TERM head, list = options;
    char *text;
    int r = apns_notification_builder_new(&b);
    if (r != APNS_OK) {
        *error = make_error(env, r, NULL);
        return 0;
    }
    if (enif_is_identical(token_term, ATOM_UNDEFINED)) {
        r = APNS_OK;
    } else if (!(text = dup_text(env, token_term))) {
        r = BADARG;
    } else {
        r = apns_notification_builder_set_token_hex(b, text);
        free(text);
    }
    if (r == APNS_OK && !enif_is_identical(payload_term, ATOM_UNDEFINED)) {
        if (!(text = dup_text(env, payload_term))) {
            r = BADARG;
        } else {
            r = apns_notification_builder_set_payload_json(b, text);
            free(text);
        }
    }
    while (r == APNS_OK && enif_get_list_cell(env, list, &head, &list)) {
        const ERL_NIF_TERM *pair;
        int arity;
        char key[32];
        r = enif_get_tuple(env, head, &arity, &pair) && arity == 2 &&
                    enif_get_atom(env, pair[0], key, sizeof key, ERL_NIF_LATIN1)
                ? notification_option(env, b, key, pair[1])
                : BADARG;
        if (r != APNS_OK && r != BADARG) snprintf(errbuf, sizeof errbuf, "%s: %s", key, apns_result_describe(r));
    }
    if (r == APNS_OK && !enif_is_empty_list(env, list)) r = BADARG;
    if (r == APNS_OK) r = apns_notification_builder_build(b, out, errbuf, sizeof errbuf);
    apns_notification_builder_destroy(b);
    if (r == APNS_OK) return 1;
    *error = r == BADARG ? enif_make_badarg(env) : make_error(env, r, errbuf);
    return 0;
}

/* Dirty: waits for room in the full queue, in slices, while the caller is alive. */
static ERL_NIF_TERM push_blocking_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    apns_notification *n;
    ERL_NIF_TERM error;
    uint64_t id = 0;
    apns_result r;
    (void)argc;
    if (!get_pusher(env, argv[0], &res)) return enif_make_badarg(env);
    if (!build_notification(env, argv[1], argv[2], argv[3], &n, &error)) return error;
    while ((r = apns_pusher_push_async_timeout(res->pusher, n, ROOM_SLICE_MS, &id)) ==
           APNS_ERR_QUEUE_FULL) {
        if (!enif_is_current_process_alive(env)) break;
    }
    if (r != APNS_OK) {
        apns_notification_destroy(n);
        return make_error(env, r, NULL);
    }
    return ok2(env, enif_make_uint64(env, id));
}

/* push_nif(Pusher, TokenHex, PayloadJson | undefined, Options) -> {ok, Id} | {error, _}:
 * enqueue, never blocks a normal scheduler (see the file comment). */
static ERL_NIF_TERM push_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    apns_notification *n;
    ERL_NIF_TERM error;
    uint64_t id = 0;
    apns_result r;
    if (!get_pusher(env, argv[0], &res)) return enif_make_badarg(env);
    if (!build_notification(env, argv[1], argv[2], argv[3], &n, &error)) return error;
    r = apns_pusher_push_async_timeout(res->pusher, n, 0, &id);
    if (r == APNS_OK) return ok2(env, enif_make_uint64(env, id));
    apns_notification_destroy(n);
    if (r == APNS_ERR_QUEUE_FULL && res->block_when_full) {
        return enif_schedule_nif(env, "push_blocking", ERL_NIF_DIRTY_JOB_IO_BOUND, push_blocking_nif,
                                 argc, argv);
    }
    return make_error(env, r, NULL);
}

/* #{id, kind, status, reason, error, timestamp, apns_id, attempts, confirmed, token, channel_id,
 * user_data} of an outcome: error, timestamp, channel_id and apns_id are undefined when the
 * outcome has none. */
static ERL_NIF_TERM make_outcome(ErlNifEnv *env, const apns_outcome *o) {
    ERL_NIF_TERM keys[12], values[12], map;
    int error = apns_outcome_error(o);
    uint64_t timestamp = 0;
    const char *apns_id = apns_outcome_apns_id(o);
    const char *channel_id = apns_outcome_channel_id(o);
    keys[0] = ATOM_ID, values[0] = enif_make_uint64(env, apns_outcome_id(o));
    keys[1] = ATOM_KIND, values[1] = enif_make_atom(env, apns_outcome_kind_name(apns_outcome_kind(o)));
    keys[2] = ATOM_STATUS, values[2] = enif_make_uint(env, apns_outcome_status(o));
    keys[3] = ATOM_REASON, values[3] = make_text(env, apns_outcome_reason(o));
    keys[4] = ATOM_TOKEN, values[4] = make_text(env, apns_outcome_token_hex(o));
    keys[5] = ATOM_ERROR;
    values[5] = error == APNS_OK ? ATOM_UNDEFINED : make_code(env, error);
    keys[6] = ATOM_CONFIRMED, values[6] = apns_outcome_confirmed(o) ? ATOM_TRUE : ATOM_FALSE;
    keys[7] = ATOM_ATTEMPTS, values[7] = enif_make_uint(env, apns_outcome_attempts(o));
    keys[8] = ATOM_TIMESTAMP;
    values[8] = apns_outcome_timestamp(o, &timestamp) ? enif_make_uint64(env, timestamp) : ATOM_UNDEFINED;
    keys[9] = ATOM_APNS_ID, values[9] = apns_id ? make_text(env, apns_id) : ATOM_UNDEFINED;
    keys[10] = ATOM_USER_DATA;
    values[10] = enif_make_uint64(env, (uintptr_t)apns_outcome_user_data(o));
    keys[11] = ATOM_CHANNEL_ID, values[11] = channel_id ? make_text(env, channel_id) : ATOM_UNDEFINED;
    if (!enif_make_map_from_arrays(env, keys, values, 12, &map)) return enif_make_badarg(env);
    return map;
}

/* ensure_push_nif(Pusher, TokenHex, PayloadJson | undefined, Options, Timeout) ->
 * {ok, Outcome} | {error, _}. Dirty. */
static ERL_NIF_TERM ensure_push_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    apns_notification *n;
    apns_outcome *o = NULL;
    ERL_NIF_TERM error, term;
    ErlNifSInt64 timeout;
    apns_result r;
    (void)argc;
    if (!get_pusher(env, argv[0], &res) || !get_timeout(env, argv[4], &timeout)) {
        return enif_make_badarg(env);
    }
    if (!build_notification(env, argv[1], argv[2], argv[3], &n, &error)) return error;
    /* With block_when_full the engine waits for room itself (woken when there is some). */
    r = apns_pusher_ensure_push(res->pusher, n, timeout, &o);
    if (r != APNS_OK) {
        apns_notification_destroy(n);
        return make_error(env, r, NULL);
    }
    term = make_outcome(env, o);
    apns_outcome_destroy(o);
    return ok2(env, term);
}

/* ensure_delivery_nif(Pusher, Timeout) -> ok | {error, _}. Dirty; waits in slices and stops
 * early (returning {error, {closed, _}}) if the calling process died. */
static ERL_NIF_TERM ensure_delivery_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    ErlNifSInt64 timeout, deadline;
    uint64_t through;
    (void)argc;
    if (!get_pusher(env, argv[0], &res) || !get_timeout(env, argv[1], &timeout)) {
        return enif_make_badarg(env);
    }
    deadline = enif_monotonic_time(ERL_NIF_MSEC) + timeout;
    /* The set to wait for is fixed now: later pushes by other processes are not waited for. */
    through = apns_pusher_last_id(res->pusher);
    for (;;) {
        ErlNifSInt64 slice = WAIT_SLICE_MS, left = deadline - enif_monotonic_time(ERL_NIF_MSEC);
        apns_result r;
        if (timeout >= 0 && left < slice) slice = left < 0 ? 0 : left;
        r = apns_pusher_ensure_delivery_through(res->pusher, through, slice, NULL, NULL);
        if (r == APNS_OK) return ATOM_OK;
        if (r != APNS_ERR_TIMEOUT || (timeout >= 0 && slice < WAIT_SLICE_MS)) return make_error(env, r, NULL);
        if (!enif_is_current_process_alive(env)) return make_error(env, APNS_ERR_CLOSED, "caller exited");
    }
}

typedef struct {
    ErlNifEnv *env;
    ERL_NIF_TERM list;
} collector;

/* Runs on the thread that called the C function (the C API guarantees it). */
static void collect_outcome(void *userdata, const apns_outcome *o) {
    collector *c = userdata;
    c->list = enif_make_list_cell(c->env, make_outcome(c->env, o), c->list);
}

static ERL_NIF_TERM collected(collector *c) {
    ERL_NIF_TERM ordered;
    enif_make_reverse_list(c->env, c->list, &ordered);
    return ordered;
}

/* The list the log callback appends to: set by the NIF that calls apns_log_poll or
 * apns_pusher_poll on this thread, for the duration of that call only. */
static __thread collector *log_sink;

/* The process's apns_log_fn (see the file comment): {Level, Target, Message}, Level an Erlang
 * logger level (trace, which logger lacks, is debug). */
static void collect_log(void *ctx, uint32_t level, const char *target, const char *message) {
    collector *c = log_sink;
    ERL_NIF_TERM atom;
    (void)ctx;
    if (!c) return; /* never: only the two calls above serve records */
    atom = level <= 1 ? ATOM_ERROR_LEVEL : level == 2 ? ATOM_WARNING : level == 3 ? ATOM_INFO : ATOM_DEBUG;
    c->list = enif_make_list_cell(
        c->env, enif_make_tuple3(c->env, atom, make_text(c->env, target), make_text(c->env, message)),
        c->list);
}

/* set_log_level_nif(0..5) -> ok | {error, _}: installs collect_log for records up to that level
 * (1 error .. 5 trace); 0 turns logging off and discards queued records. */
static ERL_NIF_TERM set_log_level_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    unsigned int level;
    apns_result r;
    (void)argc;
    if (!enif_get_uint(env, argv[0], &level) || level > 5) return enif_make_badarg(env);
    r = apns_set_log_callback(level ? collect_log : NULL, NULL, level);
    return r == APNS_OK ? ATOM_OK : make_error(env, r, NULL);
}

/* log_poll_nif(Max) -> [{Level, Target, Message}]: the queued log records, oldest first. Dirty
 * CPU (builds up to Max terms); never waits. */
static ERL_NIF_TERM log_poll_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    collector logs = {env, enif_make_list(env, 0)};
    ErlNifUInt64 max;
    apns_result r;
    (void)argc;
    if (!enif_get_uint64(env, argv[0], &max)) return enif_make_badarg(env);
    log_sink = &logs;
    r = apns_log_poll((size_t)max, NULL);
    log_sink = NULL;
    if (r != APNS_OK) return make_error(env, r, NULL);
    return collected(&logs);
}

/* failed_notifications_nif(Pusher) -> [Outcome]: drains; never waits. */
static ERL_NIF_TERM failed_notifications_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    collector c = {env, enif_make_list(env, 0)};
    apns_result r;
    (void)argc;
    if (!get_pusher(env, argv[0], &res)) return enif_make_badarg(env);
    r = apns_pusher_failed_notifications(res->pusher, collect_outcome, &c, NULL);
    if (r != APNS_OK) return make_error(env, r, NULL);
    return collected(&c);
}

/* poll_nif(Pusher, TimeoutMs) -> {[Outcome], [LogRecord]}: the queued outcome reports and the
 * log records apns_pusher_poll serves first. Dirty (may wait). */
static ERL_NIF_TERM poll_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    collector c = {env, enif_make_list(env, 0)};
    collector logs = {env, enif_make_list(env, 0)};
    ErlNifSInt64 timeout;
    apns_result r;
    (void)argc;
    if (!get_pusher(env, argv[0], &res) || !get_timeout(env, argv[1], &timeout)) {
        return enif_make_badarg(env);
    }
    log_sink = &logs;
    r = apns_pusher_poll(res->pusher, timeout, collect_outcome, &c, NULL);
    log_sink = NULL;
    if (r != APNS_OK) return make_error(env, r, NULL);
    return enif_make_tuple2(env, collected(&c), collected(&logs));
}

/* stats_nif(Pusher) -> {ok, JsonBinary}. Never blocks. */
static ERL_NIF_TERM stats_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    (void)argc;
    if (!get_pusher(env, argv[0], &res)) return enif_make_badarg(env);
    return read_text(env, res->pusher, read_stats);
}

/* close_nif(Pusher, TimeoutMs) -> {ok, #{cancelled, unconfirmed}}. Dirty. The C handle is freed
 * by the resource destructor. */
static ERL_NIF_TERM close_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    pusher_res *res;
    ErlNifUInt64 timeout;
    uint64_t cancelled = 0, unconfirmed = 0;
    ERL_NIF_TERM keys[2], values[2], map;
    apns_result r;
    (void)argc;
    if (!get_pusher(env, argv[0], &res) || !enif_get_uint64(env, argv[1], &timeout)) {
        return enif_make_badarg(env);
    }
    r = apns_pusher_close(res->pusher, timeout, &cancelled, &unconfirmed);
    if (r != APNS_OK) return make_error(env, r, NULL);
    __atomic_store_n(&res->closed, 1, __ATOMIC_RELEASE);
    keys[0] = ATOM_CANCELLED, values[0] = enif_make_uint64(env, cancelled);
    keys[1] = ATOM_UNCONFIRMED, values[1] = enif_make_uint64(env, unconfirmed);
    enif_make_map_from_arrays(env, keys, values, 2, &map);
    return ok2(env, map);
}

/* fields_nif(stats | outcome) -> {ok, JsonArray}: the core's field list. Never blocks. */
static ERL_NIF_TERM fields_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    char which[16];
    (void)argc;
    if (!enif_get_atom(env, argv[0], which, sizeof which, ERL_NIF_LATIN1)) return enif_make_badarg(env);
    if (strcmp(which, "stats") == 0) return read_text(env, NULL, read_stats_fields);
    if (strcmp(which, "outcome") == 0) return read_text(env, NULL, read_outcome_fields);
    return enif_make_badarg(env);
}

static ERL_NIF_TERM version_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc, (void)argv;
    return make_text(env, apns_version());
}

/* ---- channels --------------------------------------------------------------------------- */

/* channels_new_nif(Mock | undefined, [{KeyBin, ValueBin}]) -> {ok, Channels} | {error, _}.
 * Dirty: connects. */
static ERL_NIF_TERM channels_new_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    char errbuf[ERRBUF_LEN] = "";
    apns_conf *conf = NULL;
    apns_channels *ch = NULL;
    ERL_NIF_TERM term;
    int r, block;
    channels_res *res;
    (void)argc;
    r = config_from(env, argv[0], argv[1], &conf, errbuf, sizeof errbuf, &block);
    if (r == BADARG) return enif_make_badarg(env);
    if (r == APNS_OK) {
        r = apns_channels_new(conf, &ch, errbuf, sizeof errbuf);
        apns_conf_destroy(conf);
    }
    if (r != APNS_OK) return make_error(env, r, errbuf);
    res = enif_alloc_resource(CHANNELS_RES, sizeof *res);
    res->channels = ch;
    term = enif_make_resource(env, res);
    enif_release_resource(res);
    return ok2(env, term);
}

/* channels_create_nif(Channels, Policy :: 0 | 1) -> {ok, IdBin} | {error, _}. Dirty. */
static ERL_NIF_TERM channels_create_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    char errbuf[ERRBUF_LEN] = "", id[APNS_CHANNEL_ID_BUF];
    channels_res *res;
    int policy;
    apns_result r;
    (void)argc;
    if (!get_channels(env, argv[0], &res) || !enif_get_int(env, argv[1], &policy)) {
        return enif_make_badarg(env);
    }
    r = apns_channels_create(res->channels, policy, id, sizeof id, NULL, errbuf, sizeof errbuf);
    return r == APNS_OK ? ok2(env, make_text(env, id)) : make_error(env, r, errbuf);
}

/* The JSON text of a get (`id` set) or a list (`id` NULL), asking again with the size the library
 * names (each call sends the request again). */
static ERL_NIF_TERM channels_read(ErlNifEnv *env, channels_res *res, const char *id) {
    size_t size = id ? 1024 : 65536;
    for (int attempt = 0; attempt < 4; attempt++) {
        char errbuf[ERRBUF_LEN] = "";
        ErlNifBinary bin;
        size_t needed = 0;
        apns_result r;
        if (!enif_alloc_binary(size, &bin)) return enif_raise_exception(env, enif_make_atom(env, "enomem"));
        r = id ? apns_channels_get(res->channels, id, (char *)bin.data, bin.size, &needed, errbuf, sizeof errbuf)
               : apns_channels_list(res->channels, (char *)bin.data, bin.size, &needed, errbuf, sizeof errbuf);
        if (r == APNS_OK) {
            enif_realloc_binary(&bin, needed - 1); /* drop the NUL */
            return ok2(env, enif_make_binary(env, &bin));
        }
        enif_release_binary(&bin);
        if (r != APNS_ERR_BUFFER_TOO_SMALL) return make_error(env, r, errbuf);
        size = needed;
    }
    return make_error(env, APNS_ERR_BUFFER_TOO_SMALL, NULL);
}

/* channels_get_nif(Channels, Id) -> {ok, JsonBin} | {error, _}. Dirty. */
static ERL_NIF_TERM channels_get_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    channels_res *res;
    char *id;
    ERL_NIF_TERM term;
    (void)argc;
    if (!get_channels(env, argv[0], &res) || !(id = dup_text(env, argv[1]))) return enif_make_badarg(env);
    term = channels_read(env, res, id);
    free(id);
    return term;
}

/* channels_list_nif(Channels) -> {ok, JsonBin} | {error, _}. Dirty. */
static ERL_NIF_TERM channels_list_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    channels_res *res;
    (void)argc;
    if (!get_channels(env, argv[0], &res)) return enif_make_badarg(env);
    return channels_read(env, res, NULL);
}

/* channels_delete_nif(Channels, Id) -> ok | {error, _}. Dirty. */
static ERL_NIF_TERM channels_delete_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    char errbuf[ERRBUF_LEN] = "";
    channels_res *res;
    char *id;
    apns_result r;
    (void)argc;
    if (!get_channels(env, argv[0], &res) || !(id = dup_text(env, argv[1]))) return enif_make_badarg(env);
    r = apns_channels_delete(res->channels, id, errbuf, sizeof errbuf);
    free(id);
    return r == APNS_OK ? ATOM_OK : make_error(env, r, errbuf);
}

/* channels_close_nif(Channels) -> ok. Dirty: waits for a call in progress. */
static ERL_NIF_TERM channels_close_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    channels_res *res;
    apns_result r;
    (void)argc;
    if (!get_channels(env, argv[0], &res)) return enif_make_badarg(env);
    r = apns_channels_close(res->channels);
    return r == APNS_OK ? ATOM_OK : make_error(env, r, NULL);
}

/* ---- module ----------------------------------------------------------------------------- */

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info) {
    ErlNifResourceFlags flags = ERL_NIF_RT_CREATE | ERL_NIF_RT_TAKEOVER;
    (void)priv, (void)info;
    PUSHER_RES = enif_open_resource_type(env, NULL, "apnspush_pusher", pusher_dtor, flags, NULL);
    MOCK_RES = enif_open_resource_type(env, NULL, "apnspush_mock", mock_dtor, flags, NULL);
    CHANNELS_RES = enif_open_resource_type(env, NULL, "apnspush_channels", channels_dtor, flags, NULL);
    if (!PUSHER_RES || !MOCK_RES || !CHANNELS_RES) return 1;
    ATOM_OK = enif_make_atom(env, "ok");
    ATOM_ERROR = enif_make_atom(env, "error");
    ATOM_TRUE = enif_make_atom(env, "true");
    ATOM_FALSE = enif_make_atom(env, "false");
    ATOM_UNDEFINED = enif_make_atom(env, "undefined");
    ATOM_ERROR_LEVEL = ATOM_ERROR;
    ATOM_WARNING = enif_make_atom(env, "warning");
    ATOM_INFO = enif_make_atom(env, "info");
    ATOM_DEBUG = enif_make_atom(env, "debug");
    ATOM_ID = enif_make_atom(env, "id");
    ATOM_KIND = enif_make_atom(env, "kind");
    ATOM_STATUS = enif_make_atom(env, "status");
    ATOM_REASON = enif_make_atom(env, "reason");
    ATOM_TOKEN = enif_make_atom(env, "token");
    ATOM_CONFIRMED = enif_make_atom(env, "confirmed");
    ATOM_ATTEMPTS = enif_make_atom(env, "attempts");
    ATOM_CANCELLED = enif_make_atom(env, "cancelled");
    ATOM_UNCONFIRMED = enif_make_atom(env, "unconfirmed");
    ATOM_TIMESTAMP = enif_make_atom(env, "timestamp");
    ATOM_APNS_ID = enif_make_atom(env, "apns_id");
    ATOM_CHANNEL_ID = enif_make_atom(env, "channel_id");
    ATOM_USER_DATA = enif_make_atom(env, "user_data");
    return 0;
}

/* The library's code must stay mapped until detached destroy threads are done. */
static void unload(ErlNifEnv *env, void *priv) {
    const struct timespec pause = {0, 1000000L}; /* 1 ms */
    (void)env, (void)priv;
    apns_set_log_callback(NULL, NULL, 0); /* collect_log goes away with this library */
    while (__atomic_load_n(&pending_destroys, __ATOMIC_ACQUIRE) > 0) nanosleep(&pause, NULL);
}

static ErlNifFunc nif_funcs[] = {
    {"start_mock_nif", 1, start_mock_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"mock_port_nif", 1, mock_port_nif, 0},
    {"mock_channel_port_nif", 1, mock_channel_port_nif, 0},
    {"mock_accepted_count_nif", 1, mock_accepted_count_nif, 0},
    {"mock_connections_nif", 1, mock_connections_nif, 0},
    {"mock_record_nif", 2, mock_record_nif, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"stop_mock_nif", 1, stop_mock_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"new_nif", 2, new_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"push_nif", 4, push_nif, 0},
    {"ensure_push_nif", 5, ensure_push_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"ensure_delivery_nif", 2, ensure_delivery_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"failed_notifications_nif", 1, failed_notifications_nif, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"poll_nif", 2, poll_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"stats_nif", 1, stats_nif, 0},
    {"close_nif", 2, close_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"version_nif", 0, version_nif, 0},
    {"fields_nif", 1, fields_nif, 0},
    {"set_log_level_nif", 1, set_log_level_nif, 0},
    {"log_poll_nif", 1, log_poll_nif, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"channels_new_nif", 2, channels_new_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"channels_create_nif", 2, channels_create_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"channels_get_nif", 2, channels_get_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"channels_list_nif", 1, channels_list_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"channels_delete_nif", 2, channels_delete_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"channels_close_nif", 1, channels_close_nif, ERL_NIF_DIRTY_JOB_IO_BOUND},
};

ERL_NIF_INIT(apnspush, nif_funcs, load, NULL, NULL, unload)

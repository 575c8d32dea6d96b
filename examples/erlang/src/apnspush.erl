%% Erlang bindings for libapnspush through a NIF (c_src/apnspush_nif.c, linked against
%% libapnspush.a). See docs/RUBY_ERLANG.md.
%%
%% Handles: a pusher and a mock are NIF resources; the C handles are freed when the resource is
%% garbage collected. close/1 and stop_mock/1 end the work early; the handle stays valid for
%% reading (failed_notifications/1, stats/1, mock_accepted_count/1, ...).
%% Processes: any process may use a handle, several at once.
%% Blocking: new/1, ensure_push/4, ensure_delivery/2, poll/2, close/1,2, start_mock/1 and
%% stop_mock/1 run on dirty I/O schedulers; push/3 runs on a normal scheduler and moves to a
%% dirty one only while the send queue is full (unless block_when_full is false, which makes it
%% return {error, {queue_full, _}}).
%% Errors: {error, {Code, Message}}, Code the C result name without APNS_ERR_, lower-case
%% (bad_token, invalid_json, unknown_config_key, connect, timeout, closed, ...); badarg for
%% arguments of the wrong type.
-module(apnspush).

-export([start_mock/0, start_mock/1, mock_config/1, mock_port/1, mock_accepted_count/1,
         mock_accepted/1, mock_rejected/1, mock_connections/1, stop_mock/1]).
-export([new/1, push/3, ensure_push/4, ensure_delivery/2, failed_notifications/1, poll/2,
         stats/1, close/1, close/2, version/0]).

-on_load(init/0).

-export_type([pusher/0, mock/0, error/0]).

-opaque pusher() :: reference().
-opaque mock() :: reference().
-type error() :: {error, {Code :: atom(), Message :: binary()}}.
-type text() :: binary() | string().
-type timeout_ms() :: non_neg_integer() | infinity.
-type outcome() :: #{id := pos_integer(),
                     kind := accepted | rejected | failed | expired | cancelled,
                     status := non_neg_integer(), reason := binary(), token := binary(),
                     error := atom(), confirmed := boolean(), attempts := non_neg_integer()}.

init() ->
    Beam = code:which(?MODULE),
    Priv = case code:priv_dir(?MODULE) of
               {error, bad_name} -> filename:join(filename:dirname(filename:dirname(Beam)), "priv");
               Dir -> Dir
           end,
    erlang:load_nif(filename:join(Priv, "apnspush_nif"), 0).

%% ---- mock -------------------------------------------------------------------------------

start_mock() -> start_mock(#{}).

%% Starts the built-in mock APNs server on 127.0.0.1. Options (all optional):
%% protocol => binary (default) | http2; reject => [{TokenHex, Status}] or #{TokenHex => Status}
%% (binary status 8 = invalid token); drop_after, shutdown_after, close_silently_after => K
%% (per connection, after K notifications); error_delay_ms => Ms; record_payloads => boolean();
%% require_client_cert => boolean(); feedback => [{EpochSeconds, TokenHex}].
-spec start_mock(map()) -> {ok, mock()} | error().
start_mock(Options) when is_map(Options) ->
    start_mock_nif([mock_option(K, V) || {K, V} <- maps:to_list(Options)]).

mock_option(protocol, P) -> {protocol, text(P)};
mock_option(reject, R) when is_map(R) -> mock_option(reject, maps:to_list(R));
mock_option(reject, R) -> {reject, [{text(T), S} || {T, S} <- R]};
mock_option(feedback, F) -> {feedback, [{Ts, text(T)} || {Ts, T} <- F]};
mock_option(Key, Value) when is_atom(Key) -> {Key, Value}.

%% What new/1 needs to reach the mock; append your own keys. The C API applies the mock's host,
%% port and TLS material to a configuration directly, so the list carries the mock itself.
-spec mock_config(mock()) -> [{mock, mock()}].
mock_config(Mock) -> [{mock, Mock}].

-spec mock_port(mock()) -> non_neg_integer().
mock_port(Mock) -> mock_port_nif(Mock).

%% Notifications the mock accepted so far (the final count once stopped).
-spec mock_accepted_count(mock()) -> non_neg_integer().
mock_accepted_count(Mock) -> mock_accepted_count_nif(Mock).

-spec mock_connections(mock()) -> non_neg_integer().
mock_connections(Mock) -> mock_connections_nif(Mock).

%% Accepted notifications in order: [#{identifier, token, payload, connection, apns_id}].
-spec mock_accepted(mock()) -> [map()] | error().
mock_accepted(Mock) -> record(Mock, accepted).

%% Rejections in order: binary [#{identifier, token, status, connection}].
-spec mock_rejected(mock()) -> [map()] | error().
mock_rejected(Mock) -> record(Mock, rejected).

record(Mock, Which) ->
    case mock_record_nif(Mock, Which) of
        {ok, Json} -> apnspush_json:decode(Json, atom);
        Error -> Error
    end.

%% Closes the listeners and connections and joins the server's threads; the record stays.
-spec stop_mock(mock()) -> ok | error().
stop_mock(Mock) -> stop_mock_nif(Mock).

%% ---- pusher -----------------------------------------------------------------------------

%% Creates a pusher and connects now. Config: [{Key, Value}] with the keys of docs/CONFIG.md
%% (atom, binary or string; values binary, string, integer or atom), plus {mock, Mock} from
%% mock_config/1, applied first.
-spec new([{atom() | text(), term()}]) -> {ok, pusher()} | error().
new(Config) when is_list(Config) ->
    Mock = proplists:get_value(mock, Config, undefined),
    new_nif(Mock, [{text(K), text(V)} || {K, V} <- Config, K =/= mock]).

%% Enqueues a notification (device token as hex, payload as JSON object text) and returns its
%% id at once; validated first (bad_token, invalid_json, payload_too_large).
-spec push(pusher(), text(), iodata()) -> {ok, pos_integer()} | error().
push(Pusher, TokenHex, PayloadJson) -> push_nif(Pusher, TokenHex, PayloadJson).

%% Enqueues a notification and waits for its final outcome. {error, {timeout, _}}: it is queued
%% and will still get an outcome.
-spec ensure_push(pusher(), text(), iodata(), timeout_ms()) -> {ok, outcome()} | error().
ensure_push(Pusher, TokenHex, PayloadJson, Timeout) ->
    ensure_push_nif(Pusher, TokenHex, PayloadJson, Timeout).

%% Waits until every notification pushed so far has its final outcome (in 100 ms slices; what
%% other processes push during the wait is not waited for).
-spec ensure_delivery(pusher(), timeout_ms()) -> ok | error().
ensure_delivery(Pusher, Timeout) -> ensure_delivery_nif(Pusher, Timeout).

%% Drains the outcomes that are not accepted: [{TokenHex, Status, Reason}] (binary status 8 =
%% invalid token; a failed outcome has status 0 and the library's message as reason).
-spec failed_notifications(pusher()) -> [{binary(), non_neg_integer(), binary()}] | error().
failed_notifications(Pusher) -> failed_notifications_nif(Pusher).

%% Takes the queued outcome reports (which ones: the outcome_reports key), waiting up to
%% Timeout for the first. A pusher never polled should set outcome_reports to failures or none.
-spec poll(pusher(), timeout_ms()) -> [outcome()] | error().
poll(Pusher, Timeout) -> poll_nif(Pusher, Timeout).

%% Every counter (pushed, accepted, rejected, duplicates_possible, ...) as a map.
-spec stats(pusher()) -> #{atom() => term()} | error().
stats(Pusher) ->
    case stats_nif(Pusher) of
        {ok, Json} -> apnspush_json:decode(Json, atom);
        Error -> Error
    end.

close(Pusher) -> close(Pusher, 5000).

%% Stops intake, flushes for most of TimeoutMs, and gives what is left an outcome (never
%% written: cancelled; written but unconfirmed: failed with closed). Later pushes give
%% {error, {closed, _}}. A second call does nothing.
-spec close(pusher(), non_neg_integer()) ->
          {ok, #{cancelled := non_neg_integer(), unconfirmed := non_neg_integer()}} | error().
close(Pusher, TimeoutMs) -> close_nif(Pusher, TimeoutMs).

%% The version of the loaded library.
-spec version() -> binary().
version() -> version_nif().

text(B) when is_binary(B) -> B;
text(A) when is_atom(A) -> atom_to_binary(A, utf8);
text(I) when is_integer(I) -> integer_to_binary(I);
text(L) when is_list(L) -> unicode:characters_to_binary(L).

%% ---- NIF stubs --------------------------------------------------------------------------

start_mock_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_port_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_accepted_count_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_connections_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_record_nif(_, _) -> erlang:nif_error(nif_not_loaded).
stop_mock_nif(_) -> erlang:nif_error(nif_not_loaded).
new_nif(_, _) -> erlang:nif_error(nif_not_loaded).
push_nif(_, _, _) -> erlang:nif_error(nif_not_loaded).
ensure_push_nif(_, _, _, _) -> erlang:nif_error(nif_not_loaded).
ensure_delivery_nif(_, _) -> erlang:nif_error(nif_not_loaded).
failed_notifications_nif(_) -> erlang:nif_error(nif_not_loaded).
poll_nif(_, _) -> erlang:nif_error(nif_not_loaded).
stats_nif(_) -> erlang:nif_error(nif_not_loaded).
close_nif(_, _) -> erlang:nif_error(nif_not_loaded).
version_nif() -> erlang:nif_error(nif_not_loaded).

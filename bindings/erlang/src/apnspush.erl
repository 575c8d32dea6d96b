%% Erlang bindings for libapnspush through a NIF (c_src/apnspush_nif.c, linked against
%% libapnspush.a). See docs/ERLANG.md.
%%
%% Handles: a pusher and a mock are NIF resources; the C handles are freed when the resource is
%% garbage collected. close/1 and stop_mock/1 end the work early; the handle stays valid for
%% reading (failed_notifications/1, stats/1, mock_accepted_count/1, ...).
%% Processes: any process may use a handle, several at once.
%% Blocking: new/1, ensure_push/4,5, ensure_delivery/2, poll/2, close/1,2, start_mock/1 and
%% stop_mock/1 run on dirty I/O schedulers; push/3,4 run on a normal scheduler and move to a
%% dirty one only while the send queue is full (unless block_when_full is false, which makes them
%% return {error, {queue_full, _}}).
%% Errors: {error, {Code, Message}}, Code the C result name without APNS_ERR_, lower-case
%% (bad_token, invalid_json, invalid_argument, unknown_config_key, connect, timeout, closed,
%% ...); badarg for a token, payload, pusher or mock of the wrong type.
-module(apnspush).

-export([start_mock/0, start_mock/1, mock_config/1, mock_port/1, mock_accepted_count/1,
         mock_accepted/1, mock_rejected/1, mock_http2_requests/1, mock_connections/1,
         mock_channel_port/1, mock_channels/1, stop_mock/1]).
-export([new/1, push/3, push/4, ensure_push/4, ensure_push/5, ensure_delivery/2,
         failed_notifications/1, poll/2, stats/1, close/1, close/2, version/0]).
-export([set_log_level/1, log_poll/0, log_poll/1]).
-export([stats_fields/0, outcome_fields/0]).
-export([channels_new/1, channels_create/2, channels_get/2, channels_list/1, channels_delete/2,
         channels_close/1]).

-on_load(init/0).

-export_type([pusher/0, mock/0, channels/0, error/0, payload/0, options/0, outcome/0]).

-opaque pusher() :: reference().
-opaque channels() :: reference().
-opaque mock() :: reference().
-type error() :: {error, {Code :: atom(), Message :: binary()}}.
-type text() :: binary() | string().
-type timeout_ms() :: non_neg_integer() | infinity.
%% The payload: JSON object text, a map encoded as JSON (apnspush_json:encode/1), or undefined
%% to build it from the options' payload fields.
-type payload() :: iodata() | map() | undefined.
%% Notification options; a key whose value is undefined is not set. Delivery: apns_id (UUID),
%% topic, priority (10, 5 or 1), expiry (epoch seconds; 0 = one attempt, not stored), push_type
%% (alert, background, voip, ...), collapse_id, user_data (an integer returned in the outcome).
%% Payload fields (the aps dictionary and custom keys), only without a payload: alert_title,
%% alert_body, alert_subtitle, alert_launch_image, alert_title_loc_key, alert_title_loc_args,
%% alert_subtitle_loc_key, alert_subtitle_loc_args, alert_loc_key, alert_loc_args, badge, sound
%% (a name, or the critical-alert sound #{name, critical => true, volume}), category,
%% thread_id, content_available, mutable_content, target_content_id, interruption_level
%% (passive, active, 'time-sensitive', critical), relevance_score, filter_criteria, url_args,
%% custom (#{Key => JSON term}). Ranges (volume and relevance_score 0.0..1.0, a loc-args with
%% its loc-key, ...) are checked by the library. Live Activity payload fields: event (start,
%% update, end), content_state (a map, a JSON object), timestamp, stale_date, dismissal_date
%% (epoch seconds), attributes_type (text), attributes (a map); Apple's rules (a timestamp
%% always, ...) are the library's. channel_id (delivery): the broadcast channel (Apple's base64
%% id) to send on instead of a device token, with TokenHex undefined.
-type options() :: #{apns_id => text(), topic => text(), priority => 0..255,
                     expiry => 0..4294967295 | undefined, push_type => atom() | text(),
                     collapse_id => text(), user_data => non_neg_integer(),
                     channel_id => text(),
                     alert_title => text(), alert_body => text(), alert_subtitle => text(),
                     alert_launch_image => text(), alert_title_loc_key => text(),
                     alert_title_loc_args => [text()], alert_subtitle_loc_key => text(),
                     alert_subtitle_loc_args => [text()], alert_loc_key => text(),
                     alert_loc_args => [text()], badge => 0..4294967295,
                     sound => text() | #{name := text(), critical := true, volume := number()},
                     category => text(), thread_id => text(),
                     content_available => boolean(), mutable_content => boolean(),
                     target_content_id => text(), interruption_level => atom() | text(),
                     relevance_score => number(), filter_criteria => text(),
                     url_args => [text()], custom => #{atom() | binary() => term()},
                     event => start | update | 'end' | text(), content_state => map(),
                     timestamp => non_neg_integer(), stale_date => non_neg_integer(),
                     dismissal_date => non_neg_integer(), attributes_type => text(),
                     attributes => map()}.
%% One notification's final outcome. timestamp: HTTP/2 410, when the token stopped being valid
%% (ms since the epoch); error: the engine error behind a failed outcome; apns_id: HTTP/2 only;
%% channel_id: the broadcast channel it was sent on (undefined when sent to a device token).
-type outcome() :: #{id := pos_integer(),
                     kind := accepted | rejected | failed | expired | cancelled,
                     status := non_neg_integer(), reason := binary(),
                     error := atom() | undefined, timestamp := non_neg_integer() | undefined,
                     apns_id := binary() | undefined, channel_id := binary() | undefined,
                     attempts := non_neg_integer(),
                     confirmed := boolean(), token := binary(), user_data := non_neg_integer()}.

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
%% (binary status 8 = invalid token; HTTP/2 answers 400 BadDeviceToken); reject_http2 =>
%% [{TokenHex, Status, Reason}] (HTTP/2, e.g. {T, 410, <<"Unregistered">>}); drop_after, shutdown_after, close_silently_after => K
%% (per connection, after K notifications); stall_after => K (HTTP/2: per connection, no
%% answer to any request after the K-th); error_delay_ms => Ms; record_payloads => boolean();
%% require_client_cert => boolean(); feedback => [{EpochSeconds, TokenHex}]; max_channels => N
%% (HTTP/2: broadcast channels kept per bundle id, default 10,000).
-spec start_mock(map()) -> {ok, mock()} | error().
start_mock(Options) when is_map(Options) ->
    start_mock_nif([mock_option(K, V) || {K, V} <- maps:to_list(Options)]).

mock_option(protocol, P) -> {protocol, text(P)};
mock_option(reject, R) when is_map(R) -> mock_option(reject, maps:to_list(R));
mock_option(reject, R) -> {reject, [{text(T), S} || {T, S} <- R]};
mock_option(reject_http2, R) -> {reject_http2, [{text(T), S, text(Why)} || {T, S, Why} <- R]};
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

%% Rejections in order: binary [#{identifier, token, status, connection}]; HTTP/2
%% [#{apns_id, token, status, reason, timestamp, connection}] (timestamp null unless 410).
-spec mock_rejected(mock()) -> [map()] | error().
mock_rejected(Mock) -> record(Mock, rejected).

%% HTTP/2: the delivery headers of every request, in order, as received (null when absent):
%% [#{token, expiration, push_type, topic, priority, collapse_id}].
-spec mock_http2_requests(mock()) -> [map()] | error().
mock_http2_requests(Mock) -> record(Mock, http2_requests).

%% HTTP/2: the channel management port (0 in binary mode and once stopped); mock_config/1
%% carries it.
-spec mock_channel_port(mock()) -> non_neg_integer().
mock_channel_port(Mock) -> mock_channel_port_nif(Mock).

%% HTTP/2: the broadcast channel registry and the broadcasts the gateway accepted, as
%% docs/CHANNELS.md shows it, with binary keys: #{<<"apps">> => #{Bundle => [Channel]},
%% <<"broadcasts">> => [#{<<"bundle-id">>, <<"channel-id">>, <<"apns-id">>, <<"payload">>,
%% <<"connection">>}], <<"broadcasts_per_channel">>, <<"deleted">>, <<"limit">>,
%% <<"management_answers">>}.
-spec mock_channels(mock()) -> map() | error().
mock_channels(Mock) ->
    case mock_record_nif(Mock, channels) of
        {ok, Json} -> apnspush_json:decode(Json);
        Error -> Error
    end.

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

push(Pusher, TokenHex, Payload) -> push(Pusher, TokenHex, Payload, #{}).

%% Enqueues a notification and returns its id at once. The device token is hex (undefined for a
%% broadcast: the channel_id option names the channel instead); the payload is
%% JSON object text, a map, or undefined to build it from Options (see options()). Validated
%% first: bad_token, invalid_json, payload_too_large, invalid_argument (an unknown option, a
%% value of the wrong type or range, a payload together with payload fields, priority 10 with
%% push_type background, a malformed apns_id, ...).
-spec push(pusher(), text() | undefined, payload(), options()) -> {ok, pos_integer()} | error().
push(Pusher, TokenHex, Payload, Options) ->
    case notification(Payload, Options) of
        {ok, Json, List} -> push_nif(Pusher, TokenHex, Json, List);
        Error -> Error
    end.

ensure_push(Pusher, TokenHex, Payload, Timeout) ->
    ensure_push(Pusher, TokenHex, Payload, #{}, Timeout).

%% As push/4, then waits for the final outcome. {error, {timeout, _}}: it is queued and will
%% still get an outcome.
-spec ensure_push(pusher(), text() | undefined, payload(), options(), timeout_ms()) ->
          {ok, outcome()} | error().
ensure_push(Pusher, TokenHex, Payload, Options, Timeout) ->
    case notification(Payload, Options) of
        {ok, Json, List} -> ensure_push_nif(Pusher, TokenHex, Json, List, Timeout);
        Error -> Error
    end.

%% Every notification option => its kind: how option/2 checks it and what it hands the NIF,
%% whose tables (c_src/apnspush_nif.c, notification_option) map each key to its C setter.
%% Adding a text, texts, unit, object or boolean option is one line here and one there.
-define(DELIVERY_OPTIONS, [{apns_id, text}, {topic, text}, {priority, {integer, 255}},
                           {expiry, {integer, 16#FFFFFFFF}}, {push_type, text},
                           {collapse_id, text}, {user_data, {integer, 16#FFFFFFFFFFFFFFFF}},
                           {channel_id, text}]).
-define(PAYLOAD_OPTIONS, [{alert_title, text}, {alert_body, text}, {alert_subtitle, text},
                          {alert_launch_image, text}, {alert_title_loc_key, text},
                          {alert_title_loc_args, texts}, {alert_subtitle_loc_key, text},
                          {alert_subtitle_loc_args, texts}, {alert_loc_key, text},
                          {alert_loc_args, texts}, {badge, {integer, 16#FFFFFFFF}},
                          {sound, sound}, {category, text}, {thread_id, text},
                          {content_available, boolean}, {mutable_content, boolean},
                          {target_content_id, text}, {interruption_level, text},
                          {relevance_score, unit}, {filter_criteria, text}, {url_args, texts},
                          {custom, custom}, {event, text}, {content_state, object},
                          {timestamp, {integer, 16#FFFFFFFFFFFFFFFF}},
                          {stale_date, {integer, 16#FFFFFFFFFFFFFFFF}},
                          {dismissal_date, {integer, 16#FFFFFFFFFFFFFFFF}},
                          {attributes_type, text}, {attributes, object}]).
-define(PAYLOAD_FIELDS, [Opt__ || {Opt__, _} <- ?PAYLOAD_OPTIONS]).
-define(DELIVERY_FIELDS, [Opt__ || {Opt__, _} <- ?DELIVERY_OPTIONS]).

%% {ok, PayloadJson | undefined, [{Key, Value}]} with texts as binaries and custom values and
%% objects as JSON text, or {error, {invalid_argument, Message}}.
notification(Payload, Options) when is_map(Options) ->
    Set = lists:sort([{K, V} || {K, V} <- maps:to_list(Options), V =/= undefined]),
    Fields = [K || {K, _} <- Set, lists:member(K, ?PAYLOAD_FIELDS)],
    case {payload(Payload), Fields} of
        {{ok, Json}, [Field | _]} when Json =/= undefined ->
            invalid(io_lib:format("payload cannot be combined with ~s: give either the payload "
                                  "or the fields it is built from", [Field]));
        {{ok, Json}, _} ->
            try {ok, Json, [{K, option(K, V)} || {K, V} <- Set]}
            catch throw:{invalid, Message} -> invalid(Message)
            end;
        {Error, _} -> Error
    end;
notification(_, Options) ->
    invalid(io_lib:format("options must be a map, not ~0tp", [Options])).

payload(undefined) -> {ok, undefined};
payload(Map) when is_map(Map) ->
    try {ok, apnspush_json:encode(Map)}
    catch error:{not_json, T} -> invalid(io_lib:format("payload: ~0tp is not JSON", [T]))
    end;
payload(Json) when is_binary(Json); is_list(Json) -> {ok, Json};
payload(_) -> erlang:error(badarg).

option(K, V) ->
    case lists:keyfind(K, 1, ?DELIVERY_OPTIONS ++ ?PAYLOAD_OPTIONS) of
        {K, Kind} -> option(K, Kind, V);
        false ->
            throw_invalid("unknown notification option ~0tp (known: ~s)",
                          [K, lists:join(", ", [atom_to_list(F) ||
                                                   F <- ?DELIVERY_FIELDS ++ ?PAYLOAD_FIELDS])])
    end.

option(K, text, V) -> option_text(K, V);
option(K, texts, V) when is_list(V) ->
    [if is_binary(T); is_list(T) -> option_text(K, T);
        true -> throw_invalid("~s: expected a list of texts, got ~0tp", [K, V])
     end || T <- V];
option(K, texts, V) -> throw_invalid("~s: expected a list of texts, got ~0tp", [K, V]);
option(K, boolean, V) ->
    is_boolean(V) orelse throw_invalid("~s: expected true or false, got ~0tp", [K, V]),
    V;
option(K, {integer, Max}, V) -> option_integer(K, V, Max);
option(K, unit, V) -> option_number(K, V);
option(sound, sound, #{} = V) ->
    case maps:keys(V) of
        [critical, name, volume] when map_get(critical, V) =:= true ->
            {option_text('sound name', map_get(name, V)),
             option_number('sound volume', map_get(volume, V))};
        _ ->
            throw_invalid("sound: a map is the critical-alert sound #{name => Text, critical => true, "
                          "volume => 0.0..1.0} (a plain sound is text), got ~0tp", [V])
    end;
option(sound, sound, V) -> option_text(sound, V);
option(custom, custom, V) when is_map(V) ->
    [{option_text(custom, K), custom_value(K, Value)} || {K, Value} <- lists:sort(maps:to_list(V))];
option(custom, custom, V) ->
    throw_invalid("custom: expected a map of key => JSON term, got ~0tp", [V]);
option(K, object, V) when is_map(V) ->
    try apnspush_json:encode(V)
    catch error:{not_json, T} -> throw_invalid("~s: ~0tp is not JSON", [K, T])
    end;
option(K, object, V) -> throw_invalid("~s: expected a map (a JSON object), got ~0tp", [K, V]).

%% A number as a float; its range is the library's to check.
option_number(K, V) when is_number(V) ->
    try float(V)
    catch error:badarg -> throw_invalid("~s: ~0tp is not a float", [K, V])
    end;
option_number(K, V) -> throw_invalid("~s: expected a number, got ~0tp", [K, V]).

custom_value(K, V) ->
    try apnspush_json:encode(V)
    catch error:{not_json, T} -> throw_invalid("custom ~ts: ~0tp is not JSON", [text(K), T])
    end.

option_text(_, V) when is_binary(V) -> V;
option_text(_, V) when is_atom(V), not is_boolean(V), V =/= undefined -> atom_to_binary(V, utf8);
option_text(K, V) when is_list(V) ->
    case unicode:characters_to_binary(V) of
        B when is_binary(B) -> B;
        _ -> throw_invalid("~s: not text: ~0tp", [K, V])
    end;
option_text(K, V) -> throw_invalid("~s: expected text, got ~0tp", [K, V]).

option_integer(_, V, Max) when is_integer(V), V >= 0, V =< Max -> V;
option_integer(K, V, Max) -> throw_invalid("~s: expected an integer 0..~b, got ~0tp", [K, Max, V]).

throw_invalid(Format, Args) -> throw({invalid, io_lib:format(Format, Args)}).

invalid(Message) -> {error, {invalid_argument, unicode:characters_to_binary(Message)}}.

%% Waits until every notification pushed so far has its final outcome (in 100 ms slices; what
%% other processes push during the wait is not waited for).
-spec ensure_delivery(pusher(), timeout_ms()) -> ok | error().
ensure_delivery(Pusher, Timeout) -> ensure_delivery_nif(Pusher, Timeout).

%% Drains the outcomes that are not accepted (rejected, failed, expired, cancelled) recorded
%% since the last call, oldest first (binary status 8 = invalid token; a failed outcome has
%% status 0, its error, and the library's message as reason).
-spec failed_notifications(pusher()) -> [outcome()] | error().
failed_notifications(Pusher) -> failed_notifications_nif(Pusher).

%% Takes the queued outcome reports (which ones: the outcome_reports key), waiting up to
%% Timeout for the first. A pusher never polled should set outcome_reports to failures or none.
%% The engine's queued log records are handed to logger first (see set_log_level/1).
-spec poll(pusher(), timeout_ms()) -> [outcome()] | error().
poll(Pusher, Timeout) ->
    case poll_nif(Pusher, Timeout) of
        {Outcomes, Logs} -> log(Logs), Outcomes;
        Error -> Error
    end.

%% Every counter (pushed, accepted, rejected, duplicates_possible, ...) as a map.
-spec stats(pusher()) -> #{atom() => term()} | error().
stats(Pusher) ->
    case stats_nif(Pusher) of
        {ok, Json} -> apnspush_json:decode(Json, atom);
        Error -> Error
    end.

%% The keys of stats/1: the core's one list of stats fields (apns_stats_fields_json).
-spec stats_fields() -> [atom()].
stats_fields() -> fields(stats).

%% The keys of every outcome map: the core's one list of outcome fields
%% (apns_outcome_fields_json).
-spec outcome_fields() -> [atom()].
outcome_fields() -> fields(outcome).

fields(Which) ->
    {ok, Json} = fields_nif(Which),
    [binary_to_atom(F, utf8) || F <- apnspush_json:decode(Json)].

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

%% ---- channels ---------------------------------------------------------------------------

%% Broadcast channel management (iOS 18; docs/CHANNELS.md): one HTTP/2 connection to Apple's
%% management host (channel_host/channel_port, by default Apple's for environment) for the app
%% named by the topic key. Every call runs on a dirty I/O scheduler, one at a time per client,
%% each up to response_timeout_ms. APNs' refusals are {error, {rejected, Message}}, Message
%% Apple's reason and status (<<"ChannelNotRegistered (status 404)">>); a channel id that is not
%% base64 text is {error, {invalid_argument, _}}; after channels_close/1, {error, {closed, _}}.
%% The client is freed when garbage collected.
-define(POLICIES, [{no_message_stored, 0}, {most_recent_message_stored, 1}]).

%% Connects a client. Config: as new/1 (the topic key is the bundle id; {mock, Mock} applies
%% the mock's channel port).
-spec channels_new([{atom() | text(), term()}]) -> {ok, channels()} | error().
channels_new(Config) when is_list(Config) ->
    Mock = proplists:get_value(mock, Config, undefined),
    channels_new_nif(Mock, [{text(K), text(V)} || {K, V} <- Config, K =/= mock]).

%% Creates a Live Activity channel with the message storage Policy (what APNs keeps for
%% devices that were offline); returns its id (base64 text).
-spec channels_create(channels(), no_message_stored | most_recent_message_stored) ->
          {ok, binary()} | error().
channels_create(Channels, Policy) ->
    case lists:keyfind(Policy, 1, ?POLICIES) of
        {Policy, N} -> channels_create_nif(Channels, N);
        false ->
            invalid(io_lib:format("policy: expected no_message_stored or "
                                  "most_recent_message_stored, got ~0tp", [Policy]))
    end.

%% One channel.
-spec channels_get(channels(), text()) ->
          {ok, #{channel_id := binary(), push_type := binary(),
                 message_storage_policy := no_message_stored | most_recent_message_stored}} |
          error().
channels_get(Channels, ChannelId) ->
    case channels_get_nif(Channels, ChannelId) of
        {ok, Json} ->
            #{<<"channel-id">> := Id, <<"message-storage-policy">> := N,
              <<"push-type">> := PushType} = apnspush_json:decode(Json),
            {Policy, N} = lists:keyfind(N, 2, ?POLICIES),
            {ok, #{channel_id => Id, message_storage_policy => Policy, push_type => PushType}};
        Error -> Error
    end.

%% Every channel id of the app.
-spec channels_list(channels()) -> {ok, [binary()]} | error().
channels_list(Channels) ->
    case channels_list_nif(Channels) of
        {ok, Json} -> {ok, apnspush_json:decode(Json)};
        Error -> Error
    end.

-spec channels_delete(channels(), text()) -> ok | error().
channels_delete(Channels, ChannelId) -> channels_delete_nif(Channels, ChannelId).

%% Closes the connection; later calls give {error, {closed, _}}. A second call does nothing.
-spec channels_close(channels()) -> ok | error().
channels_close(Channels) -> channels_close_nif(Channels).

%% ---- logging ----------------------------------------------------------------------------

-type log_level() :: none | error | warning | info | debug | trace.

%% Records the engine's log records up to Level from now on (none turns logging off and
%% discards what is queued; trace is logged at logger's debug level). They are queued in the
%% library and handed to logger by poll/2 and log_poll/0,1, on the calling process: the apnspush
%% application does this every log_poll_interval_ms (see docs/ERLANG.md). Each record becomes
%% logger:log(Level, "~ts", [Message], #{domain => [apnspush], target => Target}), Target
%% being <<"apnspush">> or <<"apnspush::Area">> (http2, binary, token, engine, queue, ...).
%% {error, {invalid_argument, _}}: another Rust `log` logger owns this OS process.
-spec set_log_level(log_level()) -> ok | error().
set_log_level(Level) ->
    Levels = lists:zip([none, error, warning, info, debug, trace], lists:seq(0, 5)),
    case lists:keyfind(Level, 1, Levels) of
        {Level, N} -> set_log_level_nif(N);
        false -> erlang:error(badarg, [Level])
    end.

log_poll() -> log_poll(10000).

%% Hands up to Max queued log records to logger, oldest first; returns how many.
-spec log_poll(pos_integer()) -> non_neg_integer().
log_poll(Max) when is_integer(Max), Max > 0 ->
    Logs = log_poll_nif(Max),
    log(Logs),
    length(Logs).

log(Logs) ->
    [logger:log(Level, "~ts", [Message], #{domain => [apnspush], target => Target})
     || {Level, Target, Message} <- Logs],
    ok.

text(B) when is_binary(B) -> B;
text(A) when is_atom(A) -> atom_to_binary(A, utf8);
text(I) when is_integer(I) -> integer_to_binary(I);
text(L) when is_list(L) -> unicode:characters_to_binary(L).

%% ---- NIF stubs --------------------------------------------------------------------------

start_mock_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_port_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_channel_port_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_accepted_count_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_connections_nif(_) -> erlang:nif_error(nif_not_loaded).
mock_record_nif(_, _) -> erlang:nif_error(nif_not_loaded).
stop_mock_nif(_) -> erlang:nif_error(nif_not_loaded).
new_nif(_, _) -> erlang:nif_error(nif_not_loaded).
push_nif(_, _, _, _) -> erlang:nif_error(nif_not_loaded).
ensure_push_nif(_, _, _, _, _) -> erlang:nif_error(nif_not_loaded).
ensure_delivery_nif(_, _) -> erlang:nif_error(nif_not_loaded).
failed_notifications_nif(_) -> erlang:nif_error(nif_not_loaded).
poll_nif(_, _) -> erlang:nif_error(nif_not_loaded).
stats_nif(_) -> erlang:nif_error(nif_not_loaded).
close_nif(_, _) -> erlang:nif_error(nif_not_loaded).
version_nif() -> erlang:nif_error(nif_not_loaded).
fields_nif(_) -> erlang:nif_error(nif_not_loaded).
set_log_level_nif(_) -> erlang:nif_error(nif_not_loaded).
log_poll_nif(_) -> erlang:nif_error(nif_not_loaded).
channels_new_nif(_, _) -> erlang:nif_error(nif_not_loaded).
channels_create_nif(_, _) -> erlang:nif_error(nif_not_loaded).
channels_get_nif(_, _) -> erlang:nif_error(nif_not_loaded).
channels_list_nif(_) -> erlang:nif_error(nif_not_loaded).
channels_delete_nif(_, _) -> erlang:nif_error(nif_not_loaded).
channels_close_nif(_) -> erlang:nif_error(nif_not_loaded).

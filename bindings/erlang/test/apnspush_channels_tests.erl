%% EUnit tests of broadcast channels: channels_create/get/list/delete on the HTTP/2 mock's
%% registry; a Live Activity update sent on a channel (TokenHex undefined, channel_id option)
%% reaches the mock's gateway (what it recorded: channel, bundle id, exact payload, push type
%% liveactivity, no topic) and its outcome names the channel; Apple's refusals are
%% {error, {rejected, Message}} with Apple's reason and status; a deleted channel's broadcast is
%% rejected 404.
-module(apnspush_channels_tests).

-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).
-define(TOPIC, <<"com.example.app">>).

start(MockOptions) ->
    {ok, Mock} = apnspush:start_mock(maps:merge(#{protocol => http2}, MockOptions)),
    Config = apnspush:mock_config(Mock) ++ [{topic, ?TOPIC}],
    {ok, P} = apnspush:new(Config),
    {ok, Ch} = apnspush:channels_new(Config),
    {Mock, P, Ch}.

update_on(ChannelId) ->
    #{channel_id => ChannelId, event => update, timestamp => 1700000000,
      content_state => #{score => <<"2-1">>}}.

create_get_list_delete_and_a_broadcast_on_the_channel_test() ->
    {Mock, P, Ch} = start(#{}),
    {ok, Kept} = apnspush:channels_create(Ch, most_recent_message_stored),
    {ok, Plain} = apnspush:channels_create(Ch, no_message_stored),
    ?assertEqual({ok, #{channel_id => Kept, message_storage_policy => most_recent_message_stored,
                        push_type => <<"LiveActivity">>}},
                 apnspush:channels_get(Ch, Kept)),
    ?assertMatch({ok, #{message_storage_policy := no_message_stored}},
                 apnspush:channels_get(Ch, binary_to_list(Plain))),
    {ok, Listed} = apnspush:channels_list(Ch),
    ?assertEqual(lists:sort([Kept, Plain]), lists:sort(Listed)),
    #{<<"apps">> := #{?TOPIC := Registry}} = apnspush:mock_channels(Mock),
    ?assertEqual(lists:sort([Kept, Plain]), lists:sort([C || #{<<"channel-id">> := C} <- Registry])),

    {ok, Outcome} = apnspush:ensure_push(P, undefined, undefined, update_on(Kept), ?WAIT),
    ?assertMatch(#{kind := accepted, token := <<>>}, Outcome),
    ?assertEqual(Kept, maps:get(channel_id, Outcome)),
    #{<<"broadcasts">> := Broadcasts} = apnspush:mock_channels(Mock),
    ?assertEqual([{?TOPIC, Kept, <<"{\"aps\":{\"content-state\":{\"score\":\"2-1\"},"
                                   "\"event\":\"update\",\"timestamp\":1700000000}}">>}],
                 [{B, C, Pl} || #{<<"bundle-id">> := B, <<"channel-id">> := C,
                                  <<"payload">> := Pl} <- Broadcasts]),
    ?assertEqual([{<<>>, <<"liveactivity">>, null}],
                 [{T, Pt, Tp} || #{token := T, push_type := Pt, topic := Tp}
                                     <- apnspush:mock_http2_requests(Mock)]),

    ok = apnspush:channels_delete(Ch, Kept),
    ?assertEqual({ok, [Plain]}, apnspush:channels_list(Ch)),
    ?assertEqual({error, {rejected, <<"ChannelNotRegistered (status 404)">>}},
                 apnspush:channels_get(Ch, Kept)),
    {ok, Gone} = apnspush:ensure_push(P, undefined, undefined, update_on(Kept), ?WAIT),
    ?assertMatch(#{kind := rejected, status := 404, reason := <<"ChannelNotRegistered">>}, Gone),
    ?assertEqual(Kept, maps:get(channel_id, Gone)).

refusals_are_typed_errors_test() ->
    {_Mock, _P, Ch} = start(#{max_channels => 1}),
    {ok, _} = apnspush:channels_create(Ch, no_message_stored),
    ?assertEqual({error, {rejected, <<"CannotCreateChannelConfig (status 400)">>}},
                 apnspush:channels_create(Ch, no_message_stored)),
    ?assertMatch({error, {rejected, <<"ChannelNotRegistered", _/binary>>}},
                 apnspush:channels_delete(Ch, <<"dW5rbm93bg==">>)),
    ?assertMatch({error, {invalid_argument, _}}, apnspush:channels_get(Ch, <<"not base64!">>)),
    ?assertEqual({error, {invalid_argument, <<"policy: expected no_message_stored or "
                                              "most_recent_message_stored, got keep_all">>}},
                 apnspush:channels_create(Ch, keep_all)),
    ?assertError(badarg, apnspush:channels_get(Ch, 7)),
    ?assertMatch({ok, [_]}, apnspush:channels_list(Ch)),
    ok = apnspush:channels_close(Ch),
    ?assertMatch({error, {closed, _}}, apnspush:channels_list(Ch)).

a_client_without_a_topic_is_refused_test() ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
    ?assertMatch({error, {invalid_config_value, _}},
                 apnspush:channels_new(apnspush:mock_config(Mock))).

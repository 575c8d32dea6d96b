%% EUnit tests of Live Activities as notification options: a start, an update and an end reach
%% the HTTP/2 mock as the exact JSON payloads it recorded, with push type liveactivity and the
%% topic suffixed .push-type.liveactivity; Apple's rules (the core's), a token together with a
%% channel id, a bad channel id and wrong types are refused with nothing sent.
-module(apnspush_live_activity_tests).

-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).
-define(TOPIC, <<"com.example.app">>).
-define(CHANNEL, <<"dHN0LXNyY2gtY2hubA==">>).

token(I) -> iolist_to_binary([binary:copy(<<"3e">>, 24), io_lib:format("~16.16.0b", [I])]).

http2() ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2, record_payloads => true}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{topic, ?TOPIC}]),
    {Mock, P}.

%% An update the core accepts, merged with Options.
update(Options) ->
    maps:merge(#{event => update, timestamp => 1700000000,
                 content_state => #{score => <<"2-1">>}}, Options).

start_update_and_end_reach_the_mock_as_apple_documents_test() ->
    {Mock, P} = http2(),
    Start = #{event => start, timestamp => 1700000000, content_state => #{<<"score">> => <<"0-0">>},
              attributes_type => <<"MatchAttributes">>,
              attributes => #{home => <<"A">>, away => <<"B">>},
              alert_title => <<"Kick-off">>, alert_body => <<"A v B">>},
    End = #{event => 'end', timestamp => 1700003600, dismissal_date => 1700007200},
    Outcomes = [begin {ok, O} = apnspush:ensure_push(P, T, undefined, Options, ?WAIT), O end
                || {T, Options} <- [{token(1), Start},
                                    {token(2), update(#{stale_date => 1700000600,
                                                        relevance_score => 75, priority => 5})},
                                    {token(3), End}]],
    ?assertEqual([{accepted, token(1), undefined}, {accepted, token(2), undefined},
                  {accepted, token(3), undefined}],
                 [{K, T, C} || #{kind := K, token := T, channel_id := C} <- Outcomes]),
    ?assertEqual([{token(1),
                   <<"{\"aps\":{\"alert\":{\"body\":\"A v B\",\"title\":\"Kick-off\"},"
                     "\"attributes\":{\"away\":\"B\",\"home\":\"A\"},"
                     "\"attributes-type\":\"MatchAttributes\",\"content-state\":{\"score\":\"0-0\"},"
                     "\"event\":\"start\",\"timestamp\":1700000000}}">>},
                  {token(2),
                   <<"{\"aps\":{\"content-state\":{\"score\":\"2-1\"},\"event\":\"update\","
                     "\"relevance-score\":75.0,\"stale-date\":1700000600,"
                     "\"timestamp\":1700000000}}">>},
                  {token(3),
                   <<"{\"aps\":{\"dismissal-date\":1700007200,\"event\":\"end\","
                     "\"timestamp\":1700003600}}">>}],
                 [{T, Pl} || #{token := T, payload := Pl} <- apnspush:mock_accepted(Mock)]),
    Topic = <<?TOPIC/binary, ".push-type.liveactivity">>,
    ?assertEqual([{token(1), <<"liveactivity">>, Topic, <<"10">>},
                  {token(2), <<"liveactivity">>, Topic, <<"5">>},
                  {token(3), <<"liveactivity">>, Topic, <<"10">>}],
                 [{T, Pt, Tp, Pr} || #{token := T, push_type := Pt, topic := Tp, priority := Pr}
                                         <- apnspush:mock_http2_requests(Mock)]).

apples_rules_and_the_target_are_refused_naming_the_field_test() ->
    {Mock, P} = http2(),
    Refused = fun(Token, Options) ->
                      {error, {invalid_argument, M}} = apnspush:push(P, Token, undefined, Options),
                      M
              end,
    ?assertEqual(<<"a Live Activity update needs a timestamp (seconds since the epoch)">>,
                 Refused(token(1), update(#{timestamp => undefined}))),
    ?assertEqual(<<"a Live Activity update needs a content-state">>,
                 Refused(token(1), update(#{content_state => undefined}))),
    ?assertEqual(<<"attributes applies to a Live Activity start, not update">>,
                 Refused(token(1), update(#{attributes => #{home => <<"A">>}}))),
    ?assertEqual(<<"attributes-type applies to a Live Activity start, not update">>,
                 Refused(token(1), update(#{attributes_type => <<"MatchAttributes">>}))),
    ?assertEqual(<<"dismissal-date applies to a Live Activity end, not update">>,
                 Refused(token(1), update(#{dismissal_date => 1700007200}))),
    ?assertMatch(<<"Live Activity event \"begin\" is unknown", _/binary>>,
                 Refused(token(1), update(#{event => 'begin'}))),
    ?assertEqual(<<"a Live Activity start needs attributes-type">>,
                 Refused(token(1), update(#{event => start}))),
    ?assertEqual(<<"both a device token and a channel id were given: give one">>,
                 Refused(token(1), update(#{channel_id => ?CHANNEL}))),
    ?assertEqual(<<"channel id \"not base64!\" is not base64 text of 1 to 256 bytes">>,
                 Refused(undefined, update(#{channel_id => <<"not base64!">>}))),
    ?assertMatch(<<"channel id ", _/binary>>,
                 Refused(undefined, update(#{channel_id => binary:copy(<<"A">>, 257)}))),
    ?assertNotEqual(nomatch, binary:match(Refused(undefined, #{channel_id => ?CHANNEL,
                                                               alert_body => <<"x">>}),
                                          <<"liveactivity">>)),
    ?assertEqual({error, {bad_token, <<"device token (or channel id) is missing">>}},
                 apnspush:push(P, undefined, undefined, update(#{}))),
    ?assertEqual({error, {invalid_argument, <<"payload cannot be combined with content_state: give "
                                              "either the payload or the fields it is built from">>}},
                 apnspush:push(P, token(1), <<"{\"aps\":{\"alert\":\"p\"}}">>, update(#{}))),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual([], apnspush:mock_http2_requests(Mock)).

wrong_types_are_refused_naming_the_option_test() ->
    {Mock, P} = http2(),
    Message = fun(Options) ->
                      {error, {invalid_argument, M}} =
                          apnspush:push(P, token(1), undefined, update(Options)),
                      M
              end,
    ?assertEqual(<<"event: expected text, got 5">>, Message(#{event => 5})),
    ?assertEqual(<<"content_state: expected a map (a JSON object), got <<\"{}\">>">>,
                 Message(#{content_state => <<"{}">>})),
    ?assertEqual(<<"attributes: expected a map (a JSON object), got [1]">>,
                 Message(#{attributes => [1]})),
    ?assertEqual(<<"content_state: {x} is not JSON">>, Message(#{content_state => #{a => {x}}})),
    ?assertEqual(<<"attributes_type: expected text, got 1.5">>, Message(#{attributes_type => 1.5})),
    ?assertEqual(<<"timestamp: expected an integer 0..18446744073709551615, got -1">>,
                 Message(#{timestamp => -1})),
    ?assertEqual(<<"stale_date: expected an integer 0..18446744073709551615, got <<\"1\">>">>,
                 Message(#{stale_date => <<"1">>})),
    ?assertEqual(<<"dismissal_date: expected an integer 0..18446744073709551615, got 1.5">>,
                 Message(#{dismissal_date => 1.5})),
    ?assertEqual(<<"channel_id: expected text, got 7">>, Message(#{channel_id => 7})),
    ?assertError(badarg, apnspush:push(P, 42, undefined, update(#{}))),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual([], apnspush:mock_http2_requests(Mock)).

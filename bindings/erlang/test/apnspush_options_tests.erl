%% EUnit tests of push/4 and ensure_push/5: every notification option reaches the mock as the
%% header or payload it stands for, outcomes carry every field, and bad options are refused at
%% the call with nothing sent.
-module(apnspush_options_tests).

-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).
-define(UUID, <<"1d7f8e2a-4b3c-4d5e-8f60-7a8b9c0d1e2f">>).

token(I) -> iolist_to_binary([binary:copy(<<"7c">>, 24), io_lib:format("~16.16.0b", [I])]).

http2() ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{topic, <<"com.example.app">>}]),
    {Mock, P}.

%% The headers the mock recorded for one token (the only request to it).
headers(Mock, Token) ->
    [H] = [H || #{token := T} = H <- apnspush:mock_http2_requests(Mock), T =:= Token],
    maps:remove(token, H).

accepted_payload(Mock, Token) ->
    [Payload] = [Pl || #{token := T, payload := Pl} <- apnspush:mock_accepted(Mock), T =:= Token],
    apnspush_json:decode(Payload).

delivery_options_reach_the_mock_test() ->
    {Mock, P} = http2(),
    Options = #{apns_id => ?UUID, topic => <<"com.example.other">>, priority => 5,
                expiry => 2000000000, push_type => background, collapse_id => "group-7",
                user_data => 42},
    {ok, Outcome} = apnspush:ensure_push(P, token(1), <<"{\"aps\":{\"content-available\":1}}">>,
                                         Options, ?WAIT),
    ?assertMatch(#{kind := accepted, status := 200, apns_id := ?UUID, user_data := 42,
                   timestamp := undefined, error := undefined, confirmed := true, attempts := 1},
                 Outcome),
    ?assertEqual(token(1), maps:get(token, Outcome)),
    ?assertEqual(#{expiration => <<"2000000000">>, push_type => <<"background">>,
                   topic => <<"com.example.other">>, priority => <<"5">>,
                   collapse_id => <<"group-7">>},
                 headers(Mock, token(1))),
    ?assertMatch([#{apns_id := ?UUID}], apnspush:mock_accepted(Mock)).

unset_options_send_no_headers_test() ->
    {Mock, P} = http2(),
    {ok, _} = apnspush:ensure_push(P, token(1), <<"{\"aps\":{\"alert\":\"hi\"}}">>,
                                   #{expiry => undefined, collapse_id => undefined}, ?WAIT),
    ?assertEqual(#{expiration => null, push_type => <<"alert">>, topic => <<"com.example.app">>,
                   priority => <<"10">>, collapse_id => null},
                 headers(Mock, token(1))),
    %% expiry 0: one attempt, not stored; sent as 0.
    {ok, _} = apnspush:ensure_push(P, token(2), <<"{\"aps\":{\"alert\":\"hi\"}}">>,
                                   #{expiry => 0}, ?WAIT),
    ?assertMatch(#{expiration := <<"0">>}, headers(Mock, token(2))),
    %% push/3 is push/4 with no options.
    {ok, Id} = apnspush:push(P, token(3), <<"{\"aps\":{\"alert\":\"hi\"}}">>),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch([#{id := Id, kind := accepted, user_data := 0}],
                 [O || #{token := T} = O <- apnspush:poll(P, 0), T =:= token(3)]),
    ?assertMatch(#{expiration := null, priority := <<"10">>}, headers(Mock, token(3))).

payload_fields_build_the_payload_test() ->
    {Mock, P} = http2(),
    Fields = #{alert_title => <<"Title">>, alert_body => "Body \"quoted\"", badge => 3,
               sound => <<"ping.aiff">>, category => <<"MESSAGE">>, thread_id => <<"t-1">>,
               content_available => true, mutable_content => true,
               custom => #{<<"acme">> => #{<<"ids">> => [1, 2.5, null, true]}, shop => <<"é"/utf8>>}},
    {ok, #{kind := accepted}} = apnspush:ensure_push(P, token(1), undefined, Fields, ?WAIT),
    ?assertEqual(#{<<"aps">> => #{<<"alert">> => #{<<"title">> => <<"Title">>,
                                                    <<"body">> => <<"Body \"quoted\"">>},
                                  <<"badge">> => 3, <<"sound">> => <<"ping.aiff">>,
                                  <<"category">> => <<"MESSAGE">>, <<"thread-id">> => <<"t-1">>,
                                  <<"content-available">> => 1, <<"mutable-content">> => 1},
                   <<"acme">> => #{<<"ids">> => [1, 2.5, null, true]},
                   <<"shop">> => <<"é"/utf8>>},
                 accepted_payload(Mock, token(1))),
    ?assertMatch(#{push_type := <<"alert">>, priority := <<"10">>}, headers(Mock, token(1))),
    %% false leaves the key out.
    {ok, _} = apnspush:ensure_push(P, token(2), undefined,
                                   #{alert_body => <<"b">>, content_available => false}, ?WAIT),
    ?assertEqual(#{<<"aps">> => #{<<"alert">> => #{<<"body">> => <<"b">>}}},
                 accepted_payload(Mock, token(2))).

payload_as_a_map_test() ->
    {Mock, P} = http2(),
    {ok, _} = apnspush:ensure_push(P, token(1), #{aps => #{alert => <<"map">>}, n => 7}, #{}, ?WAIT),
    ?assertEqual(#{<<"aps">> => #{<<"alert">> => <<"map">>}, <<"n">> => 7},
                 accepted_payload(Mock, token(1))).

payload_with_payload_fields_is_refused_test() ->
    {Mock, P} = http2(),
    Payload = <<"{\"aps\":{\"alert\":\"hi\"}}">>,
    lists:foreach(
      fun({Field, Value}) ->
              {error, {invalid_argument, Msg}} = apnspush:push(P, token(1), Payload, #{Field => Value}),
              ?assertEqual(iolist_to_binary(["payload cannot be combined with ", atom_to_list(Field),
                                             ": give either the payload or the fields it is built from"]),
                           Msg),
              ?assertMatch({error, {invalid_argument, _}},
                           apnspush:ensure_push(P, token(1), Payload, #{Field => Value}, ?WAIT))
      end,
      [{alert_title, <<"t">>}, {alert_body, <<"b">>}, {badge, 1}, {sound, <<"s">>},
       {category, <<"c">>}, {thread_id, <<"t">>}, {content_available, false},
       {mutable_content, true}, {custom, #{k => 1}}]),
    %% Delivery options go with a payload.
    {ok, _} = apnspush:ensure_push(P, token(2), Payload, #{collapse_id => <<"c">>}, ?WAIT),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 1}, apnspush:stats(P)),
    ?assertEqual([token(2)], [T || #{token := T} <- apnspush:mock_accepted(Mock)]).

bad_options_are_refused_before_queueing_test() ->
    {Mock, P} = http2(),
    Payload = <<"{\"aps\":{\"alert\":\"hi\"}}">>,
    Refused = fun(Options) -> apnspush:push(P, token(1), Payload, Options) end,
    %% The message of a refusal with the payload built from the options.
    Message = fun(Options) ->
                      {error, {invalid_argument, M}} = apnspush:push(P, token(1), undefined, Options),
                      M
              end,
    ?assertMatch(<<"unknown notification option colour (known: apns_id, ", _/binary>>,
                 Message(#{colour => red})),
    ?assertEqual(<<"priority: expected an integer 0..255, got 256">>, Message(#{priority => 256})),
    ?assertEqual(<<"badge: expected an integer 0..4294967295, got -1">>, Message(#{badge => -1})),
    ?assertEqual(<<"expiry: expected an integer 0..4294967295, got \"soon\"">>,
                 Message(#{expiry => "soon"})),
    ?assertEqual(<<"topic: expected text, got 42">>, Message(#{topic => 42})),
    ?assertEqual(<<"mutable_content: expected true or false, got 1">>,
                 Message(#{mutable_content => 1})),
    ?assertMatch(<<"custom k: {tuple} is not JSON">>, Message(#{custom => #{k => {tuple}}})),
    ?assertMatch({error, {invalid_argument, <<"options must be a map", _/binary>>}},
                 Refused([{topic, <<"t">>}])),
    %% Validated by the library when the notification is built.
    ?assertMatch({error, {invalid_argument, _}}, Refused(#{priority => 7})),
    ?assertMatch({error, {invalid_argument, _}},
                 Refused(#{priority => 10, push_type => background})),
    ?assertMatch({error, {invalid_argument, _}}, Refused(#{apns_id => <<"not-a-uuid">>})),
    ?assertMatch({error, {invalid_argument, _}}, Refused(#{push_type => <<"fax">>})),
    ?assertMatch({error, {invalid_argument, _}}, Refused(#{collapse_id => binary:copy(<<"c">>, 65)})),
    ?assertMatch({error, {invalid_argument, _}},
                 apnspush:push(P, token(1), undefined, #{custom => #{aps => 1}})),
    ?assertMatch({error, {invalid_json, _}}, apnspush:push(P, token(1), <<"[1]">>, #{})),
    ?assertError(badarg, apnspush:push(P, token(1), 42, #{})),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual([], apnspush:mock_http2_requests(Mock)),
    ?assertEqual(0, apnspush:mock_accepted_count(Mock)).

unregistered_outcome_has_its_timestamp_test() ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2,
                                       reject_http2 => [{token(9), 410, <<"Unregistered">>}]}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{outcome_reports, failures}]),
    Before = os:system_time(millisecond),
    {ok, Outcome} = apnspush:ensure_push(P, token(9), <<"{\"aps\":{\"alert\":\"hi\"}}">>,
                                         #{apns_id => ?UUID, user_data => 7}, ?WAIT),
    After = os:system_time(millisecond),
    #{kind := rejected, status := 410, reason := <<"Unregistered">>, timestamp := Ts,
      apns_id := ?UUID, user_data := 7, error := undefined, attempts := 1} = Outcome,
    ?assert(Before =< Ts andalso Ts =< After),
    ?assertMatch([#{token := _, status := 410, reason := <<"Unregistered">>, timestamp := Ts,
                    apns_id := ?UUID}],
                 apnspush:mock_rejected(Mock)),
    %% The same outcome, as failed_notifications/1 and poll/2 report it.
    ?assertEqual([Outcome], apnspush:failed_notifications(P)),
    ?assertEqual([Outcome], apnspush:poll(P, 0)).

binary_outcomes_have_no_apns_id_or_timestamp_test() ->
    {ok, Mock} = apnspush:start_mock(#{reject => [{token(2), 8}]}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    Payload = <<"{\"aps\":{\"alert\":\"hi\"}}">>,
    {ok, Id1} = apnspush:push(P, token(1), Payload, #{user_data => 16#FFFFFFFFFFFFFFFF}),
    {ok, Id2} = apnspush:push(P, token(2), Payload, #{user_data => 2, expiry => 2000000000}),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    Outcomes = lists:sort(fun(#{id := A}, #{id := B}) -> A =< B end, apnspush:poll(P, 0)),
    ?assertMatch([#{id := Id1, kind := accepted, status := 0, apns_id := undefined,
                    timestamp := undefined, user_data := 16#FFFFFFFFFFFFFFFF},
                  #{id := Id2, kind := rejected, status := 8, apns_id := undefined,
                    timestamp := undefined, user_data := 2}],
                 Outcomes),
    ?assertMatch([#{id := Id2, token := _, kind := rejected}], apnspush:failed_notifications(P)),
    ?assertEqual([token(1)], [T || #{token := T} <- apnspush:mock_accepted(Mock)]).

failed_outcome_has_its_error_test() ->
    %% Written to a connection that answers nothing more, then closed: failed with closed.
    {ok, Mock} = apnspush:start_mock(#{protocol => http2, stall_after => 1}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++
                               [{connections, 1}, {response_timeout_ms, 600000}]),
    Payload = <<"{\"aps\":{\"alert\":\"hi\"}}">>,
    {ok, _} = apnspush:ensure_push(P, token(1), Payload, #{}, ?WAIT),
    {ok, Id} = apnspush:push(P, token(2), Payload, #{user_data => 5}),
    ok = wait_written(P, 2, 300),
    ?assertEqual({ok, #{cancelled => 0, unconfirmed => 1}}, apnspush:close(P, 100)),
    [Failed] = apnspush:failed_notifications(P),
    ?assertMatch(#{id := Id, kind := failed, error := closed, status := 0, user_data := 5,
                   confirmed := false, reason := <<"pusher closed before it was confirmed">>},
                 Failed),
    ?assertEqual(token(2), maps:get(token, Failed)),
    ?assertEqual([token(1)], [T || #{token := T} <- apnspush:mock_accepted(Mock)]).

%% Waits (10 ms steps, at most Tries) until the pusher has written N notifications.
wait_written(P, N, Tries) ->
    case apnspush:stats(P) of
        #{written := N} -> ok;
        #{written := W} when W < N, Tries > 0 -> timer:sleep(10), wait_written(P, N, Tries - 1)
    end.

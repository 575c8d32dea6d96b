%% EUnit tests of the Erlang NIF against the built-in mock: every assertion checks the mock's
%% record and the outcomes the pusher reported.
-module(apnspush_tests).

-include_lib("eunit/include/eunit.hrl").

token(I) -> iolist_to_binary([binary:copy(<<"5a">>, 24), io_lib:format("~16.16.0b", [I])]).

payload(I) -> iolist_to_binary(["{\"aps\":{\"alert\":\"n", integer_to_list(I), "\"}}"]).

accepted_tokens(Mock) -> lists:usort([T || #{token := T} <- apnspush:mock_accepted(Mock)]).

bad_tokens_test_() ->
    {"2,000 with 5 bad tokens: exactly those 5 fail with status 8, the mock accepts the 1,995",
     {timeout, 120, fun() ->
        Total = 2000,
        Bad = [3, 499, 1000, 1501, 1999],
        {ok, Mock} = apnspush:start_mock(#{reject => [{token(I), 8} || I <- Bad]}),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++
                                   [{connections, 2}, {outcome_reports, <<"none">>}]),
        Ids = [begin {ok, Id} = apnspush:push(P, token(I), payload(I)), Id end
               || I <- lists:seq(0, Total - 1)],
        ?assertEqual(Total, length(lists:usort(Ids))),
        ?assertEqual(ok, apnspush:ensure_delivery(P, 60000)),

        Failed = apnspush:failed_notifications(P),
        ?assertEqual(lists:sort([{token(I), 8} || I <- Bad]),
                     lists:sort([{T, S} || #{token := T, status := S, kind := rejected} <- Failed])),
        ?assertEqual([], apnspush:failed_notifications(P)),
        Good = [token(I) || I <- lists:seq(0, Total - 1), not lists:member(I, Bad)],
        ?assertEqual(Total - length(Bad), apnspush:mock_accepted_count(Mock)),
        ?assertEqual(lists:sort(Good), accepted_tokens(Mock)),
        ?assertEqual(lists:sort([{token(I), 8} || I <- Bad]),
                     lists:sort([{T, S} || #{token := T, status := S} <- apnspush:mock_rejected(Mock)])),
        #{pushed := Pushed, accepted := Accepted, rejected := Rejected, failed := FailedCount} =
            apnspush:stats(P),
        ?assertEqual({Total, Total - length(Bad), length(Bad), 0},
                     {Pushed, Accepted, Rejected, FailedCount}),
        ?assertMatch({ok, #{cancelled := 0, unconfirmed := 0}}, apnspush:close(P))
    end}}.

dropped_connections_lose_nothing_test_() ->
    {"drop_after 300: every notification reaches the mock and has one outcome",
     {timeout, 120, fun() ->
        Total = 2000,
        {ok, Mock} = apnspush:start_mock(#{drop_after => 300}),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
        Ids = [begin {ok, Id} = apnspush:push(P, token(I), payload(I)), Id end
               || I <- lists:seq(0, Total - 1)],
        ok = apnspush:ensure_delivery(P, 60000),
        Outcomes = apnspush:poll(P, 0),
        ?assertEqual(lists:sort(Ids), lists:sort([Id || #{id := Id} <- Outcomes])),
        ?assertEqual([accepted], lists:usort([K || #{kind := K} <- Outcomes])),
        ?assertEqual([], apnspush:failed_notifications(P)),
        ?assertEqual([token(I) || I <- lists:seq(0, Total - 1)], accepted_tokens(Mock)),
        ?assert(apnspush:mock_connections(Mock) > 1),
        #{duplicates_possible := Dups} = apnspush:stats(P),
        ?assert(apnspush:mock_accepted_count(Mock) - Total =< Dups)
    end}}.

concurrent_pushers_with_a_tiny_queue_test_() ->
    %% queue_capacity 8 makes push/3 meet a full queue and wait on a dirty scheduler.
    {"4 processes push 2,000 through a queue of 8",
     {timeout, 120, fun() ->
        {ok, Mock} = apnspush:start_mock(),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++
                                   [{queue_capacity, 8}, {outcome_reports, "none"}]),
        Self = self(),
        Workers = [spawn_link(fun() ->
                                  Ids = [begin {ok, Id} = apnspush:push(P, token(W * 1000 + I), payload(I)), Id end
                                         || I <- lists:seq(1, 500)],
                                  Self ! {done, self(), Ids}
                              end) || W <- lists:seq(1, 4)],
        Ids = lists:append([receive {done, W, WIds} -> WIds end || W <- Workers]),
        ?assertEqual(2000, length(lists:usort(Ids))),
        ok = apnspush:ensure_delivery(P, 60000),
        ?assertEqual([], apnspush:failed_notifications(P)),
        ?assertEqual(2000, apnspush:mock_accepted_count(Mock)),
        ?assertEqual(lists:sort([token(W * 1000 + I) || W <- lists:seq(1, 4), I <- lists:seq(1, 500)]),
                     accepted_tokens(Mock))
    end}}.

ensure_push_returns_the_outcome_test() ->
    {ok, Mock} = apnspush:start_mock(#{reject => #{token(2) => 8}}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    ?assertMatch({ok, #{kind := accepted, status := 0, error := undefined}},
                 apnspush:ensure_push(P, token(1), payload(1), 30000)),
    {ok, Rejected} = apnspush:ensure_push(P, token(2), payload(2), 30000),
    ?assertMatch(#{kind := rejected, status := 8}, Rejected),
    ?assertEqual(token(2), maps:get(token, Rejected)),
    ?assertMatch([#{token := _, payload := <<"{\"aps\":{\"alert\":\"n1\"}}">>}],
                 apnspush:mock_accepted(Mock)).

invalid_input_is_refused_before_queueing_test() ->
    {ok, Mock} = apnspush:start_mock(),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    ?assertMatch({error, {bad_token, _}}, apnspush:push(P, <<"not hex">>, payload(1))),
    ?assertMatch({error, {bad_token, _}}, apnspush:push(P, <<"abcd">>, payload(1))),
    ?assertMatch({error, {invalid_json, _}}, apnspush:push(P, token(1), <<"{not json">>)),
    Big = iolist_to_binary(["{\"aps\":{\"alert\":\"", binary:copy(<<"x">>, 5000), "\"}}"]),
    ?assertMatch({error, {payload_too_large, _}}, apnspush:push(P, token(1), Big)),
    ?assertError(badarg, apnspush:push(P, 42, payload(1))),
    ?assertError(badarg, apnspush:push(make_ref(), token(1), payload(1))),
    ok = apnspush:ensure_delivery(P, 10000),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual(0, apnspush:mock_accepted_count(Mock)).

%% stats/1 and the outcome maps have exactly the core's field lists (Stats::FIELDS and
%% Outcome::FIELDS through apns_stats_fields_json / apns_outcome_fields_json): a field the core
%% gains cannot be dropped by the face.
fields_are_the_cores_test() ->
    ?assert(length(apnspush:stats_fields()) >= 30),
    ?assert(lists:member(token_refreshes, apnspush:stats_fields())),
    {ok, Mock} = apnspush:start_mock(#{reject => #{token(2) => 8}}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    ?assertEqual(lists:sort(apnspush:stats_fields()), lists:sort(maps:keys(apnspush:stats(P)))),
    {ok, Accepted} = apnspush:ensure_push(P, token(1), payload(1), 30000),
    {ok, Rejected} = apnspush:ensure_push(P, token(2), payload(2), 30000),
    ok = apnspush:ensure_delivery(P, 30000),
    Failed = apnspush:failed_notifications(P),
    ?assertMatch([#{kind := rejected}], Failed),
    Outcomes = [Accepted, Rejected | apnspush:poll(P, 0) ++ Failed],
    Fields = lists:sort(apnspush:outcome_fields()),
    ?assertEqual(12, length(Fields)),
    [?assertEqual(Fields, lists:sort(maps:keys(O))) || O <- Outcomes],
    ?assertEqual([token(1)], accepted_tokens(Mock)).

%% The application's vsn is the library's version.
version_test() ->
    ok = case application:load(apnspush) of ok -> ok; {error, {already_loaded, _}} -> ok end,
    {ok, Vsn} = application:get_key(apnspush, vsn),
    ?assertEqual(list_to_binary(Vsn), apnspush:version()).

bad_configuration_test() ->
    {ok, Mock} = apnspush:start_mock(),
    ?assertMatch({error, {unknown_config_key, <<"unknown configuration key \"colour\"">>}},
                 apnspush:new(apnspush:mock_config(Mock) ++ [{colour, red}])),
    ?assertMatch({error, {invalid_config_value, _}},
                 apnspush:new(apnspush:mock_config(Mock) ++ [{connections, many}])),
    ?assertEqual(0, apnspush:mock_connections(Mock)),
    ?assertError(badarg, apnspush:start_mock(#{drop_after => -1})).

nothing_listening_gives_connect_error_test() ->
    {ok, Listen} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(Listen),
    ok = gen_tcp:close(Listen),
    ?assertMatch({error, {connect, _}},
                 apnspush:new([{protocol, binary}, {host, "127.0.0.1"}, {port, Port},
                               {connect_timeout_ms, 2000}])).

close_then_push_is_closed_test() ->
    {ok, Mock} = apnspush:start_mock(),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    {ok, _} = apnspush:push(P, token(1), payload(1)),
    ?assertEqual({ok, #{cancelled => 0, unconfirmed => 0}}, apnspush:close(P, 10000)),
    ?assertEqual(1, apnspush:mock_accepted_count(Mock)),
    ?assertMatch({error, {closed, _}}, apnspush:push(P, token(2), payload(2))),
    ?assertEqual(ok, apnspush:stop_mock(Mock)),
    ?assertEqual(1, apnspush:mock_accepted_count(Mock)).

%% A pusher whose last reference dies with its process is destroyed by the resource destructor,
%% which flushes what was queued (close_timeout_ms) on a detached thread.
garbage_collected_pusher_still_delivers_test_() ->
    {"a garbage-collected pusher flushes what it queued",
     {timeout, 60, fun() ->
        {ok, Mock} = apnspush:start_mock(),
        {Pid, Ref} = spawn_monitor(fun() ->
                                       {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
                                       [{ok, _} = apnspush:push(P, token(I), payload(I)) || I <- lists:seq(1, 100)]
                                   end),
        receive {'DOWN', Ref, process, Pid, normal} -> ok end,
        ?assertEqual(ok, wait_accepted(Mock, 100, 300)),
        ?assertEqual([token(I) || I <- lists:seq(1, 100)], accepted_tokens(Mock))
    end}}.

wait_accepted(Mock, N, Tries) ->
    case apnspush:mock_accepted_count(Mock) >= N of
        true -> ok;
        false when Tries > 0 -> timer:sleep(100), wait_accepted(Mock, N, Tries - 1);
        false -> {timeout, apnspush:mock_accepted_count(Mock)}
    end.

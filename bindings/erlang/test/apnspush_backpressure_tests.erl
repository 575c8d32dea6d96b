%% EUnit test of a full send queue with block_when_full false: push/3 returns
%% {error, {queue_full, _}} at once and queues nothing (the blocking case is
%% apnspush_tests:concurrent_pushers_with_a_tiny_queue_test_).
-module(apnspush_backpressure_tests).

-include_lib("eunit/include/eunit.hrl").

-define(PAYLOAD, <<"{\"aps\":{\"alert\":\"hi\"}}">>).

token(I) -> iolist_to_binary([binary:copy(<<"3d">>, 24), io_lib:format("~16.16.0b", [I])]).

a_non_blocking_push_on_a_full_queue_is_refused_at_once_test() ->
    %% The gateway answers the first request only; the queue holds one.
    {ok, Mock} = apnspush:start_mock(#{protocol => http2, stall_after => 1}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++
                           [{queue_capacity, 1}, {block_when_full, false}]),
    Results = [apnspush:push(P, token(I), ?PAYLOAD) || I <- lists:seq(1, 5000)],
    Refused = [R || {error, {queue_full, _}} = R <- Results],
    Queued = [Id || {ok, Id} <- Results],
    ?assert(length(Refused) > 0),
    ?assertEqual(5000, length(Refused) + length(Queued)),
    #{pushed := Pushed} = apnspush:stats(P),
    ?assertEqual(length(Queued), Pushed).

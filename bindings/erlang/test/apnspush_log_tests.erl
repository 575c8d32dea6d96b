%% EUnit tests of the logging bridge: the engine's records reach logger (domain [apnspush],
%% metadata target) through poll/2, log_poll/0 and the application's apnspush_log process, at
%% the levels set_log_level/1 lets through. The module is also the logger handler that sends
%% each apnspush event to the test process.
-module(apnspush_log_tests).

-include_lib("eunit/include/eunit.hrl").

-export([log/2]).

-define(HANDLER, apnspush_log_tests_handler).

%% logger handler callback: apnspush events only, to the test process.
log(#{level := Level, msg := {Format, Args}, meta := #{domain := [apnspush]} = Meta},
    #{config := #{pid := Pid}}) ->
    Pid ! {apnspush_log, Level, maps:get(target, Meta, undefined),
           unicode:characters_to_binary(io_lib:format(Format, Args))};
log(_, _) -> ok.

%% Runs Test with the handler installed, logger letting everything through to it (the console
%% handler stays at notice), and the bridge at Level; restores all after.
with_logging(Level, Test) ->
    #{level := Primary} = logger:get_primary_config(),
    {ok, #{level := Console}} = logger:get_handler_config(default),
    ok = logger:set_handler_config(default, level, notice),
    ok = logger:set_primary_config(level, all),
    ok = logger:add_handler(?HANDLER, ?MODULE, #{config => #{pid => self()}}),
    ok = apnspush:set_log_level(Level),
    try Test()
    after
        ok = apnspush:set_log_level(none),
        ok = logger:remove_handler(?HANDLER),
        ok = logger:set_primary_config(level, Primary),
        ok = logger:set_handler_config(default, level, Console),
        flush()
    end.

flush() -> receive {apnspush_log, _, _, _} -> flush() after 0 -> ok end.

%% The events received so far.
received() -> received([]).
received(Acc) ->
    receive {apnspush_log, L, T, M} -> received([{L, T, M} | Acc])
    after 0 -> lists:reverse(Acc)
    end.

contains(Text, Part) -> binary:match(Text, Part) =/= nomatch.

connected(Port) -> iolist_to_binary(io_lib:format("connected to 127.0.0.1:~b (HTTP/2)", [Port])).

poll_hands_records_to_logger_test() ->
    with_logging(info, fun() ->
        {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{outcome_reports, none}]),
        %% The slot logs its connect before it writes anything: once a notification has its
        %% outcome, the record is queued.
        Token = iolist_to_binary([binary:copy(<<"3c">>, 31), <<"01">>]),
        {ok, #{kind := accepted}} = apnspush:ensure_push(P, Token, <<"{\"aps\":{}}">>, 30000),
        [] = apnspush:poll(P, 0),
        Connected = [E || {info, <<"apnspush::http2">>, M} = E <- received(),
                          contains(M, connected(apnspush:mock_port(Mock)))],
        ?assertMatch([_], Connected),
        %% Served once: nothing is left for log_poll/0.
        ?assertEqual([], [M || {_, _, M} <- (fun() -> apnspush:log_poll(), received() end)(),
                               contains(M, connected(apnspush:mock_port(Mock)))]),
        {ok, _} = apnspush:close(P)
    end).

log_poll_serves_a_failed_connect_test() ->
    with_logging(info, fun() ->
        {ok, Listen} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
        {ok, Port} = inet:port(Listen),
        ok = gen_tcp:close(Listen),
        {error, {connect, _}} = apnspush:new([{protocol, http2}, {host, "127.0.0.1"}, {port, Port}]),
        ?assert(apnspush:log_poll() >= 1),
        Want = iolist_to_binary(io_lib:format("connect to 127.0.0.1:~b failed", [Port])),
        ?assertMatch([_ | _], [M || {warning, <<"apnspush::http2">>, M} <- received(),
                                    contains(M, Want)])
    end).

level_filters_records_test() ->
    with_logging(warning, fun() ->
        {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{outcome_reports, none}]),
        Token = iolist_to_binary([binary:copy(<<"3c">>, 31), <<"02">>]),
        {ok, #{kind := accepted}} = apnspush:ensure_push(P, Token, <<"{\"aps\":{}}">>, 30000),
        [] = apnspush:poll(P, 0),
        _ = apnspush:log_poll(),
        ?assertEqual([], [L || {L, _, _} <- received(), L =/= error, L =/= warning]),
        ?assertEqual(1, apnspush:mock_accepted_count(Mock)),
        ?assertError(badarg, apnspush:set_log_level(verbose))
    end).

application_bridges_without_polling_test_() ->
    {timeout, 60, fun() ->
        with_logging(none, fun() ->
            ok = application:set_env(apnspush, log_level, debug),
            ok = application:set_env(apnspush, log_poll_interval_ms, 20),
            {ok, Started} = application:ensure_all_started(apnspush),
            try
                ?assert(is_pid(whereis(apnspush_log))),
                {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
                {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
                Want = connected(apnspush:mock_port(Mock)),
                %% Generous bound: the application polls every 20 ms.
                receive {apnspush_log, info, <<"apnspush::http2">>, M} ->
                        ?assert(contains(M, Want))
                after 30000 -> ?assert(false)
                end,
                {ok, _} = apnspush:close(P)
            after
                [ok = application:stop(A) || A <- lists:reverse(Started)],
                application:unset_env(apnspush, log_level),
                application:unset_env(apnspush, log_poll_interval_ms)
            end
        end)
    end}.

#!/usr/bin/env escript
%% The demo: start the built-in mock APNs server, push a batch with a few bad tokens through a
%% pusher (payloads built from notification options), wait for every verdict, and print the
%% notifications that failed, what the mock recorded, and the stats.
%%
%% Run from anywhere after building the application (cd bindings/erlang && rebar3 compile):
%%   examples/erlang/demo.escript
-mode(compile).

-define(BATCH, 10000).
-define(BAD, [17, 1234, 4321, 7777, 9999]).

token(I) -> iolist_to_binary([binary:copy(<<"5a">>, 24), io_lib:format("~16.16.0b", [I])]).

main(_) ->
    Root = filename:dirname(filename:dirname(filename:dirname(filename:absname(escript:script_name())))),
    true = code:add_patha(filename:join([Root, "bindings", "erlang", "_build", "default", "lib",
                                         "apnspush", "ebin"])),
    %% The mock answers the bad tokens with status 8 (invalid token), like Apple.
    {ok, Mock} = apnspush:start_mock(#{reject => [{token(I), 8} || I <- ?BAD]}),
    io:format("mock APNs gateway on 127.0.0.1:~b~n", [apnspush:mock_port(Mock)]),
    %% Nobody polls outcome reports here: failed_notifications/1 is all the demo reads.
    {ok, Pusher} = apnspush:new(apnspush:mock_config(Mock) ++
                                    [{connections, 2}, {outcome_reports, none}]),
    Start = erlang:monotonic_time(millisecond),
    [{ok, _} = apnspush:push(Pusher, token(I), undefined,
                             #{alert_title => <<"apnspush demo">>,
                               alert_body => iolist_to_binary(io_lib:format("notification ~b", [I])),
                               badge => 1, user_data => I})
     || I <- lists:seq(0, ?BATCH - 1)],
    ok = apnspush:ensure_delivery(Pusher, 60000),
    Elapsed = (erlang:monotonic_time(millisecond) - Start) / 1000,

    io:format("pushed ~b notifications (~b with bad tokens) in ~.2fs~n",
              [?BATCH, length(?BAD), Elapsed]),
    [io:format("  notification ~b token ~s status ~b (~s)~n", [N, Token, Status, Reason])
     || #{user_data := N, token := Token, status := Status, reason := Reason}
            <- apnspush:failed_notifications(Pusher)],
    Accepted = apnspush:mock_accepted(Mock),
    io:format("mock recorded ~b accepted, ~b rejected~n",
              [apnspush:mock_accepted_count(Mock), length(apnspush:mock_rejected(Mock))]),
    [Payload0 | _] = [P || #{token := T, payload := P} <- Accepted, T =:= token(0)],
    io:format("mock recorded for token ~s: ~s~n", [token(0), Payload0]),
    io:format("stats: ~p~n", [apnspush:stats(Pusher)]),
    {ok, _} = apnspush:close(Pusher),
    ok = apnspush:stop_mock(Mock).

#!/usr/bin/env escript
%% A producer for `apnspush worker` (docs/WORKER.md) in Erlang, speaking RESP over gen_tcp
%% (no Redis client is packaged for Debian; an application with eredis or redis_client sends
%% the same two commands):
%%
%%   XADD apnspush:notifications * n <one JSON object, a line of `apnspush send`'s input>
%%   XREAD COUNT 500 BLOCK 5000 STREAMS apnspush:outcomes <last id read>
%%
%% Each outcome entry is a flat list of text fields: entry (the notification entry's id), ref
%% (the notification's "ref" as JSON text), token, channel_id, kind, status, reason, timestamp,
%% apns_id, attempts, duplicate_possible and worker.
%%
%% This script adds COUNT notifications with pipelined XADDs (ref I, token: 24 bytes 0x5a then
%% I big-endian), reads the outcome stream until every one has its outcome, prints the ones not
%% accepted and a summary, and exits 1 on an outcome it cannot match or a ref seen twice. JSON
%% goes through apnspush_json, the application's codec (build it first: rebar3 compile in
%% bindings/erlang); nothing else of the application, and no NIF, is loaded.
%%
%% Run with a redis-server and `apnspush worker` running (scripts/test-erlang.sh starts both):
%%   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 examples/erlang/redis_producer.escript 1000
-mode(compile).

-define(NOTIFICATIONS, <<"apnspush:notifications">>).
-define(OUTCOMES, <<"apnspush:outcomes">>).
-define(BATCH, 500).

token(I) -> iolist_to_binary([binary:copy(<<"5a">>, 24), io_lib:format("~16.16.0b", [I])]).

main(Args) ->
    Count = case Args of [N] -> list_to_integer(N); [] -> 1000 end,
    Root = filename:dirname(filename:dirname(filename:dirname(filename:absname(escript:script_name())))),
    true = code:add_patha(filename:join([Root, "bindings", "erlang", "_build", "default", "lib",
                                         "apnspush", "ebin"])),
    Host = os:getenv("REDIS_HOST", "127.0.0.1"),
    Port = list_to_integer(os:getenv("REDIS_PORT", "6379")),
    {ok, Sock} = gen_tcp:connect(Host, Port, [binary, {active, false}], 5000),
    Ids = enqueue(Sock, Count),
    io:format("enqueued ~b notifications on ~s~n", [Count, ?NOTIFICATIONS]),
    ByRef = maps:from_list(lists:zip(lists:seq(0, Count - 1), Ids)),
    Kinds = read_outcomes(Sock, ByRef, <<"0-0">>, #{}, #{}),
    ok = gen_tcp:close(Sock),
    io:format("outcomes: ~b (accepted=~b rejected=~b other=~b), each ref once~n",
              [Count, maps:get(accepted, Kinds, 0), maps:get(rejected, Kinds, 0),
               maps:get(other, Kinds, 0)]).

%% Sends XADDs ?BATCH per round trip; returns the entry ids in order.
enqueue(Sock, Count) ->
    lists:append([begin
        Refs = lists:seq(Start, min(Start + ?BATCH, Count) - 1),
        ok = gen_tcp:send(Sock, [command([<<"XADD">>, ?NOTIFICATIONS, <<"*">>, <<"n">>,
                                          apnspush_json:encode(notification(I))]) || I <- Refs]),
        replies(Sock, length(Refs))
    end || Start <- lists:seq(0, Count - 1, ?BATCH)]).

notification(I) ->
    #{<<"ref">> => I, <<"token">> => token(I), <<"topic">> => <<"com.example.app">>,
      <<"alert">> => iolist_to_binary(io_lib:format("Hello ~b", [I]))}.

%% Reads outcome entries after Last until every ref in ByRef has been seen once.
read_outcomes(_Sock, ByRef, _Last, Seen, Kinds) when map_size(Seen) =:= map_size(ByRef) ->
    Kinds;
read_outcomes(Sock, ByRef, Last, Seen, Kinds) ->
    ok = gen_tcp:send(Sock, command([<<"XREAD">>, <<"COUNT">>, integer_to_binary(?BATCH),
                                     <<"BLOCK">>, <<"5000">>, <<"STREAMS">>, ?OUTCOMES, Last])),
    case replies(Sock, 1) of
        [nil] -> read_outcomes(Sock, ByRef, Last, Seen, Kinds); % nothing new within 5 s
        [[[_Stream, Entries]]] ->
            {Last2, Seen2, Kinds2} = lists:foldl(fun(E, Acc) -> outcome(E, ByRef, Acc) end,
                                                 {Last, Seen, Kinds}, Entries),
            read_outcomes(Sock, ByRef, Last2, Seen2, Kinds2)
    end.

outcome([Id, Flat], ByRef, {_Last, Seen, Kinds}) ->
    F = fields(Flat, #{}),
    Ref = apnspush_json:decode(maps:get(<<"ref">>, F)),
    case {maps:find(Ref, ByRef), maps:is_key(Ref, Seen)} of
        {{ok, Entry}, false} when Entry =:= map_get(<<"entry">>, F) -> ok;
        {_, true} -> fail("outcome ~s: a second outcome for ref ~p~n", [Id, Ref]);
        _ -> fail("outcome ~s: unknown ref ~p entry ~s~n", [Id, Ref, maps:get(<<"entry">>, F)])
    end,
    Kind = case maps:get(<<"kind">>, F) of
        <<"accepted">> -> accepted;
        Other ->
            io:format("  ~s ref ~b token ~s status ~s ~s~n",
                      [Other, Ref, maps:get(<<"token">>, F), maps:get(<<"status">>, F),
                       maps:get(<<"reason">>, F)]),
            case Other of <<"rejected">> -> rejected; _ -> other end
    end,
    {Id, Seen#{Ref => true}, maps:update_with(Kind, fun(C) -> C + 1 end, 1, Kinds)}.

fields([K, V | Rest], Acc) -> fields(Rest, Acc#{K => V});
fields([], Acc) -> Acc.

fail(Format, Args) ->
    io:format(standard_error, Format, Args),
    halt(1).

%% RESP: a command is an array of bulk strings.
command(Args) ->
    [<<"*">>, integer_to_binary(length(Args)), <<"\r\n">>,
     [[<<"$">>, integer_to_binary(iolist_size(A)), <<"\r\n">>, A, <<"\r\n">>] || A <- Args]].

%% Reads N replies: binaries, integers, nil, lists; an error reply stops the script.
replies(Sock, N) -> replies(Sock, N, <<>>, []).

replies(_Sock, 0, _Buf, Acc) -> lists:reverse(Acc);
replies(Sock, N, Buf, Acc) ->
    try parse(Buf) of
        {{error, Message}, _} -> fail("redis: ~s~n", [Message]);
        {Reply, Rest} -> replies(Sock, N - 1, Rest, [Reply | Acc])
    catch
        throw:more ->
            {ok, Data} = gen_tcp:recv(Sock, 0, 30000),
            replies(Sock, N, <<Buf/binary, Data/binary>>, Acc)
    end.

%% One reply from the front of Buf, and the rest; throws 'more' when Buf holds only part of it.
parse(<<$+, R/binary>>) -> line(R);
parse(<<$-, R/binary>>) -> {L, Rest} = line(R), {{error, L}, Rest};
parse(<<$:, R/binary>>) -> {L, Rest} = line(R), {binary_to_integer(L), Rest};
parse(<<$$, R/binary>>) ->
    case line(R) of
        {<<"-1">>, Rest} -> {nil, Rest};
        {L, Rest} ->
            Len = binary_to_integer(L),
            case Rest of
                <<Bulk:Len/binary, "\r\n", Rest2/binary>> -> {Bulk, Rest2};
                _ -> throw(more)
            end
    end;
parse(<<$*, R/binary>>) ->
    case line(R) of
        {<<"-1">>, Rest} -> {nil, Rest};
        {L, Rest} -> elements(binary_to_integer(L), Rest, [])
    end;
parse(_) -> throw(more).

elements(0, Rest, Acc) -> {lists:reverse(Acc), Rest};
elements(N, Buf, Acc) -> {E, Rest} = parse(Buf), elements(N - 1, Rest, [E | Acc]).

line(Buf) ->
    case binary:split(Buf, <<"\r\n">>) of
        [L, Rest] -> {L, Rest};
        [_] -> throw(more)
    end.

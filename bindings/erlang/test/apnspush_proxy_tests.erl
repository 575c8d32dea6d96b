%% The proxy config key through the Erlang face, against a real HTTP CONNECT proxy (tinyproxy,
%% started by tests/proxy/tinyproxy.sh with BasicAuth) and the HTTP/2 mock.
-module(apnspush_proxy_tests).

-include_lib("eunit/include/eunit.hrl").

-define(TOTAL, 500).
-define(BAD, [123, 456]).
-define(WRONG, <<"wrong-pw-0451">>).

token(I) -> iolist_to_binary([binary:copy(<<"5a">>, 24), io_lib:format("~16.16.0b", [I])]).

payload(I) -> iolist_to_binary(["{\"aps\":{\"alert\":\"n", integer_to_list(I), "\"}}"]).

contains(Text, Part) -> binary:match(Text, Part) =/= nomatch.

%% tests/proxy/tinyproxy.sh, found from this module's source upwards (the repository root).
helper() -> helper(filename:dirname(filename:absname(?FILE))).
helper("/") -> error("tests/proxy/tinyproxy.sh not found above " ++ ?FILE);
helper(Dir) ->
    Path = filename:join([Dir, "tests", "proxy", "tinyproxy.sh"]),
    case filelib:is_regular(Path) of
        true -> Path;
        false -> helper(filename:dirname(Dir))
    end.

%% Starts tinyproxy requiring user:secret: {Port, PortNumber, LogPath}. Closing Port (its
%% standard input) stops it.
tinyproxy() ->
    Port = open_port({spawn_executable, os:find_executable("bash")},
                     [{args, [helper(), "user", "secret"]}, {line, 4096}, binary, exit_status]),
    receive
        {Port, {data, {eol, Line}}} ->
            case binary:split(Line, <<" ">>, [global]) of
                [Num, Log, _Pid] -> {Port, binary_to_integer(Num), Log};
                _ -> error({'tests/proxy/tinyproxy.sh', Line})
            end;
        {Port, {exit_status, _}} -> error({'tests/proxy/tinyproxy.sh', no_output})
    after 120000 -> error({'tests/proxy/tinyproxy.sh', no_answer})
    end.

proxy_url(Password, ProxyPort) ->
    iolist_to_binary(["http://user:", Password, "@127.0.0.1:", integer_to_list(ProxyPort)]).

through_tinyproxy_test_() ->
    {"500 through tinyproxy with Basic auth (2 rejected); a wrong password is a credentials error",
     {timeout, 300, fun() ->
        {Helper, ProxyPort, Log} = tinyproxy(),
        try
            through_tinyproxy(ProxyPort, Log)
        after
            port_close(Helper)
        end
    end}}.

through_tinyproxy(ProxyPort, Log) ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2,
                                       reject_http2 => [{token(I), 400, <<"BadDeviceToken">>} || I <- ?BAD]}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++ [{proxy, proxy_url(<<"secret">>, ProxyPort)}]),
    Ids = maps:from_list([begin {ok, Id} = apnspush:push(P, token(I), payload(I)), {Id, I} end
                          || I <- lists:seq(0, ?TOTAL - 1)]),
    ok = apnspush:ensure_delivery(P, 120000),
    Outcomes = apnspush:poll(P, 0),
    ?assertEqual(lists:sort(maps:keys(Ids)), lists:sort([Id || #{id := Id} <- Outcomes])),
    ?assertEqual(?TOTAL - length(?BAD), length([x || #{kind := accepted} <- Outcomes])),
    ?assertEqual(?BAD, lists:sort([maps:get(Id, Ids) || #{id := Id, kind := rejected, status := 400,
                                                          reason := <<"BadDeviceToken">>} <- Outcomes])),
    ?assertMatch({ok, _}, apnspush:close(P)),

    Good = [token(I) || I <- lists:seq(0, ?TOTAL - 1), not lists:member(I, ?BAD)],
    ?assertEqual(lists:sort(Good), lists:sort([T || #{token := T} <- apnspush:mock_accepted(Mock)])),
    ?assertEqual(lists:sort([token(I) || I <- ?BAD]),
                 lists:sort([T || #{token := T} <- apnspush:mock_rejected(Mock)])),
    {ok, Text} = file:read_file(Log),
    Connect = iolist_to_binary(["CONNECT 127.0.0.1:", integer_to_list(apnspush:mock_port(Mock)), " HTTP/1.1"]),
    Tunnels = [L || L <- binary:split(Text, <<"\n">>, [global]),
                    byte_size(L) >= byte_size(Connect),
                    binary:part(L, byte_size(L), -byte_size(Connect)) =:= Connect],
    ?assert(length(Tunnels) >= 1),

    {error, {credentials, Msg}} =
        apnspush:new(apnspush:mock_config(Mock) ++ [{proxy, proxy_url(?WRONG, ProxyPort)}]),
    ?assert(contains(Msg, <<"refused the credentials">>)),
    ?assertNot(contains(Msg, ?WRONG) orelse contains(Msg, <<"secret">>)).

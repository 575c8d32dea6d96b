%% No key material in any message: a PEM text given to a *_file key is refused without being
%% echoed; malformed PEM in the *_pem keys and a PEM-looking cert_p12_password fail (at set or
%% at new/1) with messages that quote no line of the PEM body; nor does the stats' last_error.
%% Assertion failures name the check, never the message or the key.
-module(apnspush_secrets_tests).

-include_lib("eunit/include/eunit.hrl").

-define(FILE_KEYS, [cert_file, key_file, ca_file, cert_p12_file, auth_key_file]).
-define(OFFLINE, [{protocol, http2}, {host, <<"127.0.0.1">>}, {port, 9}]).

%% A generated PEM text: the size of a P-256 PKCS#8 key, random bytes, 64-character lines.
generated_pem(Label) ->
    Body = base64:encode(rand:bytes(138)),
    iolist_to_binary([<<"-----BEGIN ">>, Label, <<"-----\n">>,
                      [[L, <<"\n">>] || L <- chunks(Body)],
                      <<"-----END ">>, Label, <<"-----\n">>]).

chunks(<<L:64/binary, Rest/binary>>) when Rest =/= <<>> -> [L | chunks(Rest)];
chunks(Last) -> [Last].

body_lines(Pem) ->
    [L || L <- binary:split(Pem, <<"\n">>, [global, trim_all]),
          binary:match(L, <<"-----">>) =:= nomatch].

%% A PEM as an environment variable may mangle it: intact, line breaks lost, escaped.
variants(Pem) ->
    [{intact, Pem},
     {spaces, binary:replace(Pem, <<"\n">>, <<" ">>, [global])},
     {escaped, binary:replace(Pem, <<"\n">>, <<"\\n">>, [global])}].

%% True if Text holds no body line of Pem.
clean(Text, Pem) ->
    lists:all(fun(L) -> binary:match(Text, L) =:= nomatch end, body_lines(Pem)).

contains(Text, Part) -> binary:match(Text, Part) =/= nomatch.

file_keys_refuse_pem_text_test() ->
    Pem = generated_pem(<<"PRIVATE KEY">>),
    Long = iolist_to_binary([<<"/">>, binary:copy(<<"k">>, 4096)]),
    lists:foreach(
      fun(Key) ->
              Want = iolist_to_binary([atom_to_binary(Key), <<": the value looks like PEM text, not a path">>]),
              lists:foreach(
                fun({_How, Value}) ->
                        {error, {invalid_config_value, Msg}} = apnspush:new(?OFFLINE ++ [{Key, Value}]),
                        ?assert(contains(Msg, Want)),
                        ?assert(clean(Msg, Pem))
                end, variants(Pem)),
              {error, {invalid_config_value, LongMsg}} = apnspush:new(?OFFLINE ++ [{Key, Long}]),
              ?assert(contains(LongMsg, <<"longer than any path">>)),
              ?assertNot(contains(LongMsg, <<"kkkk">>))
      end, ?FILE_KEYS).

malformed_pem_fails_at_new_test() ->
    Key = generated_pem(<<"PRIVATE KEY">>),
    Cert = generated_pem(<<"CERTIFICATE">>),
    lists:foreach(
      fun({{_, K}, {_, C}}) ->
              {error, {credentials, AuthMsg}} =
                  apnspush:new(?OFFLINE ++ [{auth_key_pem, K}, {key_id, <<"K">>}, {team_id, <<"T">>}]),
              ?assert(contains(AuthMsg, <<"auth key: ">>)),
              ?assert(clean(AuthMsg, Key)),
              {error, {credentials, ClientMsg}} =
                  apnspush:new(?OFFLINE ++ [{cert_pem, C}, {key_pem, K}]),
              ?assert(clean(ClientMsg, Key) andalso clean(ClientMsg, Cert)),
              {error, {credentials, CaMsg}} = apnspush:new(?OFFLINE ++ [{ca_pem, C}]),
              ?assert(clean(CaMsg, Cert))
      end, lists:zip(variants(Key), variants(Cert))).

p12_password_is_never_quoted_test() ->
    Password = generated_pem(<<"PRIVATE KEY">>),
    Path = <<"/nonexistent/apnspush-test/cert.p12">>,
    {error, {credentials, Msg}} =
        apnspush:new(?OFFLINE ++ [{cert_p12_file, Path}, {cert_p12_password, Password}]),
    ?assert(contains(Msg, Path)),
    ?assert(clean(Msg, Password)).

invalid_values_and_unknown_keys_are_not_quoted_test() ->
    Pem = generated_pem(<<"PRIVATE KEY">>),
    lists:foreach(
      fun(Key) ->
              {error, {invalid_config_value, Msg}} = apnspush:new([{Key, Pem}]),
              ?assert(contains(Msg, <<"not shown">>)),
              ?assert(clean(Msg, Pem))
      end, [protocol, topic, key_id, connections]),
    {error, {unknown_config_key, Msg}} = apnspush:new([{Pem, <<"x">>}]),
    ?assert(clean(Msg, Pem)).

last_error_never_quotes_secrets_test_() ->
    {timeout, 120, fun() ->
        Password = generated_pem(<<"PRIVATE KEY">>),
        {ok, Mock} = apnspush:start_mock(#{protocol => http2, require_client_cert => false}),
        {ok, P} = apnspush:new(apnspush:mock_config(Mock) ++
                                   [{cert_p12_password, Password}, {reconnect_backoff_ms, 10}]),
        Token = iolist_to_binary([binary:copy(<<"5a">>, 24), io_lib:format("~16.16.0b", [1])]),
        ?assertMatch({ok, #{kind := accepted}},
                     apnspush:ensure_push(P, Token, <<"{\"aps\":{}}">>, 60000)),
        ok = apnspush:stop_mock(Mock),
        {ok, _} = apnspush:push(P, Token, <<"{\"aps\":{}}">>),
        LastError = wait_last_error(P, 10000),
        ?assert(clean(LastError, Password)),
        ?assert(clean(iolist_to_binary(io_lib:format("~p", [apnspush:stats(P)])), Password)),
        {ok, _} = apnspush:close(P, 0)
    end}.

wait_last_error(P, Tries) when Tries > 0 ->
    case apnspush:stats(P) of
        #{last_error := <<>>} -> timer:sleep(10), wait_last_error(P, Tries - 1);
        #{last_error := E} -> E
    end.

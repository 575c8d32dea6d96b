%% EUnit tests of the whole aps dictionary as notification options: every option reaches the
%% HTTP/2 mock as the exact JSON payload it recorded; a critical alert and a time-sensitive one;
%% values the library refuses (named by the core), wrong types (named by apnspush.erl) and a
%% payload together with any of these options, each refused with nothing sent.
-module(apnspush_aps_tests).

-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).

token(I) -> iolist_to_binary([binary:copy(<<"3e">>, 24), io_lib:format("~16.16.0b", [I])]).

http2() ->
    {ok, Mock} = apnspush:start_mock(#{protocol => http2}),
    {ok, P} = apnspush:new(apnspush:mock_config(Mock)),
    {Mock, P}.

%% The payload text the mock recorded for the one notification it accepted for Token.
recorded_payload(Mock, Token) ->
    [Payload] = [Pl || #{token := T, payload := Pl} <- apnspush:mock_accepted(Mock), T =:= Token],
    Payload.

recorded_push_type(Mock, Token) ->
    [PushType] = [Pt || #{token := T, push_type := Pt} <- apnspush:mock_http2_requests(Mock),
                        T =:= Token],
    PushType.

every_aps_option_builds_the_exact_payload_the_mock_records_test() ->
    {Mock, P} = http2(),
    Options = #{alert_title => <<"T">>, alert_body => "B", alert_subtitle => <<"S">>,
                alert_launch_image => <<"launch.png">>, alert_title_loc_key => <<"TITLE_KEY">>,
                alert_title_loc_args => [<<"t1">>, "t2"], alert_subtitle_loc_key => "SUB_KEY",
                alert_subtitle_loc_args => [], alert_loc_key => <<"BODY_KEY">>,
                alert_loc_args => [<<"b1">>, <<"é"/utf8>>], badge => 3,
                sound => #{name => <<"siren.caf">>, critical => true, volume => 0.75},
                category => <<"MSG">>, thread_id => <<"th-1">>, content_available => true,
                mutable_content => true, target_content_id => <<"window-1">>,
                interruption_level => critical, relevance_score => 0.5,
                filter_criteria => <<"work">>, url_args => [<<"boarding">>, <<"A12">>],
                custom => #{<<"acme">> => #{<<"ids">> => [1, 2.5, null, true]}, n => 7,
                            s => <<"x">>, z => null}},
    {ok, #{kind := accepted}} = apnspush:ensure_push(P, token(1), undefined, Options, ?WAIT),
    ?assertEqual(<<"{\"acme\":{\"ids\":[1,2.5,null,true]},"
                   "\"aps\":{\"alert\":{\"body\":\"B\",\"launch-image\":\"launch.png\","
                   "\"loc-args\":[\"b1\",\"é\"],\"loc-key\":\"BODY_KEY\",\"subtitle\":\"S\","
                   "\"subtitle-loc-args\":[],\"subtitle-loc-key\":\"SUB_KEY\",\"title\":\"T\","
                   "\"title-loc-args\":[\"t1\",\"t2\"],\"title-loc-key\":\"TITLE_KEY\"},"
                   "\"badge\":3,\"category\":\"MSG\",\"content-available\":1,"
                   "\"filter-criteria\":\"work\",\"interruption-level\":\"critical\","
                   "\"mutable-content\":1,\"relevance-score\":0.5,"
                   "\"sound\":{\"critical\":1,\"name\":\"siren.caf\",\"volume\":0.75},"
                   "\"target-content-id\":\"window-1\",\"thread-id\":\"th-1\","
                   "\"url-args\":[\"boarding\",\"A12\"]},\"n\":7,\"s\":\"x\",\"z\":null}"/utf8>>,
                 recorded_payload(Mock, token(1))),
    ?assertEqual(<<"alert">>, recorded_push_type(Mock, token(1))).

critical_and_time_sensitive_alerts_test() ->
    {Mock, P} = http2(),
    {ok, _} = apnspush:push(P, token(1), undefined,
                            #{alert_title => <<"Flood warning">>, alert_body => <<"Leave now">>,
                              sound => #{name => "alarm.caf", critical => true, volume => 1},
                              interruption_level => critical}),
    {ok, _} = apnspush:push(P, token(2), undefined,
                            #{alert_body => <<"Your ride is here">>, sound => default,
                              interruption_level => 'time-sensitive', relevance_score => 1}),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertEqual(<<"{\"aps\":{\"alert\":{\"body\":\"Leave now\",\"title\":\"Flood warning\"},"
                   "\"interruption-level\":\"critical\","
                   "\"sound\":{\"critical\":1,\"name\":\"alarm.caf\",\"volume\":1.0}}}">>,
                 recorded_payload(Mock, token(1))),
    ?assertEqual(<<"{\"aps\":{\"alert\":{\"body\":\"Your ride is here\"},"
                   "\"interruption-level\":\"time-sensitive\",\"relevance-score\":1.0,"
                   "\"sound\":\"default\"}}">>,
                 recorded_payload(Mock, token(2))),
    ?assertEqual([<<"alert">>, <<"alert">>],
                 [recorded_push_type(Mock, token(1)), recorded_push_type(Mock, token(2))]),
    ?assertMatch(#{accepted := 2}, apnspush:stats(P)).

values_the_library_refuses_name_the_field_test() ->
    {Mock, P} = http2(),
    Refused = fun(Options) ->
                      {error, {invalid_argument, M}} =
                          apnspush:push(P, token(1), undefined, maps:merge(#{alert_body => <<"x">>}, Options)),
                      M
              end,
    ?assertEqual(<<"interruption-level \"urgent\" is unknown; the levels are "
                   "[\"passive\", \"active\", \"time-sensitive\", \"critical\"]">>,
                 Refused(#{interruption_level => urgent})),
    ?assertEqual(<<"relevance-score must be from 0.0 to 1.0, not 1.5">>,
                 Refused(#{relevance_score => 1.5})),
    ?assertEqual(<<"sound volume must be from 0.0 to 1.0, not -0.1">>,
                 Refused(#{sound => #{name => <<"siren.caf">>, critical => true, volume => -0.1}})),
    ?assertEqual(<<"sound name is empty">>,
                 Refused(#{sound => #{name => <<>>, critical => true, volume => 0.5}})),
    ?assertEqual(<<"alert loc-args was set without alert loc-key">>,
                 Refused(#{alert_loc_args => [<<"x">>]})),
    ?assertEqual(<<"alert title-loc-args was set without alert title-loc-key">>,
                 Refused(#{alert_title_loc_args => [<<"x">>]})),
    ?assertEqual(<<"alert subtitle-loc-args was set without alert subtitle-loc-key">>,
                 Refused(#{alert_subtitle_loc_args => [<<"x">>]})),
    ?assertEqual(<<"alert loc-key is empty">>, Refused(#{alert_loc_key => <<>>})),
    ?assertMatch({error, {invalid_argument, <<"relevance-score", _/binary>>}},
                 apnspush:ensure_push(P, token(1), undefined, #{relevance_score => 2}, ?WAIT)),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual([], apnspush:mock_http2_requests(Mock)).

wrong_types_are_refused_naming_the_option_test() ->
    {Mock, P} = http2(),
    Message = fun(Options) ->
                      {error, {invalid_argument, M}} = apnspush:push(P, token(1), undefined, Options),
                      M
              end,
    ?assertEqual(<<"alert_subtitle: expected text, got 5">>, Message(#{alert_subtitle => 5})),
    ?assertEqual(<<"alert_loc_args: expected a list of texts, got <<\"one\">>">>,
                 Message(#{alert_loc_args => <<"one">>})),
    ?assertEqual(<<"alert_loc_args: expected a list of texts, got \"one\"">>,
                 Message(#{alert_loc_args => "one"})),
    ?assertEqual(<<"url_args: expected a list of texts, got [<<\"a\">>,2]">>,
                 Message(#{url_args => [<<"a">>, 2]})),
    ?assertEqual(<<"relevance_score: expected a number, got <<\"0.5\">>">>,
                 Message(#{relevance_score => <<"0.5">>})),
    ?assertEqual(<<"interruption_level: expected text, got 3">>,
                 Message(#{interruption_level => 3})),
    ?assertEqual(<<"target_content_id: expected text, got {w}">>,
                 Message(#{target_content_id => {w}})),
    ?assertEqual(<<"filter_criteria: expected text, got 1.0">>, Message(#{filter_criteria => 1.0})),
    ?assertEqual(<<"sound volume: expected a number, got loud">>,
                 Message(#{sound => #{name => <<"x">>, critical => true, volume => loud}})),
    ?assertEqual(<<"sound name: expected text, got 1">>,
                 Message(#{sound => #{name => 1, critical => true, volume => 0.5}})),
    lists:foreach(
      fun(Sound) ->
              ?assertMatch(<<"sound: a map is the critical-alert sound #{name => Text, "
                             "critical => true, volume => 0.0..1.0} (a plain sound is text), got ",
                             _/binary>>,
                           Message(#{sound => Sound}))
      end,
      [#{name => <<"x">>, volume => 0.5}, #{name => <<"x">>, critical => false, volume => 0.5},
       #{name => <<"x">>, critical => true},
       #{name => <<"x">>, critical => true, volume => 0.5, extra => 1}]),
    ?assertMatch(<<"unknown notification option loc_key (known: apns_id, ", _/binary>>,
                 Message(#{loc_key => <<"K">>})),
    ?assertError(badarg, apnspush:push(P, token(1), undefined,
                                       #{alert_loc_key => <<"K">>, alert_loc_args => [<<"a", 0, "b">>]})),
    ok = apnspush:ensure_delivery(P, ?WAIT),
    ?assertMatch(#{pushed := 0}, apnspush:stats(P)),
    ?assertEqual([], apnspush:mock_http2_requests(Mock)).

payload_with_any_aps_option_is_refused_test() ->
    {Mock, P} = http2(),
    Payload = <<"{\"aps\":{\"alert\":\"hi\"}}">>,
    lists:foreach(
      fun({Field, Value}) ->
              ?assertEqual({error, {invalid_argument,
                                    iolist_to_binary(["payload cannot be combined with ",
                                                      atom_to_list(Field), ": give either the "
                                                      "payload or the fields it is built from"])}},
                           apnspush:push(P, token(2), Payload, #{Field => Value}))
      end,
      [{alert_subtitle, <<"S">>}, {alert_launch_image, <<"l.png">>},
       {alert_title_loc_key, <<"K">>}, {alert_title_loc_args, []},
       {alert_subtitle_loc_key, <<"K">>}, {alert_subtitle_loc_args, [<<"a">>]},
       {alert_loc_key, <<"K">>}, {alert_loc_args, [<<"a">>]},
       {sound, #{name => <<"s">>, critical => true, volume => 0.5}},
       {target_content_id, <<"w">>}, {interruption_level, passive}, {relevance_score, 0.1},
       {filter_criteria, <<"f">>}, {url_args, [<<"u">>]}]),
    {ok, _} = apnspush:ensure_push(P, token(3), Payload, #{}, ?WAIT),
    ?assertMatch(#{pushed := 1}, apnspush:stats(P)),
    ?assertEqual([token(3)], [T || #{token := T} <- apnspush:mock_accepted(Mock)]).

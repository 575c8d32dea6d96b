%% EUnit tests of apnspush_json: what encode/1 writes decodes back to the same term.
-module(apnspush_json_tests).

-include_lib("eunit/include/eunit.hrl").

round_trip_test() ->
    Term = #{<<"aps">> => #{<<"alert">> => <<"a \"quoted\" \\ line\nand a tab\t">>},
             <<"list">> => [1, -2, 3.25, 1.0e-7, true, false, null, [], #{}],
             <<"unicode">> => <<"é ✓ 😀"/utf8>>, <<"control">> => <<1, 31>>},
    Json = apnspush_json:encode(Term),
    ?assertEqual(Term, apnspush_json:decode(Json)).

encode_test() ->
    ?assertEqual(<<"{\"a\":1,\"b\":[true,null]}">>, apnspush_json:encode(#{b => [true, null], a => 1})),
    ?assertEqual(<<"\"\\u0001\\\"\"">>, apnspush_json:encode(<<1, $">>)),
    ?assertError({not_json, {x}}, apnspush_json:encode([{x}])),
    ?assertError({not_json, undefined}, apnspush_json:encode(#{a => undefined})).

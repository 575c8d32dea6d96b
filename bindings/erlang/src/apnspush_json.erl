%% A small JSON codec: decode/1,2 reads the JSON texts libapnspush returns (stats, the mock's
%% record); encode/1 writes payloads and custom values given as terms. OTP 25 has no json module
%% and hex is not used here. Objects are maps, arrays lists, strings binaries, numbers integers or
%% floats, true/false atoms, null the atom null.
-module(apnspush_json).

-export([decode/1, decode/2, encode/1]).

%% Keys: binary (default) or atom. Use atom only for the library's own fixed key sets.
-spec decode(binary()) -> term().
decode(Json) -> decode(Json, binary).

-spec decode(binary(), binary | atom) -> term().
decode(Json, Keys) ->
    {Value, Rest} = value(skip(Json), Keys),
    <<>> = skip(Rest),
    Value.

value(<<${, R/binary>>, K) -> object(skip(R), K, #{});
value(<<$[, R/binary>>, K) -> array(skip(R), K, []);
value(<<$", R/binary>>, _) -> string(R, <<>>);
value(<<"true", R/binary>>, _) -> {true, R};
value(<<"false", R/binary>>, _) -> {false, R};
value(<<"null", R/binary>>, _) -> {null, R};
value(Bin, _) -> number(Bin, <<>>).

object(<<$}, R/binary>>, _, Acc) when map_size(Acc) =:= 0 -> {Acc, R};
object(<<$", R/binary>>, K, Acc) ->
    {Key, R1} = string(R, <<>>),
    <<$:, R2/binary>> = skip(R1),
    {V, R3} = value(skip(R2), K),
    Acc1 = Acc#{key(Key, K) => V},
    case skip(R3) of
        <<$,, R4/binary>> -> object(skip(R4), K, Acc1);
        <<$}, R4/binary>> -> {Acc1, R4}
    end.

array(<<$], R/binary>>, _, []) -> {[], R};
array(Bin, K, Acc) ->
    {V, R} = value(Bin, K),
    case skip(R) of
        <<$,, R1/binary>> -> array(skip(R1), K, [V | Acc]);
        <<$], R1/binary>> -> {lists:reverse([V | Acc]), R1}
    end.

string(Bin, Acc) ->
    case binary:match(Bin, [<<"\"">>, <<"\\">>]) of
        {Pos, 1} ->
            <<Plain:Pos/binary, R/binary>> = Bin,
            escape(R, <<Acc/binary, Plain/binary>>)
    end.

escape(<<$", R/binary>>, Acc) -> {Acc, R};
escape(<<"\\u", H:4/binary, R/binary>>, Acc) ->
    High = binary_to_integer(H, 16),
    case R of
        <<"\\u", L:4/binary, R1/binary>> when High >= 16#D800, High < 16#DC00 ->
            Low = binary_to_integer(L, 16),
            Code = 16#10000 + ((High - 16#D800) bsl 10) + (Low - 16#DC00),
            string(R1, <<Acc/binary, Code/utf8>>);
        _ ->
            string(R, <<Acc/binary, High/utf8>>)
    end;
escape(<<$\\, C, R/binary>>, Acc) ->
    Char = case C of
        $b -> $\b; $f -> $\f; $n -> $\n; $r -> $\r; $t -> $\t;
        $" -> $"; $\\ -> $\\; $/ -> $/
    end,
    string(R, <<Acc/binary, Char>>).

number(<<C, R/binary>>, Acc) when C >= $0, C =< $9; C =:= $-; C =:= $+; C =:= $.; C =:= $e; C =:= $E ->
    number(R, <<Acc/binary, C>>);
number(R, Acc) ->
    Float = binary:match(Acc, [<<".">>, <<"e">>, <<"E">>]) =/= nomatch,
    {case Float of
         false -> binary_to_integer(Acc);
         true -> to_float(Acc)
     end, R}.

%% binary_to_float/1 wants a fraction: "1e5" -> "1.0e5".
to_float(Text) ->
    case binary:match(Text, <<".">>) of
        nomatch ->
            [Mantissa, Exponent] = binary:split(string:lowercase(Text), <<"e">>),
            binary_to_float(<<Mantissa/binary, ".0e", Exponent/binary>>);
        _ ->
            binary_to_float(Text)
    end.

key(Key, binary) -> Key;
key(Key, atom) -> binary_to_atom(Key, utf8).

skip(<<C, R/binary>>) when C =:= $\s; C =:= $\t; C =:= $\n; C =:= $\r -> skip(R);
skip(Bin) -> Bin.

%% Encodes a term as JSON text: a map (keys atom or binary) is an object, a list an array, a
%% binary a string (UTF-8), integers and floats numbers, true, false and null themselves.
%% Raises error({not_json, Term}) for any other term (a charlist is an array of integers: give
%% strings as binaries).
-spec encode(term()) -> binary().
encode(Term) -> iolist_to_binary(enc(Term)).

enc(true) -> <<"true">>;
enc(false) -> <<"false">>;
enc(null) -> <<"null">>;
enc(I) when is_integer(I) -> integer_to_binary(I);
enc(F) when is_float(F) -> float_to_binary(F, [short]);
enc(B) when is_binary(B) -> enc_string(B);
enc(L) when is_list(L) -> [$[, lists:join($,, [enc(V) || V <- L]), $]];
enc(M) when is_map(M) ->
    [${, lists:join($,, [[enc_string(enc_key(K)), $:, enc(V)] || {K, V} <- lists:sort(maps:to_list(M))]), $}];
enc(Other) -> error({not_json, Other}).

enc_key(K) when is_binary(K) -> K;
enc_key(K) when is_atom(K) -> atom_to_binary(K, utf8);
enc_key(K) -> error({not_json, K}).

enc_string(B) -> [$", [esc(C) || <<C>> <= B], $"].

esc($") -> <<"\\\"">>;
esc($\\) -> <<"\\\\">>;
esc(C) when C < 16#20 -> io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.

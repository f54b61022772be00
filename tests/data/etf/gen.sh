#!/bin/sh
# gen.sh - regenerate cases.txt, the external term format samples that
# tests/unit/test_etf.c decodes, with the Erlang/OTP on PATH (made with
# OTP 25, erts 13.1.5):
#
#   cd tests/data/etf && sh gen.sh
#
# Each line: NAME HEX [DECIMAL]. HEX is term_to_binary/1,2 of the term
# the test expects for NAME; DECIMAL, for big integers, is the value as
# integer_to_list/1 writes it. The "old_*" samples are encodings
# term_to_binary no longer writes (PID_EXT, PORT_EXT, REFERENCE_EXT,
# NEW_REFERENCE_EXT), written by hand here and checked to be accepted by
# binary_to_term/1 as the term named.
set -eu
cd "$(dirname "$0")"
erl -noshell -eval '
Node = <<100, 13:16, "nonode@nohost">>,
N = 5,
Cases = [
  {small_int, term_to_binary(42)},
  {int_neg, term_to_binary(-5)},
  {int32_max, term_to_binary(2147483647)},
  {int64_max, term_to_binary(9223372036854775807)},
  {int64_min, term_to_binary(-9223372036854775808)},
  {big_pos, term_to_binary(1 bsl 64)},
  {big_neg, term_to_binary(-123456789012345678901234567890)},
  {big_large, term_to_binary(1 bsl 2100 + 12345)},
  {float_new, term_to_binary(1.5)},
  {float_old, term_to_binary(-2.5e-300, [{minor_version, 0}])},
  {atom_latin1, term_to_binary(list_to_atom([104, 228]))},
  {atom_latin1_as_utf8, term_to_binary(list_to_atom([104, 228]),
                                       [{minor_version, 2}])},
  {atom_utf8, term_to_binary(list_to_atom([1000, 98]))},
  {atom_long_utf8, term_to_binary(list_to_atom(lists:duplicate(255, 1000)))},
  {atom_empty, term_to_binary(list_to_atom(""))},
  {string, term_to_binary("abc")},
  {string_latin1, term_to_binary([228, 98])},
  {list_unicode, term_to_binary([1000, 98])},
  {nil, term_to_binary([])},
  {improper, term_to_binary([1 | 2])},
  {improper_atoms, term_to_binary([a, b | c])},
  {tuple, term_to_binary({a, 1, "x"})},
  {tuple_empty, term_to_binary({})},
  {tuple_large, term_to_binary(list_to_tuple(lists:seq(1, 300)))},
  {map, term_to_binary(#{a => 1, <<"k">> => [2]})},
  {map_empty, term_to_binary(#{})},
  {binary, term_to_binary(<<1, 2, 3>>)},
  {binary_empty, term_to_binary(<<>>)},
  {bitstring, term_to_binary(<<1, 2:3>>)},
  {nested, term_to_binary([[[[x]]], {[{}]}])},
  {pid, term_to_binary(list_to_pid("<0.42.7>"))},
  {port, term_to_binary(list_to_port("#Port<0.7>"))},
  {ref, term_to_binary(list_to_ref("#Ref<0.1.2.3>"))},
  {export_fun, term_to_binary(fun lists:map/2)},
  {local_fun, term_to_binary(fun(X) -> X + N end)},
  {compressed, term_to_binary(lists:duplicate(100, a), [compressed])},
  {compressed_tuple, term_to_binary({attrs, lists:duplicate(50, "xyz")},
                                    [compressed])},
  {old_pid, <<131, 103, Node/binary, 42:32, 7:32, 0>>},
  {old_port, <<131, 102, Node/binary, 7:32, 0>>},
  {old_ref, <<131, 101, Node/binary, 9:32, 0>>},
  {old_new_ref, <<131, 114, 3:16, Node/binary, 0, 3:32, 2:32, 1:32>>},
  {v4_port, <<131, 120, Node/binary, 7:64, 0:32>>}
],
Check = fun(Name, Bin) ->
  T = binary_to_term(Bin),
  case Name of
    old_pid -> T = list_to_pid("<0.42.7>");
    old_port -> T = list_to_port("#Port<0.7>");
    v4_port -> T = list_to_port("#Port<0.7>");
    old_ref -> true = is_reference(T);
    old_new_ref -> T = list_to_ref("#Ref<0.1.2.3>");
    _ -> ok
  end
end,
Lines = [begin
           Check(Name, Bin),
           Hex = [io_lib:format("~2.16.0b", [B]) || <<B>> <= Bin],
           Dec = case binary_to_term(Bin) of
                     I when is_integer(I) -> [" ", integer_to_list(I)];
                     _ -> ""
                 end,
           [atom_to_list(Name), " ", Hex, Dec, "\n"]
         end || {Name, Bin} <- Cases],
ok = file:write_file("cases.txt", Lines),
halt().'

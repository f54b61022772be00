%% The same module in several builds: v1, v2_lines (v1 with blank lines
%% added, so only line numbers differ) and v3_change (a real change).
-module(calc).

-export([add/2, area/1]).

add(A, B) ->
    A + B.

area({square, S}) ->
    S * S;
area({rect, W, H}) ->
    W * H.

%% Funs (a FunT chunk) and literals (a LitT chunk).
-module(funs).

-export([adder/1, table/0, twice/1]).

adder(N) ->
    fun(X) -> X + N end.

twice(L) ->
    lists:map(fun(X) -> 2 * X end, L) ++ ets:tab2list(funs).

table() ->
    [{alpha, "text", 1.5, <<"bin">>, #{key => [1, 2, 3]}},
     {beta, 'quoted atom', -123456789012345678901234567890}].

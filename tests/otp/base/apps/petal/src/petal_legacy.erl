%% A helper the base uses and the "modules" scenario deletes.
-module(petal_legacy).
-export([check/1]).

check(N) when is_integer(N), N >= 0 ->
    N.

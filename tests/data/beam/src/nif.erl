%% A module that loads a NIF library.
-module(nif).
-on_load(init/0).

-export([fast/1]).

init() ->
    erlang:load_nif(filename:join(code:priv_dir(nif), "nif"), 0).

fast(_X) ->
    erlang:nif_error(not_loaded).

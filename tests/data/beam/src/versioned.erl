%% An explicit -vsn.
-module(versioned).
-vsn("1.2.3").

-export([f/0]).

f() ->
    ok.

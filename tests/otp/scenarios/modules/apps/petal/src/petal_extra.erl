%% Added by the "modules" scenario; the new petal_util calls it.
-module(petal_extra).
-export([tag/0]).

tag() ->
    "extra=v1".

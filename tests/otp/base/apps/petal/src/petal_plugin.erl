%% A behaviour of our own (used by the "multi" scenario).
-module(petal_plugin).
-export([describe/1]).

-callback plugin_name() -> string().

describe(Mod) ->
    "plugin=" ++ Mod:plugin_name().

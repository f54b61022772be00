%% Formatting helpers petal calls across the application boundary.
-module(stem_fmt).
-export([join/1, tag/0]).

join(Parts) ->
    lists:flatten(lists:join(" ", Parts)).

tag() ->
    "stem=v1".

%% Formatting helpers petal calls across the application boundary;
%% fancy/1 is new in stem 1.1.0.
-module(stem_fmt).
-export([join/1, tag/0, fancy/1]).

join(Parts) ->
    lists:flatten(lists:join(" ", Parts)).

tag() ->
    "stem=v2".

fancy(Text) ->
    "<" ++ Text ++ ">".

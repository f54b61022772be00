%% The US spelling.
-module(us).
-behavior(gen_event).

-export([init/1, handle_event/2, handle_call/2]).

init(Arg) ->
    {ok, Arg}.

handle_event(_Event, S) ->
    {ok, S}.

handle_call(_Req, S) ->
    {ok, ok, S}.

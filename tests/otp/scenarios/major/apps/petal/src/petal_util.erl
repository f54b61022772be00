%% Builds the answer line of a ping.
-module(petal_util).
-export([line/2]).

line(Count, Parts) ->
    stem_fmt:join(["petal", app_vsn(),
                   "count=" ++ integer_to_list(petal_legacy:check(Count))]
                  ++ Parts
                  ++ [sup(), thorn(), stem_fmt:tag(), "fmt=v3"]).

app_vsn() ->
    {ok, Vsn} = application:get_key(petal, vsn),
    Vsn.

%% The restart intensity the running petal_sup holds (OTP's supervisor
%% state record: {state, Name, Strategy, Children, Dynamics, Intensity, ...}).
sup() ->
    "sup=" ++ integer_to_list(element(6, sys:get_state(petal_sup, 1000))).

thorn() ->
    case whereis(thorn_keeper) of
        undefined -> "thorn=down";
        _ -> "thorn=up"
    end.

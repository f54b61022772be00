-module(evt_same).
-behaviour(gen_event).
-export([init/1, handle_event/2, handle_call/2, code_change/3]).
-record(st, {events = []}).
init(_) -> {ok, #st{}}.
handle_event(E, #st{events = Es} = S) -> {ok, S#st{events = [E | Es]}}.
handle_call(count, #st{events = Es} = S) -> {ok, {count, length(Es)}, S}.
code_change(_Old, S, _Extra) -> {ok, S}.

-module(srv_field).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).
-record(state, {count = 0, seen = []}).
init([]) -> {ok, #state{}}.
handle_call(get, From, #state{count = C, seen = L} = S) -> {reply, C, S#state{seen = [From | L]}}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, {state, C}, _Extra) -> {ok, #state{count = C}}.

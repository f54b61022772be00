-module(srv_nested).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).
-record(sub, {x = 0, y = 0}).
-record(state, {sub = #sub{} :: #sub{}}).
init(Arg) -> {ok, #state{}}.
handle_call(_, _From, S) -> {reply, ok, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.

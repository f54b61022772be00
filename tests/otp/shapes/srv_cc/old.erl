-module(srv_cc).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).
-record(state, {n = 0}).
init(Arg) -> {ok, #state{}}.
handle_call(_, _From, S) -> {reply, ok, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.

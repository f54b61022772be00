-module(srv_helper).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).
-record(state, {n = 0}).
init(Arg) -> fresh(Arg).
handle_call(_, _From, S) -> {reply, ok, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.
fresh(_) -> State = #state{}, {ok, State}.

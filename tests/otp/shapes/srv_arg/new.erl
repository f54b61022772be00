-module(srv_arg).
-behaviour(gen_server).
-export([extra/0, init/1, handle_call/3, handle_cast/2, code_change/3]).

init(Arg) -> {ok, Arg}.
handle_call(_, _From, S) -> {reply, ok, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.
extra() -> ok.

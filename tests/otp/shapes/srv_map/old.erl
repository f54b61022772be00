-module(srv_map).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

init(Arg) -> {ok, #{n => 0}}.
handle_call(_, _From, S) -> {reply, ok, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.

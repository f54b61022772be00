-module(srv_body).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).
-record(state, {count = 0 :: non_neg_integer(), name = "a"}).

%% A comment moves every line below: annotations are not code.
init([]) -> {ok, #state{}}.
handle_call(get, _From, #state{count = C} = S) -> {reply, {count, C}, S#state{count = C + 1}};
handle_call(name, _From, #state{name = N} = S) -> {reply, N, S}.
handle_cast(_Msg, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S}.

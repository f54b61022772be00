-module(statem_mode).
-behaviour(gen_statem).
-export([init/1, callback_mode/0, idle/3, code_change/4, terminate/3, handle_event/4]).
-record(data, {hits = 0}).
init([]) -> {ok, idle, #data{}}.
callback_mode() -> [state_functions, state_enter].
idle({call, From}, hit, #data{hits = H} = D) -> {keep_state, D#data{hits = H + 1}, [{reply, From, H}]};
idle(_Type, _Msg, D) -> {keep_state, D}.
handle_event(_T, _M, _S, D) -> {keep_state, D}.
terminate(_Why, _State, _D) -> ok.
code_change(_Old, State, D, _Extra) -> {ok, State, D}.

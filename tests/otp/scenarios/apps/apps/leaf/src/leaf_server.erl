%% Runs only when leaf was started (by add_application in the relup).
-module(leaf_server).
-behaviour(gen_server).
-export([start_link/0, tag/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2,
         terminate/2, code_change/3]).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

tag() ->
    gen_server:call(?MODULE, tag, 1000).

init([]) -> {ok, nostate}.
handle_call(tag, _From, S) -> {reply, "leaf=v1", S};
handle_call(_Req, _From, S) -> {reply, {error, unknown_call}, S}.
handle_cast(_Msg, S) -> {noreply, S}.
handle_info(_Info, S) -> {noreply, S}.
terminate(_Reason, _S) -> ok.
code_change(_OldVsn, S, _Extra) -> {ok, S}.

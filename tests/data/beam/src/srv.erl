%% A gen_server with a code_change/3, as release upgrades need.
-module(srv).
-behaviour(gen_server).

-export([start_link/0, bump/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

bump() ->
    gen_server:call(?MODULE, bump).

init([]) ->
    {ok, 0}.

handle_call(bump, _From, N) ->
    {reply, N + 1, N + 1}.

handle_cast(_Msg, N) ->
    {noreply, N}.

code_change(_OldVsn, N, _Extra) ->
    {ok, N}.

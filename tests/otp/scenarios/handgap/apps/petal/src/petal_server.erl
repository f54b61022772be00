%% The stateful part: counts the pings it has answered.
-module(petal_server).
-behaviour(gen_server).
-export([start_link/0, describe/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2,
         terminate/2, code_change/3]).

-record(state, {count = 0}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% One line telling which code answered and what the state is.
describe() ->
    gen_server:call(?MODULE, describe, 2000).

init([]) ->
    {ok, #state{}}.

handle_call(describe, _From, #state{count = C0} = S) ->
    C = C0 + 1,
    {reply, petal_util:line(C, ["srv=v2"]), S#state{count = C}};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info(_Info, S) ->
    {noreply, S}.

terminate(_Reason, _S) ->
    ok.

code_change(_OldVsn, S, _Extra) ->
    {ok, S}.

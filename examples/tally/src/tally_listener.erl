%% Owns the listening socket; an acceptor process hands each new
%% connection to a tally_conn process of its own.
-module(tally_listener).
-behaviour(gen_server).
-export([start_link/0, port/0]).
-export([acceptor/1]).
-export([init/1, handle_call/3, handle_cast/2]).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% The port it listens on (useful with {port, 0}).
port() ->
    gen_server:call(?MODULE, port).

init([]) ->
    {ok, Port} = application:get_env(tally, port),
    {ok, LSock} = gen_tcp:listen(Port, [binary, {packet, line},
                                        {active, false}, {reuseaddr, true},
                                        {ip, {127, 0, 0, 1}}]),
    {ok, Real} = inet:port(LSock),
    _ = spawn_link(?MODULE, acceptor, [LSock]),
    {ok, {LSock, Real}}.

%% Loops through ?MODULE: so that it runs the newest code after a reload.
acceptor(LSock) ->
    case gen_tcp:accept(LSock) of
        {ok, Sock} ->
            Pid = tally_conn:start(Sock),
            ok = gen_tcp:controlling_process(Sock, Pid),
            Pid ! go,
            ?MODULE:acceptor(LSock);
        {error, closed} ->
            ok
    end.

handle_call(port, _From, {_LSock, Port} = S) ->
    {reply, Port, S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

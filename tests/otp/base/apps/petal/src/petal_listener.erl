%% Accepts TCP connections on 127.0.0.1:port (app env); one handler
%% process per connection answers "ping" with petal_server:describe().
%% The acceptor and the handlers loop through fully qualified calls so
%% they move to new code whenever this module is reloaded.
-module(petal_listener).
-behaviour(gen_server).
-export([start_link/0, port/0]).
-export([acceptor/1, handler/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2,
         terminate/2, code_change/3]).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

port() ->
    gen_server:call(?MODULE, port).

init([]) ->
    Port = application:get_env(petal, port, 0),
    {ok, LSock} = gen_tcp:listen(Port, [binary, {packet, line},
                                        {active, false}, {reuseaddr, true},
                                        {ip, {127, 0, 0, 1}}]),
    {ok, Real} = inet:port(LSock),
    _ = spawn_link(?MODULE, acceptor, [LSock]),
    {ok, {LSock, Real}}.

acceptor(LSock) ->
    case gen_tcp:accept(LSock) of
        {ok, Sock} ->
            Pid = spawn(?MODULE, handler, [Sock]),
            ok = gen_tcp:controlling_process(Sock, Pid),
            Pid ! go,
            ?MODULE:acceptor(LSock);
        {error, closed} ->
            ok
    end.

handler(Sock) ->
    receive
        go ->
            ok = inet:setopts(Sock, [{active, once}]),
            ?MODULE:handler(Sock);
        {tcp, Sock, Line} ->
            Reply = answer(string:trim(Line)),
            ok = gen_tcp:send(Sock, [Reply, $\n]),
            ok = inet:setopts(Sock, [{active, once}]),
            ?MODULE:handler(Sock);
        {tcp_closed, Sock} ->
            ok;
        {tcp_error, Sock, _} ->
            ok
    end.

answer(<<"ping">>) ->
    try petal_server:describe()
    catch Class:Reason -> io_lib:format("error ~p:~p", [Class, Reason])
    end;
answer(Other) ->
    io_lib:format("error unknown command ~p", [Other]).

handle_call(port, _From, {_LSock, Port} = S) ->
    {reply, Port, S};
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

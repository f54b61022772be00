%% One process per client connection: reads a line, answers a line.
%% What a command means is up to tally_proto, so that module can change
%% in an upgrade while this process, and the client's connection, stay.
-module(tally_conn).
-export([start/1, loop/1]).

start(Sock) ->
    spawn(fun() -> receive go -> ok end, welcome(Sock) end).

welcome(Sock) ->
    ok = gen_tcp:send(Sock, [tally_proto:greeting(), $\n]),
    ok = inet:setopts(Sock, [{active, once}]),
    ?MODULE:loop(Sock).

%% Loops through ?MODULE: so that it runs the newest code after a reload.
loop(Sock) ->
    receive
        {tcp, Sock, Line} ->
            case tally_proto:handle(string:trim(binary_to_list(Line))) of
                quit ->
                    ok = gen_tcp:send(Sock, <<"bye\n">>),
                    gen_tcp:close(Sock);
                Reply ->
                    ok = gen_tcp:send(Sock, [Reply, $\n]),
                    ok = inet:setopts(Sock, [{active, once}]),
                    ?MODULE:loop(Sock)
            end;
        {tcp_closed, Sock} ->
            ok;
        {tcp_error, Sock, _} ->
            ok
    end.

#!/usr/bin/env escript
%% -*- erlang -*-
%% A tally client: connects once, prints every line the server sends
%% ("< ..."), and sends every line read from standard input ("> ...").
%%
%%   escript client.escript [HOST] PORT
%%
%% It keeps the one connection until standard input ends or the server
%% closes it, so it shows a live upgrade from the client's side. It
%% retries the connection for up to 10 s while the server starts.

main([Port]) ->
    main(["127.0.0.1", Port]);
main([Host, Port0]) ->
    Port = list_to_integer(Port0),
    Sock = connect(Host, Port, 100),
    {ok, Local} = inet:port(Sock),
    io:format("connected to ~s:~b from port ~b~n", [Host, Port, Local]),
    Reader = spawn(fun() -> receive go -> ok = inet:setopts(Sock, [{active, true}]), read(Sock) end end),
    ok = gen_tcp:controlling_process(Sock, Reader),
    Reader ! go,
    send(Sock);
main(_) ->
    io:format(standard_error, "usage: client.escript [HOST] PORT~n", []),
    halt(2).

connect(Host, Port, Tries) ->
    case gen_tcp:connect(Host, Port, [binary, {packet, line}, {active, false}], 1000) of
        {ok, Sock} ->
            Sock;
        {error, _} when Tries > 1 ->
            timer:sleep(100),
            connect(Host, Port, Tries - 1);
        {error, Reason} ->
            io:format(standard_error, "cannot connect to ~s:~b: ~p~n", [Host, Port, Reason]),
            halt(1)
    end.

%% Standard input to the server, until it ends.
send(Sock) ->
    case io:get_line("") of
        eof ->
            gen_tcp:close(Sock),
            halt(0);
        {error, _} ->
            gen_tcp:close(Sock),
            halt(1);
        Line ->
            io:format("> ~s", [Line]),
            ok = gen_tcp:send(Sock, Line),
            send(Sock)
    end.

%% The server's lines to standard output.
read(Sock) ->
    receive
        {tcp, Sock, Line} ->
            io:format("< ~s", [Line]),
            read(Sock);
        {tcp_closed, Sock} ->
            io:format("connection closed by the server~n"),
            halt(0);
        {tcp_error, Sock, Reason} ->
            io:format("connection error: ~p~n", [Reason]),
            halt(1)
    end.

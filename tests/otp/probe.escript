#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% A probe for `smoothver try-upgrade --probe` (t2050): a client of the
%% petal listener that stays connected across the upgrade.
%%
%%   probe.escript PORT
%%
%% Connects once to 127.0.0.1:PORT (retrying for 10 s), says so on a line
%% of its own (try-upgrade waits for that line), then sends "ping" on that
%% one connection every 100 ms, printing each answer that differs from the
%% one before, until its standard input ends; then pings once more, prints
%% how many answers it had and that last one, and exits 0. An answer that
%% is not a petal line, or the connection closing, prints why and exits 1
%% at once.

main([Port0]) ->
    Port = list_to_integer(Port0),
    Sock = connect(Port, 100),
    io:format("connected to 127.0.0.1:~b~n", [Port]),
    Me = self(),
    _ = spawn_link(fun() -> stdin(Me) end),
    First = ping(Sock),
    io:format("~s~n", [First]),
    loop(Sock, 1, First);
main(_) ->
    io:format(standard_error, "usage: probe.escript PORT~n", []),
    halt(2).

connect(Port, Tries) ->
    case gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {packet, line}, {active, false}], 1000) of
        {ok, Sock} -> Sock;
        {error, _} when Tries > 1 ->
            timer:sleep(100),
            connect(Port, Tries - 1);
        {error, Reason} ->
            io:format("cannot connect to 127.0.0.1:~b: ~p~n", [Port, Reason]),
            halt(1)
    end.

stdin(Me) ->
    case io:get_line("") of
        eof -> Me ! eof;
        {error, _} -> Me ! eof;
        _ -> stdin(Me)
    end.

loop(Sock, N, Last) ->
    receive
        eof ->
            io:format("~b answers, the last: ~s~n", [N + 1, ping(Sock)]),
            halt(0)
    after 100 ->
            case ping(Sock) of
                Last -> loop(Sock, N + 1, Last);
                New -> io:format("~s~n", [New]), loop(Sock, N + 1, New)
            end
    end.

ping(Sock) ->
    case gen_tcp:send(Sock, <<"ping\n">>) of
        ok -> ok;
        {error, E} -> io:format("cannot send: ~p~n", [E]), halt(1)
    end,
    case gen_tcp:recv(Sock, 0, 5000) of
        {ok, <<"petal ", _/binary>> = L} -> string:trim(L);
        Other -> io:format("bad answer: ~p~n", [Other]), halt(1)
    end.

#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell -hidden
%% A probe for `smoothver try-upgrade --probe` that is an Erlang node: it
%% watches a counter kept in a process's state across the upgrade.
%%
%%   callprobe.escript NAME MOD FUN
%%
%% Connects (hidden) to the node under test (SMOOTHVER_TRY_NODE, its
%% cookie SMOOTHVER_TRY_COOKIE, through the private epmd of
%% ERL_EPMD_PORT), monitors the process registered there as NAME, says so
%% on a line of its own, then calls MOD:FUN() on the node every 100 ms.
%% Each answer must be an integer one more than the one before: the
%% counter lives in NAME's state, so a reset or a restart shows. When its
%% standard input ends it calls once more, prints how many answers it had,
%% the last one and that NAME was one process throughout, and exits 0.
%% The process ending, or an answer out of sequence, prints why and exits
%% 1 at once.

main([Name0, Mod0, Fun0]) ->
    [Name, Mod, Fun] = [list_to_atom(A) || A <- [Name0, Mod0, Fun0]],
    Node = list_to_atom(os:getenv("SMOOTHVER_TRY_NODE")),
    Me = list_to_atom("callprobe_" ++ os:getpid()),
    {ok, _} = net_kernel:start([Me, shortnames]),
    erlang:set_cookie(Node, list_to_atom(os:getenv("SMOOTHVER_TRY_COOKIE"))),
    Pid = case rpc:call(Node, erlang, whereis, [Name], 5000) of
              P when is_pid(P) -> P;
              Other -> io:format("no process ~s on ~s: ~p~n", [Name, Node, Other]), halt(1)
          end,
    Ref = erlang:monitor(process, Pid),
    io:format("connected to ~s, ~s is ~p~n", [Node, Name, Pid]),
    Me2 = self(),
    _ = spawn_link(fun() -> stdin(Me2) end),
    First = call(Node, Mod, Fun),
    io:format("~p~n", [First]),
    loop({Node, Mod, Fun, Name, Ref}, 1, First);
main(_) ->
    io:format(standard_error, "usage: callprobe.escript NAME MOD FUN~n", []),
    halt(2).

stdin(Me) ->
    case io:get_line("") of
        eof -> Me ! eof;
        {error, _} -> Me ! eof;
        _ -> stdin(Me)
    end.

loop({Node, Mod, Fun, Name, Ref} = S, N, Last) ->
    receive
        eof ->
            Final = next(S, Last),
            io:format("~b answers, the last: ~p, one ~s process throughout~n",
                      [N + 1, Final, Name]),
            halt(0);
        {'DOWN', Ref, process, _, Why} ->
            io:format("~s ended: ~p~n", [Name, Why]),
            halt(1)
    after 100 ->
            loop(S, N + 1, next(S, Last))
    end.

%% The next answer, which must follow Last.
next({Node, Mod, Fun, _, _}, Last) ->
    case call(Node, Mod, Fun) of
        V when V =:= Last + 1 -> V;
        V -> io:format("state lost: ~p after ~p~n", [V, Last]), halt(1)
    end.

call(Node, Mod, Fun) ->
    case rpc:call(Node, Mod, Fun, [], 10000) of
        V when is_integer(V) -> V;
        Other -> io:format("bad answer from ~s:~s(): ~p~n", [Mod, Fun, Other]), halt(1)
    end.

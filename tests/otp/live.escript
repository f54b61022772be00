#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell -start_epmd false
%% The control node of otp_live (tests/otp/lib.sh):
%%   live.escript NODE COOKIE PORT PKGNAME OLDVSN NEWVSN EXPECTFILE
%% Waits for NODE, opens one TCP connection to the petal listener on
%% 127.0.0.1:PORT, checks the answer to "ping" against the "old" line of
%% EXPECTFILE, upgrades over rpc (unpack_release(PKGNAME),
%% install_release(NEWVSN), make_permanent(NEWVSN)), checks "new" on the
%% same socket, downgrades (install_release(OLDVSN)) and checks "down".
%% Every wait has a deadline; the whole run is cut off after 50 s.

-define(BOOT_WAIT_MS, 20000).
-define(RPC_MS, 15000).
-define(RECV_MS, 5000).
-define(ALL_MS, 50000).

main([Node0, Cookie, Port0, Pkg, Old, New, ExpectFile]) ->
    Node = list_to_atom(Node0),
    Port = list_to_integer(Port0),
    Me = self(),
    _ = spawn(fun() -> timer:sleep(?ALL_MS), Me ! all_timeout end),
    try
        run(Node, list_to_atom(Cookie), Port, Pkg, Old, New, read_expect(ExpectFile)),
        io:format("live: ok~n"),
        halt(0)
    catch
        throw:{fail, Fmt, Args} ->
            io:format(standard_error, "live: " ++ Fmt ++ "~n", Args),
            halt(1);
        C:R:St ->
            io:format(standard_error, "live: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: live.escript NODE COOKIE PORT PKGNAME OLDVSN NEWVSN EXPECTFILE~n", []),
    halt(2).

fail(Fmt, Args) -> throw({fail, Fmt, Args}).

check_all_timeout() ->
    receive all_timeout -> fail("the whole run took more than ~b ms", [?ALL_MS])
    after 0 -> ok
    end.

read_expect(File) ->
    {ok, Bin} = file:read_file(File),
    Pairs = [case string:split(string:trim(L, trailing), " ") of
                 [K, V] -> {K, V};
                 _ -> fail("~s: bad line ~p", [File, L])
             end || L <- string:split(binary_to_list(Bin), "\n", all),
                    string:trim(L) =/= "", hd(string:trim(L)) =/= $#],
    M = maps:from_list(Pairs),
    [maps:is_key(K, M) orelse fail("~s: no ~s line", [File, K]) || K <- ["old", "new", "down"]],
    M.

run(Node, Cookie, Port, Pkg, Old, New, Expect) ->
    Ctl = list_to_atom("ctl_" ++ os:getpid()),
    case net_kernel:start([Ctl, shortnames]) of
        {ok, _} -> ok;
        E -> fail("cannot start distribution: ~p", [E])
    end,
    erlang:set_cookie(node(), Cookie),
    wait_node(Node, deadline(?BOOT_WAIT_MS)),
    Sock = connect(Port, deadline(?BOOT_WAIT_MS)),
    step("before the upgrade", Node, Sock, maps:get("old", Expect)),
    rels(Node, [{Old, permanent}]),

    expect_rpc(Node, unpack_release, [Pkg], {ok, New}),
    rels(Node, [{New, unpacked}, {Old, permanent}]),
    expect_rpc(Node, install_release, [New], {ok, Old, '_'}),
    rels(Node, [{New, current}, {Old, permanent}]),
    expect_rpc(Node, make_permanent, [New], ok),
    rels(Node, [{New, permanent}, {Old, old}]),
    step("after the upgrade", Node, Sock, maps:get("new", Expect)),

    %% OtherVsn: upgraded from, or (here) downgraded to
    expect_rpc(Node, install_release, [Old], {ok, Old, '_'}),
    rels(Node, [{Old, current}, {New, permanent}]),
    step("after the downgrade", Node, Sock, maps:get("down", Expect)),
    ok = gen_tcp:close(Sock).

deadline(Ms) -> erlang:monotonic_time(millisecond) + Ms.

expired(D) -> erlang:monotonic_time(millisecond) > D.

wait_node(Node, D) ->
    check_all_timeout(),
    case net_adm:ping(Node) of
        pong -> ok;
        pang ->
            expired(D) andalso fail("node ~s did not answer within ~b ms", [Node, ?BOOT_WAIT_MS]),
            timer:sleep(100),
            wait_node(Node, D)
    end.

connect(Port, D) ->
    check_all_timeout(),
    case gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {packet, line}, {active, false}], 1000) of
        {ok, S} -> S;
        {error, E} ->
            expired(D) andalso fail("listener on port ~b: ~p", [Port, E]),
            timer:sleep(100),
            connect(Port, D)
    end.

step(What, Node, Sock, Re) ->
    check_all_timeout(),
    ok = gen_tcp:send(Sock, <<"ping\n">>),
    Line = case gen_tcp:recv(Sock, 0, ?RECV_MS) of
               {ok, L} -> string:trim(binary_to_list(L), trailing, "\r\n");
               {error, E} -> fail("~s: no answer from the listener: ~p", [What, E])
           end,
    case re:run(Line, "^(?:" ++ Re ++ ")$", [{capture, none}]) of
        match -> io:format("live: ~s: ~s~n", [What, Line]);
        nomatch ->
            fail("~s: the answer~n  ~s~ndoes not match~n  ~s~nreleases: ~p",
                 [What, Line, Re, which(Node)])
    end.

rpc(Node, F, A) ->
    check_all_timeout(),
    rpc:call(Node, release_handler, F, A, ?RPC_MS).

%% Want matches the result, or {ok, V, '_'} matches {ok, V, Anything}.
expect_rpc(Node, F, A, Want) ->
    Got = rpc(Node, F, A),
    case {Want, Got} of
        {G, G} -> ok;
        {{ok, V, '_'}, {ok, V, _}} -> ok;
        _ -> fail("release_handler:~s(~p) returned~n  ~p~nexpected~n  ~p", [F, hd(A), Got, Want])
    end,
    io:format("live: release_handler:~s(~p) -> ~p~n", [F, hd(A), Got]).

which(Node) ->
    case rpc(Node, which_releases, []) of
        L when is_list(L) -> [{V, S} || {_, V, _, S} <- L];
        Other -> Other
    end.

rels(Node, Want0) ->
    Want = lists:sort(Want0),
    case which(Node) of
        Got when is_list(Got) ->
            case lists:sort(Got) of
                Want -> ok;
                Sorted -> fail("which_releases: ~p, expected ~p", [Sorted, Want])
            end;
        Other -> fail("which_releases: ~p", [Other])
    end.

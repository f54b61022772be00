#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell -start_epmd false
%% The control node of otp_live and otp_live_steps (tests/otp/lib.sh):
%%   live.escript NODE COOKIE PORT STEPSFILE
%%   live.escript NODE COOKIE PORT PKGNAME OLDVSN NEWVSN EXPECTFILE
%% Waits for NODE, opens one TCP connection to the petal listener on
%% 127.0.0.1:PORT and runs the steps of STEPSFILE over rpc and that
%% connection (one a line, `#` comments):
%%   boot VSN [heart]      the node booted VSN (read by lib.sh; here a no-op)
%%   ping RE               "ping" on the connection; the whole answer must
%%                         match the regular expression RE
%%   releases V:S...       which_releases() is exactly these {Vsn, Status}
%%   unpack NAME-VSN VSN   unpack_release(NAME-VSN) -> {ok, VSN}
%%   install VSN OTHER     install_release(VSN) -> {ok, OTHER, _}: a live
%%                         upgrade or downgrade; the node's OS pid must stay
%%                         the same and the connection open
%%   reboot VSN OTHER      install_release(VSN) -> {ok, OTHER, _} where the
%%                         relup reboots the node (restart_emulator, heart
%%                         boots it again): the node goes down, the
%%                         connection closes, the node comes back with
%%                         another OS pid and the client connects again
%%   permanent VSN         make_permanent(VSN) -> ok
%% (OTHER is what release_handler returns: the version upgraded from, or
%% for a downgrade the version gone back to.) The second form is the
%% single upgrade and downgrade of EXPECTFILE's "old", "new" and "down"
%% answers: unpack, install, make_permanent, then install OLDVSN again.
%% Every wait has a deadline, and so has the whole run: 60 s, plus 30 s
%% for each reboot.

-define(BOOT_WAIT_MS, 30000).
-define(DOWN_WAIT_MS, 30000).
-define(RPC_MS, 15000).
-define(RECV_MS, 5000).
-define(ALL_MS, 60000).
-define(REBOOT_MS, 30000).

main([Node0, Cookie, Port0 | Rest]) when Rest =/= [] ->
    try
        Steps = case Rest of
                    [StepsFile] -> read_steps(StepsFile);
                    [Pkg, Old, New, ExpectFile] ->
                        pair_steps(Pkg, Old, New, read_expect(ExpectFile));
                    _ -> usage()
                end,
        All = ?ALL_MS + ?REBOOT_MS * length([S || {_, {reboot, _, _}} = S <- Steps]),
        Me = self(),
        _ = spawn(fun() -> timer:sleep(All), Me ! all_timeout end),
        put(all_ms, All),
        run(list_to_atom(Node0), list_to_atom(Cookie), list_to_integer(Port0), Steps),
        io:format("live: ok~n"),
        halt(0)
    catch
        throw:usage ->
            halt(2);
        throw:{fail, Fmt, Args} ->
            io:format(standard_error, "live: " ++ Fmt ++ "~n", Args),
            halt(1);
        C:R:St ->
            io:format(standard_error, "live: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end;
main(_) ->
    catch usage(),
    halt(2).

usage() ->
    io:format(standard_error,
              "usage: live.escript NODE COOKIE PORT STEPSFILE~n"
              "       live.escript NODE COOKIE PORT PKGNAME OLDVSN NEWVSN EXPECTFILE~n", []),
    throw(usage).

fail(Fmt, Args) -> throw({fail, Fmt, Args}).

check_all_timeout() ->
    receive all_timeout -> fail("the whole run took more than ~b ms", [get(all_ms)])
    after 0 -> ok
    end.

%% ---- the steps: [{What, Step}], What names the step in messages

lines(File) ->
    case file:read_file(File) of
        {ok, Bin} ->
            Ls = string:split(binary_to_list(Bin), "\n", all),
            [{N, string:trim(L)}
             || {N, L} <- lists:zip(lists:seq(1, length(Ls)), Ls),
                string:trim(L) =/= "", hd(string:trim(L)) =/= $#];
        {error, E} -> fail("~s: ~p", [File, E])
    end.

read_steps(File) ->
    [{lists:flatten(io_lib:format("~s:~b", [filename:basename(File), N])), parse_step(File, N, L)}
     || {N, L} <- lines(File)].

parse_step(File, N, L) ->
    case string:split(L, " ") of
        ["ping", Re] -> {ping, string:trim(Re, leading)};
        [Cmd, Args0] ->
            case {Cmd, string:lexemes(Args0, " \t")} of
                {"boot", [_]} -> boot;
                {"boot", [_, "heart"]} -> boot;
                {"releases", Rs = [_ | _]} -> {releases, [release_status(File, N, R) || R <- Rs]};
                {"unpack", [Pkg, V]} -> {unpack, Pkg, V};
                {"install", [V, Other]} -> {install, V, Other};
                {"reboot", [V, Other]} -> {reboot, V, Other};
                {"permanent", [V]} -> {permanent, V};
                _ -> fail("~s:~b: bad step ~p", [File, N, L])
            end;
        _ -> fail("~s:~b: bad step ~p", [File, N, L])
    end.

release_status(File, N, R) ->
    case string:split(R, ":") of
        [V, S] when S =:= "unpacked"; S =:= "current"; S =:= "permanent"; S =:= "old" ->
            {V, list_to_atom(S)};
        _ -> fail("~s:~b: bad release status ~p (VSN:unpacked|current|permanent|old)", [File, N, R])
    end.

read_expect(File) ->
    Pairs = [case string:split(L, " ") of
                 [K, V] -> {K, V};
                 _ -> fail("~s: bad line ~p", [File, L])
             end || {_, L} <- lines(File)],
    M = maps:from_list(Pairs),
    [maps:is_key(K, M) orelse fail("~s: no ~s line", [File, K]) || K <- ["old", "new", "down"]],
    M.

%% The single upgrade and downgrade as steps.
pair_steps(Pkg, Old, New, Expect) ->
    [{"before the upgrade", {ping, maps:get("old", Expect)}},
     {"before the upgrade", {releases, [{Old, permanent}]}},
     {"unpack", {unpack, Pkg, New}},
     {"unpack", {releases, [{New, unpacked}, {Old, permanent}]}},
     {"the upgrade", {install, New, Old}},
     {"the upgrade", {releases, [{New, current}, {Old, permanent}]}},
     {"make_permanent", {permanent, New}},
     {"make_permanent", {releases, [{New, permanent}, {Old, old}]}},
     {"after the upgrade", {ping, maps:get("new", Expect)}},
     %% OtherVsn: upgraded from, or (here) downgraded to
     {"the downgrade", {install, Old, Old}},
     {"the downgrade", {releases, [{Old, current}, {New, permanent}]}},
     {"after the downgrade", {ping, maps:get("down", Expect)}}].

%% ---- running them

-record(c, {node, port, sock}).

run(Node, Cookie, Port, Steps) ->
    Ctl = list_to_atom("ctl_" ++ os:getpid()),
    case net_kernel:start([Ctl, shortnames]) of
        {ok, _} -> ok;
        E -> fail("cannot start distribution: ~p", [E])
    end,
    erlang:set_cookie(node(), Cookie),
    wait_node(Node, deadline(?BOOT_WAIT_MS)),
    Sock = connect(Port, deadline(?BOOT_WAIT_MS)),
    C = lists:foldl(fun({What, S}, C0) -> step(What, S, C0) end,
                    #c{node = Node, port = Port, sock = Sock}, Steps),
    ok = gen_tcp:close(C#c.sock).

step(_, boot, C) ->
    C;
step(What, {ping, Re}, #c{node = Node, sock = Sock} = C) ->
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
    end,
    C;
step(What, {releases, Want}, #c{node = Node} = C) ->
    rels(What, Node, Want),
    C;
step(What, {unpack, Pkg, V}, #c{node = Node} = C) ->
    expect_rpc(What, Node, unpack_release, [Pkg], {ok, V}),
    C;
step(What, {permanent, V}, #c{node = Node} = C) ->
    expect_rpc(What, Node, make_permanent, [V], ok),
    C;
step(What, {install, V, Other}, #c{node = Node} = C) ->
    Pid = os_pid(What, Node),
    expect_rpc(What, Node, install_release, [V], {ok, Other, '_'}),
    case os_pid(What, Node) of
        Pid -> C;
        Pid1 -> fail("~s: the node restarted (OS pid ~s, was ~s)", [What, Pid1, Pid])
    end;
step(What, {reboot, V, Other}, #c{node = Node, port = Port, sock = Sock} = C) ->
    Pid = os_pid(What, Node),
    true = erlang:monitor_node(Node, true),
    expect_rpc(What, Node, install_release, [V], {ok, Other, '_'}),
    receive
        {nodedown, Node} -> ok
    after ?DOWN_WAIT_MS ->
            fail("~s: the node did not go down within ~b ms", [What, ?DOWN_WAIT_MS])
    end,
    %% The client sees its connection close...
    case gen_tcp:recv(Sock, 0, ?RECV_MS) of
        {error, Closed} when Closed =:= closed; Closed =:= econnreset ->
            io:format("live: ~s: the connection closed (~p)~n", [What, Closed]);
        Got -> fail("~s: the connection did not close: ~p", [What, Got])
    end,
    _ = gen_tcp:close(Sock),
    %% ... and connects again once heart has booted the node anew.
    D = deadline(?BOOT_WAIT_MS),
    wait_node(Node, D),
    case os_pid(What, Node) of
        Pid -> fail("~s: the node answers with the old OS pid ~s", [What, Pid]);
        Pid1 -> io:format("live: ~s: the node is back (OS pid ~s, was ~s)~n", [What, Pid1, Pid])
    end,
    C#c{sock = connect(Port, D)}.

deadline(Ms) -> {erlang:monotonic_time(millisecond) + Ms, Ms}.

expired({D, _}) -> erlang:monotonic_time(millisecond) > D.

wait_node(Node, D) ->
    check_all_timeout(),
    case net_adm:ping(Node) of
        pong -> ok;
        pang ->
            expired(D) andalso fail("node ~s did not answer within ~b ms", [Node, element(2, D)]),
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

os_pid(What, Node) ->
    check_all_timeout(),
    case rpc:call(Node, os, getpid, [], ?RPC_MS) of
        P when is_list(P) -> P;
        Other -> fail("~s: os:getpid() on the node: ~p", [What, Other])
    end.

rpc(Node, F, A) ->
    check_all_timeout(),
    rpc:call(Node, release_handler, F, A, ?RPC_MS).

%% Want matches the result, or {ok, V, '_'} matches {ok, V, Anything}.
expect_rpc(What, Node, F, A, Want) ->
    Got = rpc(Node, F, A),
    case {Want, Got} of
        {G, G} -> ok;
        {{ok, V, '_'}, {ok, V, _}} -> ok;
        _ -> fail("~s: release_handler:~s(~p) returned~n  ~p~nexpected~n  ~p",
                  [What, F, hd(A), Got, Want])
    end,
    io:format("live: release_handler:~s(~p) -> ~p~n", [F, hd(A), Got]).

which(Node) ->
    case rpc(Node, which_releases, []) of
        L when is_list(L) -> [{V, S} || {_, V, _, S} <- L];
        Other -> Other
    end.

rels(What, Node, Want0) ->
    Want = lists:sort(Want0),
    case which(Node) of
        Got when is_list(Got) ->
            case lists:sort(Got) of
                Want -> ok;
                Sorted -> fail("~s: which_releases: ~p, expected ~p", [What, Sorted, Want])
            end;
        Other -> fail("~s: which_releases: ~p", [What, Other])
    end.

#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% bench/gen-otp-release.escript - a synthetic OTP release, in three builds,
%% for the OTP section of bench/run.sh.
%%
%%   escript bench/gen-otp-release.escript OUTDIR [APPS [MODULES-PER-APP]]
%%
%% Writes three release roots, laid out as relx lays them out
%% (lib/App-Vsn/ebin with the .app, releases/Vsn/{synth.rel,start.boot,
%% sys.config}, releases/start_erl.data; kernel, stdlib and sasl copied
%% from this Erlang installation):
%%
%%   OUTDIR/old   release 1.0.0: APPS applications (default 32) of
%%                MODULES-PER-APP modules (default 32): per application an
%%                application module, a supervisor, gen_servers with
%%                code_change/3 (every 8th module) and plain modules; most
%%                modules call modules of other applications.
%%   OUTDIR/new   release 1.1.0: every tenth module changed (10 %), among
%%                them supervisors, gen_servers and plain modules whose
%%                callees change too; the applications that hold them go
%%                to vsn 1.1.0.
%%   OUTDIR/one   release 1.0.1: one plain module changed, its application
%%                at 1.0.1.
%%
%% The beams are real, compiled by erlc (+debug_info), one erlc run per
%% build for all its modules. Prints one line per root: the path, the
%% number of applications, modules and changed modules.

-define(VSN_OLD, "1.0.0").

main([Out]) -> main([Out, "32", "32"]);
main([Out, Apps]) -> main([Out, Apps, "32"]);
main([Out, Apps0, Mods0]) ->
    try
        gen(filename:absname(Out), list_to_integer(Apps0), list_to_integer(Mods0)),
        halt(0)
    catch
        throw:{fail, Fmt, Args} ->
            io:format(standard_error, "gen-otp-release: " ++ Fmt ++ "~n", Args),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: gen-otp-release.escript OUTDIR [APPS [MODULES-PER-APP]]~n", []),
    halt(2).

fail(Fmt, Args) -> throw({fail, Fmt, Args}).

gen(Out, NApps, NMods) when NApps >= 1, NMods >= 4 ->
    Tmp = filename:join(Out, "_gen"),
    N = NApps * NMods,
    All = lists:seq(0, N - 1),
    Changed = [G || G <- All, G rem 10 == 3],
    %% the one-module change: the first changed plain module
    [One | _] = [G || G <- Changed, kind(G, NMods) == plain],
    Beams0 = compile(Tmp, "old", [{G, 1} || G <- All], NApps, NMods),
    Beams1 = compile(Tmp, "new", [{G, 2} || G <- Changed], NApps, NMods),
    Beams2 = compile(Tmp, "one", [{One, 3}], NApps, NMods),
    Old = [{A, ?VSN_OLD} || A <- lists:seq(0, NApps - 1)],
    Bump = fun(Gs, V) ->
                   Touched = lists:usort([G div NMods || G <- Gs]),
                   [{A, case lists:member(A, Touched) of true -> V; false -> OV end}
                    || {A, OV} <- Old]
           end,
    release(filename:join(Out, "old"), ?VSN_OLD, Old, Beams0, #{}, NMods),
    release(filename:join(Out, "new"), "1.1.0", Bump(Changed, "1.1.0"), Beams0,
            Beams1, NMods),
    release(filename:join(Out, "one"), "1.0.1", Bump([One], "1.0.1"), Beams0,
            Beams2, NMods),
    ok = file:del_dir_r(Tmp),
    io:format("~s/old: ~b applications, ~b modules~n", [Out, NApps, N]),
    io:format("~s/new: ~b modules changed (~b %) in ~b applications~n",
              [Out, length(Changed), length(Changed) * 100 div N,
               length(lists:usort([G div NMods || G <- Changed]))]),
    io:format("~s/one: 1 module changed (~s)~n", [Out, mod(One, NMods)]);
gen(_, _, _) ->
    fail("need at least 1 application and 4 modules per application", []).

%% ---- the modules

app(G, NMods) -> G div NMods.
appname(A) -> lists:flatten(io_lib:format("a~2..0b", [A])).
mod(G, NMods) ->
    A = app(G, NMods),
    case G rem NMods of
        0 -> appname(A) ++ "_app";
        1 -> appname(A) ++ "_sup";
        M -> lists:flatten(io_lib:format("~s_m~2..0b", [appname(A), M]))
    end.
kind(G, NMods) ->
    case G rem NMods of
        0 -> app;
        1 -> sup;
        M when M rem 8 == 2 -> server;
        _ -> plain
    end.
servers(A, NMods) ->
    [mod(A * NMods + M, NMods) || M <- lists:seq(2, NMods - 1), M rem 8 == 2].

%% Two callees in other applications (10 and 40 modules on, so the callee
%% of a changed module changes too), never an application or supervisor
%% module.
callees(G, NMods, N) ->
    [mod(fix((G + D) rem N, NMods), NMods) || D <- [10, 40]].
fix(G, NMods) ->
    case G rem NMods of
        M when M < 2 -> G + 2;
        _ -> G
    end.

source(G, Gen, NMods, N) ->
    M = mod(G, NMods),
    [C1, C2] = callees(G, NMods, N),
    case kind(G, NMods) of
        app ->
            ["-module(", M, ").\n-behaviour(application).\n",
             "-export([start/2, stop/1]).\n",
             "start(_Type, _Args) -> ", appname(app(G, NMods)), "_sup:start_link().\n",
             "stop(_State) -> ", integer_to_list(Gen), ", ok.\n"];
        sup ->
            Ss = servers(app(G, NMods), NMods),
            ["-module(", M, ").\n-behaviour(supervisor).\n",
             "-export([start_link/0, init/1]).\n",
             "start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).\n",
             "init([]) ->\n",
             "    Flags = #{strategy => one_for_one, intensity => ", integer_to_list(Gen + 4),
             ", period => 10},\n",
             "    {ok, {Flags, [#{id => S, start => {S, start_link, []}} || S <- [",
             lists:join(", ", Ss), "]]}}.\n"];
        server ->
            ["-module(", M, ").\n-behaviour(gen_server).\n",
             "-export([start_link/0, get/0, bump/1, f1/1]).\n",
             "-export([init/1, handle_call/3, handle_cast/2, handle_info/2, code_change/3]).\n",
             "-record(state, {n = 0, seen = [], gen = ", integer_to_list(Gen), "}).\n",
             "start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).\n",
             "get() -> gen_server:call(?MODULE, get).\n",
             "bump(N) -> gen_server:cast(?MODULE, {bump, N}).\n",
             "f1(X) -> X * ", integer_to_list(Gen + 2), ".\n",
             "init([]) -> {ok, #state{}}.\n",
             "handle_call(get, _From, #state{n = N} = S) ->\n",
             "    {reply, {N, ", C1, ":f1(N), ", C2, ":f1(N + 1)}, S}.\n",
             "handle_cast({bump, N}, #state{n = N0, seen = L} = S) ->\n",
             "    {noreply, S#state{n = N0 + N, seen = lists:sublist([N | L], 10)}}.\n",
             "handle_info(_Msg, S) -> {noreply, S}.\n",
             "code_change(_OldVsn, S, _Extra) -> {ok, S}.\n"];
        plain ->
            K = integer_to_list(G * 7 + Gen),
            ["-module(", M, ").\n",
             "-export([f0/1, f1/1, f2/1, f3/1, f4/1, f5/1, f6/1, f7/2]).\n",
             "f0(X) -> ", C1, ":f1(X + 1) + ", C2, ":f1(X + 2).\n",
             "f1(X) -> X * 3 + ", K, ".\n",
             "f2(L) -> lists:sum([I * ", K, " || I <- L]).\n",
             "f3(S) -> string:uppercase(S) ++ \"-", M, "-", K, "\".\n",
             "f4(X) ->\n    case X rem 3 of\n        0 -> zero;\n        1 -> {one, X};\n",
             "        _ -> {other, f1(X), f2([X, X + 1])}\n    end.\n",
             "f5(M) when is_map(M) -> maps:fold(fun(K0, V, A) -> [{K0, V} | A] end, [], M);\n",
             "f5(_) -> [].\n",
             "f6(B) when is_binary(B) -> <<B/binary, \"", K, "\">>;\n",
             "f6(L) when is_list(L) -> f6(list_to_binary(L)).\n",
             "f7(X, Y) -> {f0(X), f4(Y), f3(integer_to_list(X + Y))}.\n"]
    end.

%% compile(Tmp, Name, [{G, Gen}], ...) -> #{G => BeamPath}: one erlc run.
compile(Tmp, Name, Mods, NApps, NMods) ->
    N = NApps * NMods,
    Src = filename:join([Tmp, Name, "src"]),
    Ebin = filename:join([Tmp, Name, "ebin"]),
    ok = filelib:ensure_dir(filename:join(Src, "x")),
    ok = filelib:ensure_dir(filename:join(Ebin, "x")),
    Files = [begin
                 F = filename:join(Src, mod(G, NMods) ++ ".erl"),
                 ok = file:write_file(F, source(G, Gen, NMods, N)),
                 F
             end || {G, Gen} <- Mods],
    Erlc = case os:find_executable("erlc") of
               false -> fail("erlc not found", []);
               E -> E
           end,
    P = open_port({spawn_executable, Erlc},
                  [{args, ["+debug_info", "-o", Ebin | Files]}, exit_status,
                   stderr_to_stdout, binary]),
    case wait_port(P, []) of
        {0, _} -> ok;
        {St, Output} -> fail("erlc exited with ~b:~n~s", [St, Output])
    end,
    maps:from_list([{G, filename:join(Ebin, mod(G, NMods) ++ ".beam")} || {G, _} <- Mods]).

wait_port(P, Acc) ->
    receive
        {P, {data, D}} -> wait_port(P, [Acc, D]);
        {P, {exit_status, St}} -> {St, Acc}
    end.

%% ---- the release roots

release(Root, Vsn, Apps, Base, Changed, NMods) ->
    Otp = [{A, otp_lib(A, Root)} || A <- [kernel, stdlib, sasl]],
    Own = [begin
               Name = appname(A),
               Gs = lists:seq(A * NMods, A * NMods + NMods - 1),
               Ebin = filename:join([Root, "lib", Name ++ "-" ++ AV, "ebin"]),
               ok = filelib:ensure_dir(filename:join(Ebin, "x")),
               [{ok, _} = file:copy(maps:get(G, Changed, maps:get(G, Base)),
                                    filename:join(Ebin, mod(G, NMods) ++ ".beam"))
                || G <- Gs],
               App = {application, list_to_atom(Name),
                      [{description, "synthetic application " ++ Name},
                       {vsn, AV},
                       {modules, [list_to_atom(mod(G, NMods)) || G <- Gs]},
                       {registered, [list_to_atom(Name ++ "_sup")]},
                       {applications, [kernel, stdlib]},
                       {mod, {list_to_atom(Name ++ "_app"), []}}]},
               write_term(filename:join(Ebin, Name ++ ".app"), App),
               {list_to_atom(Name), AV}
           end || {A, AV} <- Apps],
    RelDir = filename:join([Root, "releases", Vsn]),
    ok = filelib:ensure_dir(filename:join(RelDir, "x")),
    Erts = erlang:system_info(version),
    RelBase = filename:join(RelDir, "synth"),
    write_term(RelBase ++ ".rel", {release, {"synth", Vsn}, {erts, Erts}, Otp ++ Own}),
    Path = filelib:wildcard(filename:join([Root, "lib", "*", "ebin"])),
    case systools:make_script(RelBase, [{path, Path}, {outdir, RelDir}, silent]) of
        ok -> ok;
        {ok, _, _} -> ok;
        {error, M, R} -> fail("make_script: ~s", [M:format_error(R)])
    end,
    ok = file:rename(RelBase ++ ".boot", filename:join(RelDir, "start.boot")),
    ok = file:rename(RelBase ++ ".script", filename:join(RelDir, "start.script")),
    ok = file:write_file(filename:join(RelDir, "sys.config"), "[].\n"),
    ok = file:write_file(filename:join([Root, "releases", "start_erl.data"]),
                         [Erts, " ", Vsn, "\n"]).

otp_lib(App, Root) ->
    case filelib:wildcard(filename:join([code:root_dir(), "lib", atom_to_list(App) ++ "-*"])) of
        [Dir] ->
            Base = filename:basename(Dir),
            copy_dir(filename:join(Dir, "ebin"), filename:join([Root, "lib", Base, "ebin"])),
            lists:nthtail(length(atom_to_list(App)) + 1, Base);
        Other ->
            fail("expected one ~s directory, found ~p", [App, Other])
    end.

copy_dir(From, To) ->
    ok = filelib:ensure_dir(filename:join(To, "x")),
    {ok, Names} = file:list_dir(From),
    [{ok, _} = file:copy(filename:join(From, F), filename:join(To, F)) || F <- Names],
    ok.

write_term(File, Term) ->
    ok = file:write_file(File, io_lib:format("~tp.~n", [Term])).

#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% Helpers for tests/otp/lib.sh (run with the system's escript):
%%   release OUTROOT STAGE [OTPROOT] lay out a release root from a staged
%%                                    source tree whose beams are compiled
%%   relup NEWROOT OLDROOT...         systools:make_relup, NEW against the OLDs
%%   releases TARGET                  releases/RELEASES for a target system
%%   free-ports N                     N currently free TCP ports
%%   relinfo ROOT                     "NAME VSN ERTS" of the root's current release,
%%                                    then one "App-Vsn" line per application

main(["release", Out, Stage]) -> main(["release", Out, Stage, ""]);
main(["release", Out, Stage, ""]) -> main(["release", Out, Stage, code:root_dir()]);
main(["release", Out, Stage, OtpRoot]) -> run(fun() -> release(Out, Stage, OtpRoot) end);
main(["relup", New | Olds]) when Olds =/= [] -> run(fun() -> relup(New, Olds) end);
main(["releases", Target]) -> run(fun() -> releases(filename:absname(Target)) end);
main(["free-ports", N]) -> run(fun() -> free_ports(list_to_integer(N)) end);
main(["relinfo", Root]) ->
    run(fun() -> {Name, Vsn, Erts, RelBase} = current(Root),
                 io:format("~s ~s ~s~n", [Name, Vsn, Erts]),
                 {ok, [{release, _, _, Apps}]} = file:consult(RelBase ++ ".rel"),
                 [io:format("~s-~s~n", [element(1, A), element(2, A)]) || A <- Apps]
        end);
main(_) ->
    io:format(standard_error, "usage: otp.escript release|relup|releases|free-ports|relinfo ...~n", []),
    halt(2).

run(F) ->
    try F() of
        _ -> halt(0)
    catch
        throw:{fail, Fmt, Args} ->
            io:format(standard_error, "otp.escript: " ++ Fmt ++ "~n", Args),
            halt(1);
        C:R:St ->
            io:format(standard_error, "otp.escript: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end.

fail(Fmt, Args) -> throw({fail, Fmt, Args}).

%% ---- release: STAGE/release, STAGE/config/sys.config,
%% STAGE/apps/App/{src,priv,ebin}, STAGE/_beams/App/*.beam
release(Out, Stage, OtpRoot) ->
    Rel = read_release(filename:join(Stage, "release")),
    Name = maps:get(name, Rel),
    Vsn = maps:get(vsn, Rel),
    Erts = case maps:get(erts, Rel, "installed") of
               "installed" -> erlang:system_info(version);
               E -> E
           end,
    Apps = maps:get(apps, Rel),
    Otp = [{A, otp_lib(OtpRoot, A, Out)} || A <- [kernel, stdlib, sasl]],
    Own = [{A, own_app(A, Stage, Out)} || A <- Apps],
    RelDir = filename:join([Out, "releases", Vsn]),
    ok = filelib:ensure_dir(filename:join(RelDir, "x")),
    RelTerm = {release, {Name, Vsn}, {erts, Erts}, Otp ++ Own},
    RelBase = filename:join(RelDir, Name),
    write_term(RelBase ++ ".rel", RelTerm),
    Path = filelib:wildcard(filename:join([Out, "lib", "*", "ebin"])),
    case systools:make_script(RelBase, [{path, Path}, {outdir, RelDir}, silent]) of
        ok -> ok;
        {ok, _, _Warnings} -> ok;
        {error, Mod, Reason} -> fail("make_script: ~s", [Mod:format_error(Reason)])
    end,
    %% relx names them start.boot and start.script
    ok = file:rename(RelBase ++ ".boot", filename:join(RelDir, "start.boot")),
    ok = file:rename(RelBase ++ ".script", filename:join(RelDir, "start.script")),
    {ok, _} = file:copy(filename:join([Stage, "config", "sys.config"]),
                        filename:join(RelDir, "sys.config")),
    ok = file:write_file(filename:join([Out, "releases", "start_erl.data"]),
                         [Erts, " ", Vsn, "\n"]).

read_release(File) ->
    {ok, Bin} = file:read_file(File),
    Lines = string:split(Bin, "\n", all),
    lists:foldl(
      fun(L0, M) ->
              L = string:trim(binary_to_list(L0)),
              case string:lexemes(L, " \t") of
                  [] -> M;
                  ["#" ++ _ | _] -> M;
                  ["apps" | As] -> M#{apps => [list_to_atom(A) || A <- As]};
                  [K, V] -> M#{list_to_atom(K) => V};
                  _ -> fail("~s: bad line ~p", [File, L])
              end
      end, #{}, Lines).

otp_lib(OtpRoot, App, Out) ->
    case filelib:wildcard(filename:join([OtpRoot, "lib", atom_to_list(App) ++ "-*"])) of
        [Dir] ->
            Base = filename:basename(Dir),
            V = lists:nthtail(length(atom_to_list(App)) + 1, Base),
            Dest = filename:join([Out, "lib", Base]),
            case filelib:is_dir(Dest) of
                true -> ok;
                false ->
                    [copy_dir(filename:join(Dir, Sub), filename:join(Dest, Sub))
                     || Sub <- ["ebin", "include", "priv"],
                        filelib:is_dir(filename:join(Dir, Sub))]
            end,
            V;
        Other ->
            fail("~s: expected one ~s dir, found ~p", [OtpRoot, App, Other])
    end.

own_app(App, Stage, Out) ->
    A = atom_to_list(App),
    AppDir = filename:join([Stage, "apps", A]),
    Src = filename:join([AppDir, "src", A ++ ".app.src"]),
    {ok, [{application, App, Props}]} = file:consult(Src),
    Vsn = proplists:get_value(vsn, Props),
    Beams = filelib:wildcard(filename:join([Stage, "_beams", A, "*.beam"])),
    Mods = lists:sort([list_to_atom(filename:basename(B, ".beam")) || B <- Beams]),
    case lists:sort(proplists:get_value(modules, Props, [])) of
        Mods -> ok;
        Listed -> fail("~s lists modules ~p but the sources are ~p", [Src, Listed, Mods])
    end,
    Dest = filename:join([Out, "lib", A ++ "-" ++ Vsn]),
    _ = file:del_dir_r(Dest),
    Ebin = filename:join(Dest, "ebin"),
    ok = filelib:ensure_dir(filename:join(Ebin, "x")),
    [{ok, _} = file:copy(B, filename:join(Ebin, filename:basename(B))) || B <- Beams],
    write_term(filename:join(Ebin, A ++ ".app"), {application, App, Props}),
    %% Like rebar3: a hand-written ebin/App.appup in the source app is kept.
    [{ok, _} = file:copy(F, filename:join(Ebin, filename:basename(F)))
     || F <- filelib:wildcard(filename:join([AppDir, "ebin", "*.appup"]))],
    Priv = filename:join(AppDir, "priv"),
    case filelib:is_dir(Priv) of
        true -> copy_dir(Priv, filename:join(Dest, "priv"));
        false -> ok
    end,
    Vsn.

copy_dir(From, To) ->
    ok = filelib:ensure_dir(filename:join(To, "x")),
    {ok, Names} = file:list_dir(From),
    lists:foreach(
      fun(N) ->
              F = filename:join(From, N), T = filename:join(To, N),
              case filelib:is_dir(F) of
                  true -> copy_dir(F, T);
                  false -> {ok, _} = file:copy(F, T)
              end
      end, Names).

write_term(File, Term) ->
    ok = file:write_file(File, io_lib:format("~tp.~n", [Term])).

%% ---- the current release of a root (start_erl.data)
current(Root) ->
    {ok, Data} = file:read_file(filename:join([Root, "releases", "start_erl.data"])),
    [Erts, Vsn] = string:lexemes(binary_to_list(Data), " \n"),
    case filelib:wildcard(filename:join([Root, "releases", Vsn, "*.rel"])) of
        [RelFile] ->
            {ok, [{release, {Name, Vsn}, _, _}]} = file:consult(RelFile),
            {Name, Vsn, Erts, filename:rootname(RelFile)};
        Other ->
            fail("~s: expected one .rel in releases/~s, found ~p", [Root, Vsn, Other])
    end.

%% ---- relup
relup(New, Olds) ->
    {_, NewVsn, _, NewRel} = current(New),
    OldRels = [element(4, current(Old)) || Old <- Olds],
    Path = lists:usort(lists:append([filelib:wildcard(filename:join([R, "lib", "*", "ebin"]))
                                     || R <- [New | Olds]])),
    OutDir = filename:join([New, "releases", NewVsn]),
    case systools:make_relup(NewRel, OldRels, OldRels,
                             [{path, Path}, {outdir, OutDir}, silent]) of
        ok -> ok;
        {ok, _Relup, _Mod, _Warnings} -> ok;
        {error, Mod, Reason} -> fail("make_relup: ~s", [Mod:format_error(Reason)])
    end.

%% ---- releases/RELEASES of a target system
releases(Target) ->
    {_, _, _, RelBase} = current(Target),
    RelDir = filename:join(Target, "releases"),
    case release_handler:create_RELEASES(Target, RelDir, RelBase ++ ".rel", []) of
        ok -> ok;
        Error -> fail("create_RELEASES: ~p", [Error])
    end.

free_ports(N) ->
    Socks = [begin {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]), S end
             || _ <- lists:seq(1, N)],
    [begin {ok, P} = inet:port(S), io:format("~b~n", [P]) end || S <- Socks],
    [gen_tcp:close(S) || S <- Socks].

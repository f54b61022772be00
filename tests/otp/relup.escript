#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%%
%% relup.escript - systools' relups next to smoothver's, for the tests.
%%
%%   gen DIR N SEED        N random but valid upgrade cases (and a few
%%                         invalid ones) in DIR/case-K: old-VSN/ roots
%%                         (.rel, .app), new/ (.rel, .app, .appup), bases
%%                         (the base versions, one a line), deps.term
%%   systools DIR          for every DIR/case-K: expected.relup, or
%%                         expected.error (systools' reason)
%%   make NEWROOT OUT OLDROOT...
%%                         systools:make_relup of NEWROOT from the OLDROOTs
%%                         into OUT (a term), or status 1 and the reason
%%   compare DIR           every case: smoothver's mine.relup equals
%%                         expected.relup up to the order systools leaves
%%                         arbitrary, and respects DepMods; or both failed
%%                         and mine.error names systools' reason
%%   same A B [DEPS]       the comparison for two relup files
%%
%% Cases need no beams: systools:make_relup reads only .rel, .app and
%% .appup files, and smoothver relup --systools does the same.
-mode(compile).

main(["gen", Dir, N, Seed]) ->
    run(fun() -> gen(Dir, list_to_integer(N), list_to_integer(Seed)) end);
main(["systools", Dir]) -> run(fun() -> systools_all(Dir) end);
main(["make", New, Out | Olds]) -> run(fun() -> make1(New, Out, Olds) end);
main(["compare", Dir]) -> run(fun() -> compare_all(Dir) end);
main(["same", A, B]) -> run(fun() -> same_files(A, B, []) end);
main(_) ->
    io:format(standard_error, "usage: relup.escript gen|systools|make|compare|same ...~n", []),
    halt(2).

run(F) ->
    try F() of
        ok -> halt(0);
        {fail, Msg} -> io:format(standard_error, "~ts~n", [Msg]), halt(1)
    catch C:R:St ->
        io:format(standard_error, "relup.escript: ~p:~p~n~p~n", [C, R, St]),
        halt(3)
    end.

%% ---- generating cases

otp_vsn(App) ->
    application:load(App),
    {ok, V} = application:get_key(App, vsn),
    V.

gen(Dir, N, Seed) ->
    Core = [{kernel, otp_vsn(kernel)}, {stdlib, otp_vsn(stdlib)}, {sasl, otp_vsn(sasl)}],
    Erts = erlang:system_info(version),
    [gen_case(filename:join(Dir, "case-" ++ integer_to_list(K)), Core, Erts,
              {Seed, K, 17}) || K <- lists:seq(1, N)],
    ok.

pick(L) -> lists:nth(rand:uniform(length(L)), L).
chance(P) -> rand:uniform() < P.
shuffle(L) -> [X || {_, X} <- lists:sort([{rand:uniform(), X} || X <- L])].
subset(L, P) -> [X || X <- L, chance(P)].

gen_case(Dir, Core, Erts, Seed) ->
    rand:seed(exsss, Seed),
    NewVsn = "2.0.0",
    Bases = case chance(0.25) of true -> ["1.0.0", "1.1.0"]; false -> ["1.0.0"] end,
    NApps = 2 + rand:uniform(5),
    Names = [list_to_atom("a" ++ integer_to_list(I)) || I <- lists:seq(1, NApps)],
    %% every app: a module pool; the new release and each base pick from it
    Pool = maps:from_list([{A, [list_to_atom(atom_to_list(A) ++ "_m" ++ integer_to_list(J))
                                || J <- lists:seq(1, 2 + rand:uniform(6))]} || A <- Names]),
    Deps = maps:from_list([{A, subset([B || B <- Names, B < A], 0.3)} || A <- Names]),
    NewApps = mk_rel_apps(Names, Pool, Deps, 0.1, "2.0"),
    New = {NewVsn, case chance(0.1) of true -> "12.0"; false -> Erts end, NewApps},
    Olds = [{B, case chance(0.1) of true -> "12.0"; false -> Erts end,
             mk_rel_apps(Names, Pool, Deps, 0.15, B)} || B <- Bases],
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    [write_root(filename:join(Dir, "old-" ++ V), "rnd", V, E, Core, Apps)
     || {V, E, Apps} <- Olds],
    write_root(filename:join(Dir, "new"), "rnd", NewVsn, element(2, New), Core, NewApps),
    Mode = case chance(0.1) of true -> pick(errors()); false -> valid end,
    DepsOut = write_appups(filename:join(Dir, "new"), NewApps, Olds, Mode),
    ok = file:write_file(filename:join(Dir, "bases"), [[B, $\n] || B <- Bases]),
    ok = file:write_file(filename:join(Dir, "deps.term"),
                         io_lib:format("~p.~n", [DepsOut])),
    ok = file:write_file(filename:join(Dir, "mode"), io_lib:format("~p~n", [Mode])).

errors() ->
    [undef_module, muldef_module, no_relup, bad_instruction, two_ponr,
     bad_before_ponr, conflicting_versions].

%% [{App, Vsn, Type, Mods, Uses}] in a shuffled .rel order; some apps left
%% out (added or removed between releases).
mk_rel_apps(Names, Pool, Deps, PLeave, VsnTag) ->
    Kept = [A || A <- Names, not chance(PLeave)],
    %% what is used must be present: drop uses of absent apps
    Apps = [{A, vsn_for(A, VsnTag), type(), subset(maps:get(A, Pool), 0.8) ++ [hd(maps:get(A, Pool))],
             [D || D <- maps:get(A, Deps), lists:member(D, Kept)]} || A <- Kept],
    %% an app that keeps its version is the same in every release
    shuffle([case V of
                 "1.0" -> {A, V, T, maps:get(A, Pool), []};
                 _ -> {A, V, T, lists:usort(M), U}
             end || {A, V, T, M, U} <- Apps]).

vsn_for(A, Tag) ->
    %% many apps keep their version (no appup needed)
    case erlang:phash2(A, 3) of
        0 -> "1.0";
        _ -> atom_to_list(A) ++ "-" ++ Tag
    end.

type() ->
    case rand:uniform(12) of
        1 -> temporary; 2 -> transient; 3 -> load; 4 -> none;
        _ -> permanent
    end.

write_root(Root, Name, Vsn, Erts, Core, Apps) ->
    RelDir = filename:join([Root, "releases", Vsn]),
    ok = filelib:ensure_dir(filename:join(RelDir, "x")),
    RelApps = [{K, V} || {K, V} <- Core] ++
        [case T of permanent -> {A, V}; _ -> {A, V, T} end || {A, V, T, _, _} <- Apps],
    Rel = {release, {Name, Vsn}, {erts, Erts}, RelApps},
    ok = file:write_file(filename:join(RelDir, Name ++ ".rel"), io_lib:format("~p.~n", [Rel])),
    ok = file:write_file(filename:join([Root, "releases", "start_erl.data"]),
                         [Erts, " ", Vsn, "\n"]),
    [begin
         Ebin = filename:join([Root, "lib", atom_to_list(A) ++ "-" ++ V, "ebin"]),
         ok = filelib:ensure_dir(filename:join(Ebin, "x")),
         AppT = {application, A, [{description, "random"}, {vsn, V}, {modules, M},
                                  {registered, []},
                                  {applications, [kernel, stdlib | U]}]},
         ok = file:write_file(filename:join(Ebin, atom_to_list(A) ++ ".app"),
                              io_lib:format("~p.~n", [AppT]))
     end || {A, V, _, M, U} <- Apps],
    ok.

%% Appups for the new apps whose vsn differs from some base's; returns
%% [{Base, up|down, [{Mod, [Dep]}]}] for the order checks.
write_appups(Root, NewApps, Olds, Mode) ->
    Changed = [{A, V, M} || {A, V, _, M, _} <- NewApps,
                            lists:any(fun({_, _, OA}) ->
                                              case lists:keyfind(A, 1, OA) of
                                                  {A, OV, _, _, _} -> OV =/= V;
                                                  false -> false
                                              end
                                      end, Olds)],
    %% per base and direction: which modules get dependent instructions
    Plan = [{B, Dir, plan_dir(Changed, OA, Dir)} || {B, _, OA} <- Olds, Dir <- [up, down]],
    Appups = [{A, V, [entry(A, B, up, Plan, OA, Mode) || {B, _, OA} <- Olds, has_other(A, V, OA)],
                     [entry(A, B, down, Plan, OA, Mode) || {B, _, OA} <- Olds, has_other(A, V, OA)]}
              || {A, V, _} <- Changed],
    Appups2 = case Mode of
                  no_relup when Appups =/= [] ->
                      [{A, V, tl_or_empty(U), D} || {A, V, U, D} <- Appups];
                  _ -> Appups
              end,
    [begin
         Ebin = filename:join([Root, "lib", atom_to_list(A) ++ "-" ++ V, "ebin"]),
         ok = file:write_file(filename:join(Ebin, atom_to_list(A) ++ ".appup"),
                              io_lib:format("~p.~n", [{V, U, D}]))
     end || {A, V, U, D} <- Appups2],
    [{B, Dir, [{M, Ds} || {_, M, _, Ds} <- Items]} || {B, Dir, Items} <- Plan].

tl_or_empty([_ | T]) -> T;
tl_or_empty([]) -> [].

has_other(A, V, OA) ->
    case lists:keyfind(A, 1, OA) of
        {A, OV, _, _, _} -> OV =/= V;
        false -> false
    end.

%% [{App, Mod, Kind, Deps}] for one base and direction: the modules of
%% changed apps that get a dependent instruction, with their DepMods.
%% Modules of the release going to are loaded; the others deleted.
plan_dir(Changed, OA, Dir) ->
    Items = lists:append(
              [begin
                   Old = old_mods(A, OA),
                   {To, From} = case Dir of up -> {NewM, Old}; down -> {Old, NewM} end,
                   [{A, M, load} || M <- subset(To, 0.6)] ++
                       [{A, M, del} || M <- subset(From -- To, 0.6)]
               end || {A, V, NewM} <- Changed, has_other(A, V, OA)]),
    Mods = [M || {_, M, _} <- Items],
    [begin
         Kind = case K of
                    load -> pick([load, load3, load5, upd, upd_sup, upd_soft, upd_adv,
                                  upd_deps, upd4, upd6, upd7, upd8, add, add3]);
                    del -> pick([del, del3])
                end,
         Ds = case takes_deps(Kind) andalso chance(0.5) of
                  true -> subset(Mods, 0.15);
                  false -> []
              end,
         {A, M, Kind, Ds}
     end || {A, M, K} <- shuffle(Items)].

takes_deps(K) -> lists:member(K, [load3, load5, upd_deps, upd4, upd6, upd7, upd8, add3, del3]).

old_mods(A, OA) ->
    case lists:keyfind(A, 1, OA) of
        {A, _, _, M, _} -> M;
        false -> []
    end.

entry(A, B, Dir, Plan, OA, Mode) ->
    {B, Dir, Items} = lists:keyfind(Dir, 2, [P || P = {PB, _, _} <- Plan, PB =:= B]),
    {A, OV, _, _, _} = lists:keyfind(A, 1, OA),
    Mine = [instr(K, M, Ds) || {PA, M, K, Ds} <- Items, PA =:= A],
    Extra = [{apply, {io, format, ["~p~n", [A]]}} || chance(0.2)] ++
        [restart_emulator || chance(0.05)] ++
        [{restart_application, A} || chance(0.02)],
    Script0 = shuffle(Mine ++ Extra),
    Script1 = case chance(0.15) of
                  true -> [{apply, {erlang, garbage_collect, []}}, point_of_no_return | Script0];
                  false -> Script0
              end,
    Script2 = case chance(0.1) of
                  true -> [[{apply, {erlang, yield, []}}] | Script1];  % a list is spliced
                  false -> Script1
              end,
    Script = inject(Mode, A, Script2, Items),
    Key = case chance(0.2) of
              true -> list_to_binary("^" ++ re_escape(OV) ++ "$");
              false -> OV
          end,
    {Key, Script}.

re_escape(S) -> lists:append([case C of $. -> "\\."; _ -> [C] end || C <- S]).

inject(valid, _, S, _) -> S;
inject(undef_module, _, S, _) -> [{load_module, zz_nowhere_ghost, [no_such_mod_xx]} | S];
inject(muldef_module, _, S, Items) ->
    case Items of
        [{_, M, _, _} | _] -> [{load_module, M}, {load_module, M} | S];
        [] -> [{load_module, zz_nowhere_twice}, {load_module, zz_nowhere_twice} | S]
    end;
inject(bad_instruction, _, S, _) -> [{frobnicate, 1} | S];
inject(two_ponr, _, S, _) -> [point_of_no_return, point_of_no_return | S];
inject(bad_before_ponr, _, S, _) -> [{load_module, zz_early}, point_of_no_return | S];
inject(conflicting_versions, A, S, _) ->
    [{load_object_code, {A, "0.0.1", [zz_a]}}, {load_object_code, {A, "0.0.2", [zz_b]}} | S];
inject(no_relup, _, S, _) -> S.

instr(load, M, _) -> {load_module, M};
instr(load3, M, D) -> {load_module, M, D};
instr(load5, M, D) -> {load_module, M, purge(), purge(), D};
instr(upd, M, _) -> {update, M};
instr(upd_sup, M, _) -> {update, M, supervisor};
instr(upd_soft, M, _) -> {update, M, soft};
instr(upd_adv, M, _) -> {update, M, {advanced, extra(M)}};
instr(upd_deps, M, D) -> {update, M, D};
instr(upd4, M, D) -> {update, M, change(M), D};
instr(upd6, M, D) -> {update, M, change(M), purge(), purge(), D};
instr(upd7, M, D) -> {update, M, timeout(), change(M), purge(), purge(), D};
instr(upd8, M, D) -> {update, M, pick([static, dynamic]), timeout(), change(M), purge(), purge(), D};
instr(add, M, _) -> {add_module, M};
instr(add3, M, D) -> {add_module, M, D};
instr(del, M, _) -> {delete_module, M};
instr(del3, M, D) -> {delete_module, M, D}.

purge() -> pick([soft_purge, brutal_purge]).
timeout() -> pick([default, infinity, 5000]).
change(M) -> pick([soft, {advanced, extra(M)}]).
extra(M) -> pick([[], [M], {x, 1}]).

%% ---- systools

rel_stem(Root) ->
    {ok, Data} = file:read_file(filename:join([Root, "releases", "start_erl.data"])),
    [_Erts, Vsn] = string:lexemes(binary_to_list(Data), " \n"),
    [Rel] = filelib:wildcard(filename:join([Root, "releases", Vsn, "*.rel"])),
    filename:rootname(Rel).

make_relup(New, Olds) ->
    Path = lists:usort(lists:append([filelib:wildcard(filename:join([R, "lib", "*", "ebin"]))
                                     || R <- [New | Olds]])),
    OldRels = [rel_stem(O) || O <- Olds],
    systools:make_relup(rel_stem(New), OldRels, OldRels, [{path, Path}, noexec, silent]).

make1(New, Out, Olds) ->
    case make_relup(New, Olds) of
        {ok, Relup, _, _} ->
            ok = file:write_file(Out, io_lib:format("~p.~n", [Relup]));
        {error, Mod, Reason} ->
            {fail, lists:flatten(io_lib:format("~p: ~p", [Mod, Reason]))}
    end.

cases(Dir) ->
    lists:sort(fun(A, B) -> case_no(A) =< case_no(B) end,
               filelib:wildcard(filename:join(Dir, "case-*"))).

case_no(P) ->
    "case-" ++ N = filename:basename(P),
    list_to_integer(N).

bases(Case) ->
    {ok, B} = file:read_file(filename:join(Case, "bases")),
    [binary_to_list(X) || X <- binary:split(B, <<"\n">>, [global, trim_all])].

systools_all(Dir) ->
    [begin
         Olds = [filename:join(C, "old-" ++ B) || B <- bases(C)],
         file:delete(filename:join(C, "expected.relup")),
         file:delete(filename:join(C, "expected.error")),
         case make_relup(filename:join(C, "new"), Olds) of
             {ok, Relup, _, _} ->
                 ok = file:write_file(filename:join(C, "expected.relup"),
                                      io_lib:format("~p.~n", [Relup]));
             {error, _Mod, Reason} ->
                 ok = file:write_file(filename:join(C, "expected.error"),
                                      io_lib:format("~p.~n", [reason_tag(Reason)]))
         end
     end || C <- cases(Dir)],
    ok.

reason_tag(R) when is_atom(R) -> R;
reason_tag(R) when is_tuple(R), is_atom(element(1, R)) -> element(1, R);
reason_tag(R) -> R.

%% ---- comparing

compare_all(Dir) ->
    Results = [compare_case(C) || C <- cases(Dir)],
    Bad = [R || R = {_, {fail, _}} <- Results],
    Valid = length([ok || {_, ok} <- Results]),
    Errors = length([ok || {_, ok_error} <- Results]),
    io:format("~b cases: ~b relups term-equal to systools, ~b refused by both~n",
              [length(Results), Valid, Errors]),
    case Bad of
        [] -> ok;
        _ ->
            {fail, lists:flatten([io_lib:format("~s: ~ts~n", [C, M]) || {C, {fail, M}} <- Bad])}
    end.

compare_case(C) ->
    Mine = filename:join(C, "mine.relup"),
    MineErr = filename:join(C, "mine.error"),
    case file:consult(filename:join(C, "expected.error")) of
        {ok, [Tag]} ->
            case file:read_file(MineErr) of
                {ok, Text} ->
                    case binary:match(Text, atom_to_binary(Tag)) of
                        nomatch ->
                            {C, {fail, io_lib:format("systools refused (~p), smoothver said: ~ts",
                                                     [Tag, Text])}};
                        _ -> {C, ok_error}
                    end;
                _ ->
                    {C, {fail, io_lib:format("systools refused (~p), smoothver did not", [Tag])}}
            end;
        _ ->
            case filelib:is_regular(MineErr) andalso not filelib:is_regular(Mine) of
                true ->
                    {ok, Text} = file:read_file(MineErr),
                    {C, {fail, io_lib:format("smoothver refused: ~ts", [Text])}};
                false ->
                    {ok, Deps} = file:consult(filename:join(C, "deps.term")),
                    {C, same_files(filename:join(C, "expected.relup"), Mine, hd(Deps))}
            end
    end.

same_files(A, B, Deps) ->
    {ok, [RA]} = file:consult(A),
    case file:consult(B) of
        {ok, [RB]} -> same(RA, RB, Deps);
        Other -> {fail, io_lib:format("~s: ~p", [B, Other])}
    end.

same(RA, RB, Deps) ->
    case canon(RA) =:= canon(RB) of
        false ->
            {fail, io_lib:format("relups differ~n systools: ~p~n smoothver: ~p", [RA, RB])};
        true ->
            case order_problems(RB, Deps) of
                [] -> ok;
                Ps -> {fail, io_lib:format("order breaks DepMods: ~p~n~p", [Ps, RB])}
            end
    end.

canon({Vsn, Up, Dn}) ->
    {Vsn, [canon_entry(E) || E <- Up], [canon_entry(E) || E <- Dn]}.

canon_entry({V, D, Script}) ->
    {V, canon_descr(D), canon_script(Script)}.

canon_descr(D) when is_list(D) -> D;
canon_descr(D) -> D.

canon_script(S) ->
    {Before, [point_of_no_return | After]} = lists:splitwith(fun(I) -> I =/= point_of_no_return end, S),
    Locs = lists:sort([{load_object_code, {A, V, lists:sort(Ms)}}
                       || {load_object_code, {A, V, Ms}} <- Before]),
    Others = [I || I <- Before, element_tag(I) =/= load_object_code],
    {Locs, Others, canon_after(After)}.

element_tag(I) when is_tuple(I) -> element(1, I);
element_tag(I) -> I.

%% sort the lists inside suspend/resume/code_change, and each run of
%% load/remove/purge
canon_after([]) -> [];
canon_after([{suspend, L} | T]) -> [{suspend, lists:sort(L)} | canon_after(T)];
canon_after([{resume, L} | T]) -> [{resume, lists:sort(L)} | canon_after(T)];
canon_after([{code_change, M, L} | T]) -> [{code_change, M, lists:sort(L)} | canon_after(T)];
canon_after([I | _] = L) ->
    case is_lr(I) of
        true ->
            {Run, Rest} = lists:splitwith(fun is_lr/1, L),
            lists:sort(Run) ++ canon_after(Rest);
        false ->
            [I | canon_after(tl(L))]
    end.

is_lr({load, _}) -> true;
is_lr({remove, _}) -> true;
is_lr({purge, _}) -> true;
is_lr(_) -> false.

lr_mod({load, {M, _, _}}) -> [M];
lr_mod({remove, {M, _, _}}) -> [M];
lr_mod(_) -> [].

%% In smoothver's relup: for every DepMods edge M -> D between modules of
%% one block (not in a cycle), D is loaded before M when upgrading and after
%% it when downgrading, and M is suspended before D.
order_problems({_, Up, Dn}, Deps) ->
    lists:append([check_script(B, up, S, Deps) || {B, _, S} <- Up] ++
                 [check_script(B, down, S, Deps) || {B, _, S} <- Dn]).

check_script(Base, Dir, Script, Deps) ->
    Edges = case [E || {B, D, E} <- Deps, B =:= Base, D =:= Dir] of
                [E] -> E;
                _ -> []
            end,
    G = digraph:new(),
    [begin digraph:add_vertex(G, M), [digraph:add_vertex(G, D) || D <- Ds] end
     || {M, Ds} <- Edges],
    [[digraph:add_edge(G, M, D) || D <- Ds] || {M, Ds} <- Edges],
    Loads = [M || I <- Script, M <- lr_mod(I)],
    Pos = maps:from_list(lists:zip(lists:reverse(Loads), lists:seq(length(Loads), 1, -1))),
    Susp = lists:append([[case X of {M, _} -> M; M -> M end || X <- L] || {suspend, L} <- Script]),
    SPos = maps:from_list(lists:zip(Susp, lists:seq(1, length(Susp)))),
    Problems =
        [{Base, Dir, M, D} ||
            {M, Ds} <- Edges, D <- Ds, M =/= D,
            not lists:member(M, digraph_utils:reachable([D], G)),
            maps:is_key(M, Pos), maps:is_key(D, Pos),
            case Dir of
                up -> maps:get(D, Pos) > maps:get(M, Pos);
                down -> maps:get(D, Pos) < maps:get(M, Pos)
            end] ++
        [{suspend, Base, Dir, M, D} ||
            {M, Ds} <- Edges, D <- Ds, M =/= D,
            not lists:member(M, digraph_utils:reachable([D], G)),
            maps:is_key(M, SPos), maps:is_key(D, SPos),
            maps:get(M, SPos) > maps:get(D, SPos)],
    digraph:delete(G),
    Problems.

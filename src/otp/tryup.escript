#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% The control node of `smoothver try-upgrade` and `smoothver deploy`
%% (src/otp/ctl.c compiles this file in and runs it) as
%%
%%   escript control.escript ROOT NODE COOKIE TIMEOUT_MS [LABEL]
%%
%% ROOT is the release root the node runs from; NODE the node: a short
%% name (-sname, on this host), or a whole NAME@HOST (long names when HOST
%% has a dot); COOKIE its cookie, or "-" for the environment's
%% SMOOTHVER_COOKIE (none there, or empty: the default cookie of
%% ~/.erlang.cookie); LABEL how the node's log names us (default
%% "smoothver"). The commands come on
%% standard input, one a line, fields separated by tabs; each gets one
%% answer on standard output, a line "@sv<TAB>ok<TAB>FIELD..." or
%% "@sv<TAB>fail<TAB>MESSAGE" (no tab or newline inside a field; other
%% lines there are not answers). Standard input ending ends the program.
%%
%%   releases RELFILE      release_handler:create_RELEASES for ROOT, RELFILE
%%                         the installed release -> ok
%%   connect               start distribution (hidden), wait until NODE
%%                         answers and has booted -> ok NODE@HOST OSPID RELS
%%   which RELS            which_releases() is exactly RELS -> ok RELS
%%   rels                  which_releases() -> ok RELS
%%   unpack NAME VSN       unpack_release(NAME) returns {ok, VSN} -> ok TEXT
%%   install VSN OTHER     install_release(VSN) returns {ok, OTHER, _} and
%%                         the node keeps its OS pid -> ok TEXT; a
%%                         releases/VSN with sys.config.src and no
%%                         sys.config first gets the sys.config relx's
%%                         start script would render at boot, from the
%%                         node's environment (install_release reads
%%                         sys.config, and takes a missing one for an
%%                         empty one, wiping every application's
%%                         environment)
%%   permanent VSN         make_permanent(VSN) returns ok -> ok TEXT
%%   remove VSN            remove_release(VSN) returns ok -> ok TEXT
%%   stop                  init:stop() on the node, which goes down -> ok
%%                         WAS (running: it was up, booted or booting,
%%                         not stopping)
%%   tree                  the supervision trees of the release's own
%%                         applications -> ok ENTRY ; ENTRY ; ...
%%
%% A tree entry is "app A" for each running application but kernel,
%% stdlib and sasl, and "A/ID/... TYPE STATE MODULES" for each child of
%% the supervisors under its application master, walked from the top
%% (STATE: running, restarting or stopped; the children of a
%% simple_one_for_one supervisor, whose ids are undefined, come and go
%% with the work and are left out). Pids are never part of it, so the
%% tree of two nodes running the same release compares equal.
%%
%% RELS is "VSN:STATUS VSN:STATUS ..." (sorted; STATUS as which_releases
%% has it: unpacked, current, permanent, old). Each command waits
%% TIMEOUT_MS at most for the node. Log output goes to standard error.
%%
%% Each release_handler call and its result, and the stop, are also
%% logged on the node (logger notice, or error for a result that is not
%% the one expected; "LABEL: ..."), so that the node's log
%% shows them among its own messages.

main([Root, Name, Cookie, Timeout]) ->
    main([Root, Name, Cookie, Timeout, "smoothver"]);
main([Root, Name, Cookie0, Timeout, Label]) ->
    %% Standard output carries the answers only.
    _ = catch logger:update_handler_config(default, config,
                                            #{type => standard_error}),
    Cookie = case Cookie0 of
                 "-" -> os:getenv("SMOOTHVER_COOKIE", "");
                 _ -> Cookie0
             end,
    loop(#{root => Root, name => Name,
           cookie => case Cookie of "" -> default; _ -> list_to_atom(Cookie) end,
           timeout => list_to_integer(Timeout), node => undefined,
           user => undefined, label => Label});
main(_) ->
    io:format(standard_error,
              "usage: control.escript ROOT NODE COOKIE TIMEOUT_MS [LABEL]~n", []),
    halt(2).

loop(S) ->
    case io:get_line("") of
        eof ->
            halt(0);
        {error, _} ->
            halt(1);
        Line ->
            Fields = string:split(string:trim(Line, trailing, "\r\n"), "\t", all),
            {Reply, S1} = try command(Fields, S)
                          catch
                              throw:{fail, Msg} -> {{fail, Msg}, S};
                              C:R:St -> {{fail, text("~p:~p ~p", [C, R, St])}, S}
                          end,
            answer(Reply),
            loop(S1)
    end.

answer({ok, Fields}) -> put_fields(["ok" | Fields]);
answer({fail, Msg}) -> put_fields(["fail", Msg]).

put_fields(Fields) ->
    Clean = [lists:map(fun($\t) -> $\s; ($\n) -> $\s; ($\r) -> $\s; (C) -> C end,
                       lists:flatten(F)) || F <- Fields],
    io:put_chars(["@sv", [[$\t, F] || F <- Clean], $\n]).

fail(Fmt, Args) -> throw({fail, text(Fmt, Args)}).

%% A term or message on one line, long terms cut short.
text(Fmt, Args) ->
    S = lists:flatten(io_lib:format(Fmt, Args)),
    re:replace(S, "\\s*\\n\\s*", " ", [global, unicode, {return, list}]).

term(T) -> text("~tP", [T, 40]).

%% ---- the commands

command(["releases", RelFile], #{root := Root} = S) ->
    case release_handler:create_RELEASES(Root, filename:join(Root, "releases"),
                                         RelFile, []) of
        ok -> {{ok, []}, S};
        Other -> fail("release_handler:create_RELEASES returned ~s", [term(Other)])
    end;
command(["connect"], #{name := Name, cookie := Cookie, timeout := T} = S) ->
    Deadline = erlang:monotonic_time(millisecond) + T,
    %% Our name is unique to this process: two controllers (a follower and
    %% an operator's --once) may talk to one node at the same time. A long
    %% name (NAME@HOST.DOMAIN, NAME@IP) gets the node's host: left to
    %% itself, distribution would take this machine's host name, which
    %% often has no domain (a pod's), and refuse to start.
    Ctl = fun(N) -> N ++ "_ctl_" ++ os:getpid() end,
    {Me, Domain} = case string:split(Name, "@") of
                       [N, H] ->
                           case lists:member($., H) of
                               true -> {Ctl(N) ++ "@" ++ H, longnames};
                               false -> {Ctl(N), shortnames}
                           end;
                       [N] -> {Ctl(N), shortnames}
                   end,
    start_dist(list_to_atom(Me), Domain, Deadline),
    Cookie =:= default orelse erlang:set_cookie(Cookie),
    Node = case string:split(Name, "@") of
               [_, _] -> list_to_atom(Name);
               [_] ->
                   [_, Host] = string:split(atom_to_list(node()), "@"),
                   list_to_atom(Name ++ "@" ++ Host)
           end,
    wait_ping(Node, Deadline, T),
    wait_started(Node, Deadline, T),
    Pid = os_pid(Node, S),
    %% The node's console: what it logs for us goes there, not here.
    User = rpc:call(Node, erlang, whereis, [user], T),
    S1 = S#{node := Node, user := User},
    note(S1, notice, "connected from ~s", [node()]),
    {{ok, [atom_to_list(Node), Pid, rels_text(which(Node, S1))]}, S1};
command(["rels"], #{node := Node} = S) ->
    {{ok, [rels_text(which(Node, S))]}, S};
command(["remove", Vsn], S) ->
    {{ok, [expect(S, remove_release, [Vsn], ok)]}, S};
command(["which", Want], #{node := Node} = S) ->
    Got = rels_text(which(Node, S)),
    case rels_text(parse_rels(Want)) of
        Got -> {{ok, [Got]}, S};
        W -> fail("which_releases() shows ~s, expected ~s", [show(Got), show(W)])
    end;
command(["unpack", Pkg, Vsn], S) ->
    {{ok, [expect(S, unpack_release, [Pkg], {ok, Vsn})]}, S};
command(["install", Vsn, Other], #{node := Node} = S) ->
    Pid = os_pid(Node, S),
    Rendered = render_config(S, Vsn),
    Text = Rendered ++ expect(S, install_release, [Vsn], {ok, Other, '_'}),
    case os_pid(Node, S) of
        Pid -> {{ok, [Text]}, S};
        Pid1 -> fail("~s, but the node restarted (OS pid ~s, was ~s)", [Text, Pid1, Pid])
    end;
command(["permanent", Vsn], S) ->
    {{ok, [expect(S, make_permanent, [Vsn], ok)]}, S};
command(["stop"], #{node := Node, timeout := T} = S) ->
    true = erlang:monitor_node(Node, true),
    %% Whether the node was up, booted or booting (not stopping, nor
    %% down): a second stop finding it so tells that it restarted in
    %% place.
    Was = case rpc:call(Node, init, get_status, [], T) of
              {started, _} -> "running";
              {starting, _} -> "running";
              _ -> "not-running"
          end,
    note(S, notice, "init:stop()", []),
    case rpc:call(Node, init, stop, [], T) of
        ok -> ok;
        {badrpc, nodedown} -> ok;
        Other -> fail("init:stop() on the node returned ~s", [term(Other)])
    end,
    receive
        {nodedown, Node} -> {{ok, [Was]}, S}
    after T ->
            fail("the node did not go down within ~s after init:stop()", [secs(T)])
    end;
command(["tree"], #{node := Node} = S) ->
    Apps = lists:sort([A || {A, _, _} <- call(S, application, which_applications, []),
                            not lists:member(A, [kernel, stdlib, sasl])]),
    Entries = lists:append([tree_app(S, Node, A) || A <- Apps]),
    {{ok, [lists:flatten(lists:join(" ; ", Entries))]}, S};
command(Other, _) ->
    fail("unknown command ~p", [Other]).

%% ---- supervision trees

tree_app(S, _Node, App) ->
    Top = case call(S, application_controller, get_master, [App]) of
              Master when is_pid(Master) ->
                  case call(S, application_master, get_child, [Master]) of
                      {Pid, _Mod} when is_pid(Pid) -> Pid;
                      _ -> undefined
                  end;
              _ -> undefined
          end,
    Name = atom_to_list(App),
    ["app " ++ Name | case Top of
                           undefined -> [];
                           _ -> tree_sup(S, Name, Top)
                       end].

tree_sup(S, Path, Sup) ->
    case catch call(S, supervisor, which_children, [Sup]) of
        L when is_list(L) ->
            lists:append([tree_child(S, Path, C) || C <- lists:sort(
                                                            [C || {Id, _, _, _} = C <- L,
                                                                  Id =/= undefined])]);
        _ ->
            [Path ++ " (not a supervisor)"]
    end.

tree_child(S, Path, {Id, Child, Type, Mods}) ->
    Me = Path ++ "/" ++ text("~0tp", [Id]),
    State = if is_pid(Child) -> "running";
               Child =:= restarting -> "restarting";
               true -> "stopped"
            end,
    [text("~s ~s ~s ~0tp", [Me, Type, State, Mods]) |
     case {Type, Child} of
         {supervisor, Pid} when is_pid(Pid) -> tree_sup(S, Me, Pid);
         _ -> []
     end].

%% ---- sys.config.src

%% Render ROOT/releases/VSN/sys.config from its sys.config.src when only
%% the .src is there, as relx's start script does at boot (${VAR}, and
%% ${VAR:-DEFAULT} for a variable unset or empty), with the environment
%% of the running node; checked to be one Erlang list, written whole.
%% The text for the answer: what was done, or "".
render_config(#{root := Root, node := Node, timeout := T}, Vsn) ->
    Dir = filename:join([Root, "releases", Vsn]),
    Src = filename:join(Dir, "sys.config.src"),
    Out = filename:join(Dir, "sys.config"),
    case {filelib:is_regular(Src), filelib:is_regular(Out)} of
        {true, false} ->
            Env = case rpc:call(Node, os, getenv, [], T) of
                      L when is_list(L) -> env_map(L);
                      Other -> fail("os:getenv() on the node: ~s", [term(Other)])
                  end,
            Bin = file_ok(file:read_file(Src), "read", Src),
            Text = render(Bin, Env, []),
            Tmp = Out ++ ".smoothver-tmp",
            file_ok(file:write_file(Tmp, Text), "write", Tmp, Tmp),
            case file:consult(Tmp) of
                {ok, [Terms]} when is_list(Terms) ->
                    file_ok(file:rename(Tmp, Out), "rename to " ++ Out, Tmp, Tmp),
                    text("releases/~s/sys.config rendered from sys.config.src "
                         "with the node's environment; ", [Vsn]);
                Bad ->
                    _ = file:delete(Tmp),
                    Why = case Bad of
                              {error, {Line, Mod, Desc}} when is_integer(Line) ->
                                  text("line ~b: ~ts", [Line, Mod:format_error(Desc)]);
                              {ok, _} -> "not one list";
                              _ -> term(Bad)
                          end,
                    fail("releases/~s/sys.config.src with the node's environment "
                         "is not a sys.config (one Erlang list): ~ts (a variable "
                         "the node's environment lacks?); nothing installed",
                         [Vsn, Why])
            end;
        _ ->
            ""
    end.

%% The value of a file operation's result, or a failure naming the file
%% (Partial, a file left half-made, is removed first).
file_ok(Result, What, Path) -> file_ok(Result, What, Path, none).

file_ok(ok, _, _, _) -> ok;
file_ok({ok, V}, _, _, _) -> V;
file_ok({error, R}, What, Path, Partial) ->
    Partial =:= none orelse file:delete(Partial),
    fail("cannot ~s '~s': ~s", [What, Path, file:format_error(R)]).

env_map(L) ->
    maps:from_list([begin
                        [K | V] = string:split(E, "="),
                        {unicode:characters_to_binary(K),
                         unicode:characters_to_binary(lists:append(V))}
                    end || E <- L, lists:member($=, E)]).

%% Left to right: a value is never rendered again.
render(Bin, Env, Acc) ->
    case re:run(Bin, "\\$\\{([^}]*)\\}", [{capture, [0, 1], index}]) of
        nomatch ->
            lists:reverse([Bin | Acc]);
        {match, [{S, L}, {VS, VL}]} ->
            Var = binary:part(Bin, VS, VL),
            Val = case binary:split(Var, <<":-">>) of
                      [Name] -> maps:get(Name, Env, <<>>);
                      [Name, Def] ->
                          case maps:get(Name, Env, <<>>) of
                              <<>> -> Def;
                              V -> V
                          end
                  end,
            Rest = binary:part(Bin, S + L, byte_size(Bin) - S - L),
            render(Rest, Env, [Val, binary:part(Bin, 0, S) | Acc])
    end.

%% ---- waiting for the node

%% Distribution may fail to start for a moment (epmd starting, a name
%% not yet forgotten): try until the deadline.
start_dist(Ctl, Domain, Deadline) ->
    case net_kernel:start(Ctl, #{name_domain => Domain, hidden => true}) of
        {ok, _} -> ok;
        {error, {already_started, _}} -> ok;
        E ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> fail("cannot start distribution as ~s: ~s", [Ctl, term(E)]);
                false -> timer:sleep(200), start_dist(Ctl, Domain, Deadline)
            end
    end.

wait_ping(Node, Deadline, T) ->
    case net_adm:ping(Node) of
        pong -> ok;
        pang ->
            erlang:monotonic_time(millisecond) > Deadline andalso
                fail("the node ~s did not answer within ~s", [Node, secs(T)]),
            timer:sleep(100),
            wait_ping(Node, Deadline, T)
    end.

%% Distribution comes up early in the boot: wait for init to finish.
wait_started(Node, Deadline, T) ->
    Left = max(1, Deadline - erlang:monotonic_time(millisecond)),
    case rpc:call(Node, init, get_status, [], Left) of
        {started, _} -> ok;
        {starting, _} ->
            erlang:monotonic_time(millisecond) > Deadline andalso
                fail("the node ~s did not finish booting within ~s", [Node, secs(T)]),
            timer:sleep(100),
            wait_started(Node, Deadline, T);
        {stopping, _} -> fail("the node ~s is stopping", [Node]);
        Other -> fail("init:get_status() on the node: ~s", [term(Other)])
    end.

secs(Ms) when Ms rem 1000 =:= 0 -> text("~b s", [Ms div 1000]);
secs(Ms) -> text("~.1f s", [Ms / 1000]).

%% ---- calls

call(#{node := Node, timeout := T}, M, F, A) ->
    case rpc:call(Node, M, F, A, T) of
        {badrpc, timeout} ->
            fail("~s did not return within ~s", [call_text(M, F, A), secs(T)]);
        {badrpc, nodedown} ->
            fail("~s: the node went down", [call_text(M, F, A)]);
        R -> R
    end.

call_text(M, F, A) ->
    text("~s:~s(~s)", [M, F, lists:join(", ", [term(X) || X <- A])]).

os_pid(Node, S) ->
    case call(S#{node := Node}, os, getpid, []) of
        P when is_list(P) -> P;
        Other -> fail("os:getpid() on the node returned ~s", [term(Other)])
    end.

%% Want matches the result, or {ok, V, '_'} matches {ok, V, Anything}.
expect(S, F, A, Want) ->
    Call = call_text(release_handler, F, A),
    note(S, notice, "~s ...", [Call]),
    Got = try call(S, release_handler, F, A)
          catch throw:{fail, Msg} -> note(S, error, "~s", [Msg]), throw({fail, Msg})
          end,
    Text = text("~s -> ~s", [Call, term(Got)]),
    Bad = case {Want, Got} of
              {G, G} -> ok;
              {{ok, V, '_'}, {ok, V, _}} -> ok;
              {{ok, V, '_'}, _} -> text("~s, expected {ok,~s,_}", [Text, term(V)]);
              _ -> text("~s, expected ~s", [Text, term(Want)])
          end,
    case Bad of
        ok -> note(S, notice, "~s", [Text]), Text;
        _ -> note(S, error, "~s", [Bad]), throw({fail, Bad})
    end.

%% A line in the node's log, on its console (gl: an rpc's output would
%% go to our group leader); what the node cannot be told is not told.
note(#{node := Node, timeout := T, user := User, label := Label}, Level, Fmt, Args)
  when is_pid(User) ->
    _ = rpc:call(Node, logger, Level, ["~ts: ~ts", [Label, text(Fmt, Args)],
                                       #{gl => User}], T),
    ok;
note(_, _, _, _) ->
    ok.

which(Node, S) ->
    case call(S#{node := Node}, release_handler, which_releases, []) of
        L when is_list(L) -> lists:sort([{V, St} || {_, V, _, St} <- L]);
        Other -> fail("release_handler:which_releases() returned ~s", [term(Other)])
    end.

parse_rels(Text) ->
    lists:sort([case string:split(R, ":", trailing) of
                    [V, St] -> {V, list_to_atom(St)};
                    _ -> fail("bad release status ~p", [R])
                end || R <- string:lexemes(Text, " ")]).

rels_text(Rels) ->
    lists:flatten(lists:join(" ", [[V, ":", atom_to_list(St)] || {V, St} <- Rels])).

show("") -> "nothing";
show(Rels) -> Rels.

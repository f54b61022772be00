%% The line protocol: one command in, one line out.
%%   add NAME [N]   add N (default 1) to NAME's count
%%   get NAME       NAME's count
%%   list           every count
%%   version        the running version, and this connection's process
%%   quit           close the connection
-module(tally_proto).
-export([greeting/0, handle/1]).

greeting() ->
    ["tally ", vsn(), " ready: add NAME [N] | get NAME | list | version | quit"].

handle(Line) ->
    case string:lexemes(Line, " ") of
        ["add", Name] -> add(Name, 1);
        ["add", Name, N] ->
            case string:to_integer(N) of
                {I, []} -> add(Name, I);
                _ -> ["error: not a number: ", N]
            end;
        ["get", Name] -> count(Name, tally_counter:get(list_to_binary(Name)));
        ["list"] -> counts(tally_counter:list());
        ["version"] -> ["tally ", vsn(), ", connection ", pid_to_list(self())];
        ["quit"] -> quit;
        _ -> ["error: unknown command: ", Line]
    end.

add(Name, N) ->
    count(Name, tally_counter:add(list_to_binary(Name), N)).

count(Name, C) ->
    [Name, " = ", integer_to_list(C)].

counts([]) ->
    "(no counts yet)";
counts(L) ->
    lists:join(" ", [[K, "=", integer_to_list(V)] || {K, V} <- L]).

vsn() ->
    {ok, Vsn} = application:get_key(tally, vsn),
    Vsn.

%% Holds the counts. This is the state a live upgrade must keep.
-module(tally_counter).
-behaviour(gen_server).
-export([start_link/0, add/2, get/1, list/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

-record(state, {counts = #{} :: #{binary() => integer()}}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% Adds N to Name's count and returns the new count.
add(Name, N) ->
    gen_server:call(?MODULE, {add, Name, N}).

get(Name) ->
    gen_server:call(?MODULE, {get, Name}).

%% All counts, sorted by name.
list() ->
    gen_server:call(?MODULE, list).

init([]) ->
    {ok, #state{}}.

handle_call({add, Name, N}, _From, #state{counts = C} = S) ->
    New = maps:get(Name, C, 0) + N,
    {reply, New, S#state{counts = C#{Name => New}}};
handle_call({get, Name}, _From, #state{counts = C} = S) ->
    {reply, maps:get(Name, C, 0), S};
handle_call(list, _From, #state{counts = C} = S) ->
    {reply, lists:sort(maps:to_list(C)), S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

%% Called by release_handler during a relup; nothing to migrate yet.
code_change(_OldVsn, S, _Extra) ->
    {ok, S}.

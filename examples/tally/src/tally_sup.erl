%% The counter first, then the listener that serves it.
-module(tally_sup).
-behaviour(supervisor).
-export([start_link/0]).
-export([init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 5, period => 10},
    Children = [#{id => tally_counter,
                  start => {tally_counter, start_link, []}},
                #{id => tally_listener,
                  start => {tally_listener, start_link, []}}],
    {ok, {Flags, Children}}.

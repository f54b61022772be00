-module(petal_sup).
-behaviour(supervisor).
-export([start_link/0]).
-export([init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 5, period => 10},
    Children = [#{id => petal_server,
                  start => {petal_server, start_link, []},
                  modules => [petal_server]},
                #{id => petal_listener,
                  start => {petal_listener, start_link, []},
                  modules => [petal_listener]}],
    {ok, {Flags, Children}}.

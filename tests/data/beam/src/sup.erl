%% A supervisor.
-module(sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Child = #{id => srv, start => {srv, start_link, []}},
    {ok, {#{strategy => one_for_one}, [Child]}}.

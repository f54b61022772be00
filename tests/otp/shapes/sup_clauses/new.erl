-module(sup_clauses).
-behaviour(supervisor).
-export([start_link/0, init/1]).
start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).
init([]) ->
    {ok, {#{strategy => one_for_one},
          [#{id => a, start => {srv_body, start_link, [a]}}]}};
init([extra]) ->
    {ok, {#{strategy => one_for_one},
          [#{id => a, start => {srv_body, start_link, [a]}},
           #{id => b, start => {srv_body, start_link, [b]}}]}}.

-module(sup_env).
-behaviour(supervisor).
-export([start_link/0, init/1]).
start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).
init([]) ->
    {ok, N} = application:get_env(shapes, workers),
    {ok, {#{strategy => one_for_one}, [#{id => I, start => {srv_body, start_link, [I]}} || I <- lists:seq(1, N)]}}.

%% Both the application callback and the top supervisor of thorn
%% (release_handler expects every application's top process to be a
%% supervisor).
-module(thorn_app).
-behaviour(application).
-behaviour(supervisor).
-export([start/2, stop/1]).
-export([init/1]).

start(_Type, _Args) ->
    supervisor:start_link({local, thorn_sup}, ?MODULE, []).

stop(_State) ->
    ok.

init([]) ->
    {ok, {#{strategy => one_for_one, intensity => 1, period => 5},
          [#{id => thorn_keeper, start => {thorn_keeper, start_link, []}}]}}.

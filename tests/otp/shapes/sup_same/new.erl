-module(sup_same).
-behaviour(supervisor).
-export([start_link/0, start_link/1, init/1]).
start_link() -> start_link([]).
start_link(Args) -> supervisor:start_link({local, ?MODULE}, ?MODULE, Args).
init([]) ->
    {ok, {#{strategy => one_for_one}, [child(a), child(b)]}}.
child(Id) -> #{id => Id, start => {srv_body, start_link, [Id]}}.

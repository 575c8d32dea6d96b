%% Supervises apnspush_log.
-module(apnspush_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Log = #{id => apnspush_log, start => {apnspush_log, start_link, []}},
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10}, [Log]}}.

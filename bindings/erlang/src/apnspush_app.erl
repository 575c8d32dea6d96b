%% The apnspush application: starts apnspush_sup, whose one child hands the engine's log records
%% to logger (apnspush_log). The API (module apnspush) also works without the application
%% started; then nothing is logged unless the caller uses apnspush:set_log_level/1.
-module(apnspush_app).
-behaviour(application).

-export([start/2, stop/1]).

start(_Type, _Args) -> apnspush_sup:start_link().

stop(_State) -> ok.

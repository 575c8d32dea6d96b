%% Hands the engine's log records to logger: sets the level from the application environment
%% (log_level: none | error | warning | info | debug | trace, default info) and calls
%% apnspush:log_poll/0 every log_poll_interval_ms (default 200) on this process. poll/2 hands
%% over the records it finds in between. Stopping it turns logging off.
-module(apnspush_log).
-behaviour(gen_server).

-export([start_link/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

init([]) ->
    process_flag(trap_exit, true),
    Level = application:get_env(apnspush, log_level, info),
    Interval = application:get_env(apnspush, log_poll_interval_ms, 200),
    case apnspush:set_log_level(Level) of
        ok ->
            self() ! poll,
            {ok, Interval};
        {error, {_, Message}} ->
            %% Another logger owns the process's records: nothing to hand over.
            logger:warning("apnspush: engine logging not bridged: ~ts", [Message],
                           #{domain => [apnspush]}),
            {ok, none}
    end.

handle_call(_Request, _From, State) -> {reply, {error, unknown_call}, State}.

handle_cast(_Request, State) -> {noreply, State}.

handle_info(poll, Interval) ->
    _ = apnspush:log_poll(),
    erlang:send_after(Interval, self(), poll),
    {noreply, Interval};
handle_info(_Other, State) -> {noreply, State}.

terminate(_Reason, none) -> ok;
terminate(_Reason, _Interval) ->
    _ = apnspush:log_poll(),
    _ = apnspush:set_log_level(none),
    ok.

"""apnspush.aio with asyncio.run: futures resolved on the loop's own thread by one dispatcher,
no thread per wait, a loop that keeps running while sends wait for room, and outcomes that
survive cancellation. Time bounds are hang detectors."""

import asyncio
import threading

import pytest

import apnspush
from apnspush import aio
from conftest import new_threads, note, payload_index, threads, token


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


def test_100000_concurrent_sends_are_accepted_without_a_thread_per_wait():
    n = apnspush.Notification(token(1), alert_body="hello")
    # HTTP/2: one connection throughout (a binary flush marker costs a reconnect, and the mock
    # serves each connection on a thread of its own).
    with apnspush.MockServer(protocol="http2", record_payloads=False) as mock:

        async def main():
            async with await aio.Pusher.connect(**mock.config, outcome_reports="none") as pusher:
                await pusher.send(n)  # the mock serves the connection now
                before = threads()
                futures = [pusher.send(n) for _ in range(100_000)]
                gathered = asyncio.gather(*futures)
                await asyncio.sleep(0)
                pending = sum(not f.done() for f in futures)
                during = threads()
                outcomes = await gathered
                return before, during, pending, outcomes, pusher.stats()

        before, during, pending, outcomes, stats = run(main())
        assert mock.wait_accepted(100_001, timeout=60)
        assert mock.accepted_count() == 100_001  # and the first one
    assert pending > 0, "measured while the sends were pending"
    assert new_threads(before, during) == {}
    assert len(during) == len(before)
    assert len({o.id for o in outcomes}) == 100_000
    assert all(o.kind == "accepted" for o in outcomes)
    assert (stats["pushed"], stats["accepted"]) == (100_001, 100_001)


def test_the_loop_keeps_running_while_20000_sends_wait_for_room():
    count = 20_000
    with apnspush.MockServer(protocol="http2") as mock:

        async def main():
            loop = asyncio.get_running_loop()
            async with await aio.Pusher.connect(
                **mock.config, queue_capacity=4, max_in_flight=4, outcome_reports="none"
            ) as pusher:
                futures = [pusher.send(note(i)) for i in range(count)]
                seen = []  # how many sends were done at each tick of a loop timer

                def tick():
                    seen.append(sum(f.done() for f in futures[::100]))
                    if seen[-1] < len(futures[::100]):
                        loop.call_later(0.001, tick)

                loop.call_later(0.001, tick)
                outcomes = await asyncio.gather(*futures)
                return seen, outcomes

        seen, outcomes = run(main())
        assert mock.wait_accepted(count, timeout=60)
        order = [payload_index(p) for _, _, p, _ in mock.accepted()]
    assert [o.user_data for o in outcomes] == list(range(count))
    assert all(o.accepted for o in outcomes)
    assert order == list(range(count)), "sends waiting for room go out in call order"
    # The calls returned before most sends had room (a send that blocked the loop until its
    # notification was queued would have let the timer start only near the end), and the
    # timer ran between the sends' completions, not only after the last.
    assert seen[0] < count // 100 // 2, seen
    assert len({s for s in seen if 0 < s < count // 100}) >= 3, seen


def test_futures_resolve_on_the_loop_thread():
    with apnspush.MockServer(reject={token(2): 8}) as mock:

        async def main():
            where = []
            async with await aio.Pusher.connect(**mock.config) as pusher:
                loop_thread = threading.get_ident()
                futures = [pusher.send(note(i)) for i in range(1, 4)]
                for f in futures:
                    f.add_done_callback(lambda _: where.append(threading.get_ident()))
                outcomes = await asyncio.gather(*futures)
                ident = await pusher.push(note(4))
                await pusher.ensure_delivery(timeout=60)
            return loop_thread, where, outcomes, ident

        loop_thread, where, outcomes, ident = run(main())
        accepted = [(i, payload_index(p)) for i, _, p, _ in mock.accepted()]
    assert where == [loop_thread] * 3
    assert [(o.user_data, o.kind) for o in outcomes] == [
        (1, "accepted"), (2, "rejected"), (3, "accepted")
    ]
    assert outcomes[1].status == 8
    assert accepted == [(outcomes[0].id, 1), (outcomes[2].id, 3), (ident, 4)]


def test_a_cancelled_wait_keeps_the_outcome():
    rules = {token(2): (400, "BadDeviceToken")}
    with apnspush.MockServer(protocol="http2", http2_reject=rules, response_delay=2) as mock:

        async def main():
            async with await aio.Pusher.connect(**mock.config) as pusher:

                async def wait(i):
                    return await pusher.send(note(i))

                tasks = [asyncio.ensure_future(wait(i)) for i in (1, 2)]
                await asyncio.sleep(0)  # both sends are queued; their answers wait DELAY
                assert pusher.stats()["pushed"] == 2 and not any(t.done() for t in tasks)
                for t in tasks:
                    t.cancel()
                for t in tasks:
                    with pytest.raises(asyncio.CancelledError):
                        await t
                await pusher.ensure_delivery(timeout=60)
                return pusher.poll(), pusher.failed_notifications()

        reports, failed = run(main())
    assert sorted((o.user_data, o.kind) for o in reports) == [(1, "accepted"), (2, "rejected")]
    assert [(o.user_data, o.reason) for o in failed] == [(2, "BadDeviceToken")]


def test_a_send_cancelled_while_waiting_for_room_is_never_queued():
    with apnspush.MockServer(protocol="http2", response_delay=0.2) as mock:

        async def main():
            async with await aio.Pusher.connect(
                **mock.config, queue_capacity=1, max_in_flight=1
            ) as pusher:
                futures = [pusher.send(note(i)) for i in range(10)]
                futures[-1].cancel()
                outcomes = await asyncio.gather(*futures[:-1])
                await pusher.ensure_delivery(timeout=60)
                return outcomes, pusher.poll(), pusher.stats()

        outcomes, reports, stats = run(main())
        accepted = sorted(payload_index(p) for _, _, p, _ in mock.accepted())
    assert [o.user_data for o in outcomes] == list(range(9))
    assert sorted(o.user_data for o in reports) == list(range(9))
    assert accepted == list(range(9)) and stats["pushed"] == 9


def test_queue_full_raises_at_the_call_without_block_when_full():
    with apnspush.MockServer(protocol="http2", response_delay=0.2) as mock:

        async def main():
            async with await aio.Pusher.connect(
                **mock.config, queue_capacity=1, max_in_flight=1, block_when_full=False
            ) as pusher:
                futures = []
                with pytest.raises(apnspush.QueueFullError) as raised:
                    for i in range(100):
                        futures.append(pusher.send(note(i)))
                outcomes = await asyncio.gather(*futures)
                return raised.value, outcomes

        error, outcomes = run(main())
        count = mock.accepted_count()
    assert error.code == "QUEUE_FULL"
    assert 1 <= len(outcomes) < 100 and all(o.accepted for o in outcomes)
    assert count == len(outcomes)


def test_close_resolves_every_future():
    with apnspush.MockServer(protocol="http2", response_delay=30) as mock:

        async def main():
            pusher = await aio.Pusher.connect(
                **mock.config, queue_capacity=1, max_in_flight=1, response_timeout_ms=600_000
            )
            futures = [pusher.send(note(i)) for i in range(5)]
            summary = await pusher.close(timeout=0.5)
            results = await asyncio.gather(*futures, return_exceptions=True)
            with pytest.raises(apnspush.ClosedError):
                pusher.send(note(9))
            await pusher.ensure_delivery(timeout=1)  # nothing left to wait for
            return summary, results

        summary, results = run(main())
    outcomes = [r for r in results if isinstance(r, apnspush.Outcome)]
    closed = [r for r in results if isinstance(r, apnspush.ClosedError)]
    assert len(outcomes) + len(closed) == 5 and outcomes and closed
    assert all(o.kind in ("cancelled", "failed") for o in outcomes)
    assert summary["cancelled"] + summary["unconfirmed"] == len(outcomes)


def test_connect_raises_the_typed_error_and_a_lazy_start_needs_no_server():
    with apnspush.MockServer() as mock:
        config = mock.config
    # The mock is stopped: nothing listens on its port.

    async def eager():
        await aio.Pusher.connect(**config, connect_timeout_ms=2000)

    with pytest.raises(apnspush.ConnectError) as raised:
        run(eager())
    assert raised.value.code == "CONNECT"

    async def lazy():
        async with await aio.Pusher.connect(**config, connect_on_start=False) as pusher:
            return pusher.stats()["pushed"]

    assert run(lazy()) == 0


def test_a_pusher_belongs_to_its_loop():
    with apnspush.MockServer() as mock:
        pusher = run(aio.Pusher.connect(**mock.config))

        async def elsewhere():
            pusher.send(note(1))

        with pytest.raises(RuntimeError, match="belongs to the loop"):
            run(elsewhere())
        pusher.sync.close()

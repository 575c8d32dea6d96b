"""Whole-interpreter behaviour, in child processes: exit with a live pusher, and Ctrl-C during
blocking calls. The timeouts are hang detectors, not speed assertions."""

import os
import signal
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HANG = 60  # seconds; far above anything these children need


def run_child(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_interpreter_exits_with_a_live_pusher():
    child = run_child(
        """
        import apnspush
        from conftest import note

        mock = apnspush.MockServer()
        pusher = apnspush.Pusher(**mock.config)
        ids = pusher.push_many([note(i) for i in range(5000)])
        print("pushed", len(ids), flush=True)
        # No close(), no ensure_delivery(): the interpreter must still exit on its own.
        """
    )
    out, err = child.communicate(timeout=HANG)
    assert child.returncode == 0, err
    assert out.strip() == "pushed 5000"


def test_interpreter_exits_with_threads_blocked_in_waits():
    child = run_child(
        """
        import threading
        import apnspush
        from conftest import note

        mock = apnspush.MockServer(error_delay=3600)
        pusher = apnspush.Pusher(
            **mock.config, outcome_reports="none", error_timeout_ms=3_600_000
        )
        pusher.push_async(note(1))
        for wait in (lambda: pusher.poll(None), lambda: pusher.ensure_delivery(None)):
            threading.Thread(target=wait, daemon=True).start()
        print("waiting", flush=True)
        """
    )
    out, err = child.communicate(timeout=HANG)
    assert child.returncode == 0, err
    assert out.strip() == "waiting"


def interrupt_child(call: str, options: str = "") -> tuple[str, str, int]:
    """Runs `call` (which would block for an hour) in a child, sends SIGINT once the child is
    in it, and returns the child's output and exit code."""
    child = run_child(
        f"""
        import signal
        import apnspush
        from conftest import note

        # A parent started in the background may pass SIGINT down as ignored; the test needs
        # Python's own handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)

        mock = apnspush.MockServer(error_delay=3600)
        pusher = apnspush.Pusher(**mock.config, error_timeout_ms=3_600_000{options})
        pusher.push_async(note(1))
        try:
            print("ready", flush=True)
            {call}
            print("returned", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        pusher.close(timeout=0.5)
        mock.stop()
        """
    )
    assert child.stdout.readline().strip() == "ready"
    # Give the child time to enter the wait, so the signal lands inside it (one that arrived
    # earlier would still be a KeyboardInterrupt, but this way the wait must notice it).
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=HANG)
    return out, err, child.returncode


def test_ctrl_c_interrupts_ensure_delivery():
    out, err, code = interrupt_child("pusher.ensure_delivery()")
    assert (out.strip(), code) == ("interrupted", 0), err


def test_ctrl_c_interrupts_poll():
    out, err, code = interrupt_child("pusher.poll(None); pusher.poll(None)")
    assert (out.strip(), code) == ("interrupted", 0), err


def test_ctrl_c_interrupts_ensure_push():
    out, err, code = interrupt_child("pusher.ensure_push(note(2))")
    assert (out.strip(), code) == ("interrupted", 0), err


def test_ctrl_c_interrupts_push_async_waiting_for_room():
    # One in flight that never settles, one queued: the next push_async waits for room.
    options = ", queue_capacity=1, max_in_flight=1"
    out, err, code = interrupt_child("[pusher.push_async(note(i)) for i in range(10)]", options)
    assert (out.strip(), code) == ("interrupted", 0), err


def test_ctrl_c_interrupts_push_many_waiting_for_room():
    options = ", queue_capacity=1, max_in_flight=1"
    out, err, code = interrupt_child("pusher.push_many([note(i) for i in range(10)])", options)
    assert (out.strip(), code) == ("interrupted", 0), err


def test_interpreter_exits_with_pending_futures_and_a_live_aio_pusher():
    child = run_child(
        """
        import asyncio
        import apnspush
        from conftest import note

        mock = apnspush.MockServer(protocol="http2", response_delay=3600)
        pusher = apnspush.Pusher(**mock.config, response_timeout_ms=3_600_000)
        futures = [pusher.submit(note(i)) for i in range(100)]  # the dispatcher thread waits

        async def main():
            aio_pusher = await apnspush.aio.Pusher.connect(**mock.config)
            return [aio_pusher.send(note(i)) for i in range(100)], aio_pusher

        loop = asyncio.new_event_loop()
        pending, aio_pusher = loop.run_until_complete(main())
        print("pending", sum(not f.done() for f in futures + pending), flush=True)
        # No close: the interpreter must still exit on its own.
        """
    )
    out, err = child.communicate(timeout=HANG)
    assert child.returncode == 0, err
    assert out.strip() == "pending 200"

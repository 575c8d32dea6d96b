"""The demo: start the built-in mock APNs server, push a batch with a few bad tokens through a
pusher, wait for every verdict, and print the outcomes that are not accepted and the stats.

Run: python examples/python/demo.py   (after `pip install ./bindings/python`)
"""

import json
import time
from collections import Counter

import apnspush

BATCH = 10_000
BAD = [17, 1_234, 4_321, 7_777, 9_999]


def token(i: int) -> bytes:
    return b"\x5a" * 24 + i.to_bytes(8, "big")


def main() -> None:
    # The mock answers the bad tokens with status 8 (invalid token), like Apple.
    with apnspush.MockServer(reject={token(i): 8 for i in BAD}) as mock:
        print(f"mock APNs gateway on {mock.host}:{mock.port}")
        with apnspush.Pusher(**mock.config, connections=2) as pusher:
            start = time.perf_counter()
            for i in range(BATCH):
                pusher.push_async(
                    apnspush.Notification(
                        token(i),
                        alert_title="apnspush demo",
                        alert_body=f"notification {i}",
                        badge=1,
                        user_data=i,
                    )
                )
            pusher.ensure_delivery(timeout=60)
            elapsed = time.perf_counter() - start

            kinds = Counter(o.kind for o in pusher.poll(0))
            print(f"pushed {BATCH} notifications ({len(BAD)} with bad tokens) in {elapsed:.2f}s")
            print(f"outcomes: {dict(kinds)}")
            for o in pusher.failed_notifications():
                print(f"  {o.kind} #{o.user_data:<5} token {o.token} status {o.status} ({o.reason})")
            print(f"mock recorded {mock.accepted_count()} accepted, {len(mock.rejected())} rejected")
            print(f"stats: {json.dumps(pusher.stats())}")


if __name__ == "__main__":
    main()

"""``python -m livechat_dev.embedded_mongo``: the embedded MongoDB wire-compatible server
(SecantusDB, a development dependency) for local runs and tests.

It is started like ``secantusd-py`` but with a short transaction lifetime: the suite's transactions
last milliseconds, and a transaction left open by a client killed with ``-9`` holds its documents
until the server reaps it. The same limit is set on MongoDB in docker-compose
(``transactionLifetimeLimitSeconds``).
"""

from __future__ import annotations

import argparse
import signal
import sys

TRANSACTION_LIFETIME_SECONDS = 10.0


def main() -> int:
    from secantus import SecantusDBServer

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--storage-path", required=True)
    parser.add_argument("--transaction-lifetime", type=float, default=TRANSACTION_LIFETIME_SECONDS)
    args = parser.parse_args()
    server = SecantusDBServer(
        host=args.host,
        port=args.port,
        storage_path=args.storage_path,
        transaction_lifetime_seconds=args.transaction_lifetime,
        enable_test_commands=False,
    )

    def stop(_signum: int, _frame: object) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server.start()
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Runs gear's Gearman server, gear.Server (Zuul v2's embedded server, `[gearman_server] start=true`),
on HOST:PORT until SIGTERM or SIGINT, for the integration tests (test/helpers/gearmand.ts with
JGS_TEST_GEARMAN_SERVER=gear; scripts/check-gear-server.sh). gear itself comes from PYTHONPATH: a
checkout of openstack-infra/gear, never copied into this repository.
"""
import argparse
import logging
import signal
import sys
import threading

import gear


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--verbose", action="store_true", help="gear's debug log on stderr")
    a = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.WARNING, stream=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server = gear.Server(port=a.port, host=a.host)
    print("gear.Server listening on %s:%d" % (a.host, server.port), flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Picks the benchmark's ports on the loopback addresses 127.0.0.2-9.

    ports.py            prints "FAST SLOW REFUSED"
    ports.py --refused PORT
                        exits 0 when a connect to PORT is refused on every
                        address (the check that the "refused" URLs really are)

FAST and SLOW = FAST+1 are the two nginx servers; REFUSED is a port where
nothing listens. All three are free on all eight addresses, chosen below the
kernel's ephemeral range so client sockets never collide with them. The
probe binds without SO_REUSEADDR, so a wildcard (0.0.0.0) listener on the
same port also counts as taken. There is a window between this probe and
nginx's bind; bench.sh fails cleanly if nginx cannot bind.
"""

import random
import socket
import sys

HOSTS = [f"127.0.0.{i}" for i in range(2, 10)]
LOW, HIGH = 20000, 32000  # below the default ephemeral range 32768-60999


def free_on_all(port):
    socks = []
    try:
        for host in HOSTS:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def refused_on_all(port):
    for host in HOSTS:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((host, port))
        except ConnectionRefusedError:
            continue
        except OSError:
            return False
        finally:
            s.close()
        return False  # something accepted the connection
    return True


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--refused":
        sys.exit(0 if refused_on_all(int(sys.argv[2])) else 1)
    rng = random.Random()
    for _ in range(200):
        fast = rng.randrange(LOW, HIGH - 2, 4)
        if all(free_on_all(p) for p in (fast, fast + 1, fast + 2)):
            print(fast, fast + 1, fast + 2)
            return
    sys.exit("ports.py: no free port triple found on 127.0.0.2-9")


if __name__ == "__main__":
    main()

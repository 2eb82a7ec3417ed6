"""Whether this machine reaches the internet, for projects that mark the tests needing it.

httpx declares `network: marks tests which require network connection. Used in 3rd-party build
environments that have network disabled.` Run here without a connection, those tests fail with
"Name or service not known", a verdict on this machine rather than on httpx. So where a project
declares such a marker and the internet is out of reach, its tests run as the project says to
run them without one (`-m "not network"`), and the reason counts the tests left out.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Mapping

# Marker names projects give the tests that need a connection.
NETWORK_MARKERS = frozenset({"network", "internet", "online", "requires_network", "requires_internet"})
PROBE = ("example.com", 443)  # IANA's reserved example domain: up wherever the internet is
PROBE_TIMEOUT_S = 3.0
FORCE = "CIMATURITY_NETWORK"  # "1": treat as online, "0": offline (tests, and machines that know)


def network_markers(declared: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in declared if name in NETWORK_MARKERS)


def internet_reachable(env: Mapping[str, str]) -> bool:
    forced = env.get(FORCE)
    if forced in ("0", "1"):
        return forced == "1"
    return _probe()


@functools.cache
def _probe() -> bool:
    """One TCP connection, once per process (resolving the name is most of the answer here)."""
    try:
        socket.create_connection(PROBE, timeout=PROBE_TIMEOUT_S).close()
    except OSError:
        return False
    return True

"""Who a process is to the others sharing its store: ``HOST:PID`` plus a token.

The token tells a restarted process (same host, same pid in a container) from its
predecessor; the node (host and pid namespace) says where a pid can be checked.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Identity:
    host: str
    pid: int
    token: str
    node: str

    @classmethod
    def of_this_process(cls) -> Identity:
        # $HOSTNAME first: a container's name as Docker sets it, and the replica's name
        # in ``mpsync status``; several on one machine then count as separate nodes.
        host = os.environ.get("HOSTNAME") or socket.gethostname() or "localhost"
        return cls(host, os.getpid(), secrets.token_hex(4), f"{host}|{_pid_namespace()}")

    @property
    def owner(self) -> str:
        """What rows and leases store as their holder: ``HOST:PID/TOKEN``."""
        return f"{self.host}:{self.pid}/{self.token}"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.pid}"


def label_of(owner: str | None) -> str:
    """``HOST:PID`` of a stored holder (the token is for matching, not for people)."""
    return (owner or "").rsplit("/", 1)[0] or "nobody"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    """Whether a process with *pid* runs on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")

"""VMC addresses as users type them: HOST:PORT targets to send to, and ports to listen on.
One parser for the CLI, the studio and the settings file, so they accept and refuse alike."""
from __future__ import annotations

from assets.errors import VividError
from capture.vmc.protocol import DEFAULT_PORT

MAX_PORT = 65535  # UDP ports are 16-bit; 0 would mean "any free port", useless to a sender


def is_port(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PORT


def parse_port(text: str) -> int:
    """A UDP port number in 1-65535."""
    text = text.strip()
    if not text.isdigit() or not is_port(int(text)):
        raise VividError(f"port {text!r} must be a number in 1-{MAX_PORT}, e.g. {DEFAULT_PORT}")
    return int(text)


def parse_target(text: str) -> tuple[str, int]:
    """HOST:PORT -> (host, port); an IPv6 host is written in brackets, e.g. [::1]:39539."""
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit():
        raise VividError(f"{text!r} must be HOST:PORT, e.g. 127.0.0.1:{DEFAULT_PORT}")
    if not is_port(int(port)):
        raise VividError(f"{text!r}: the port must be in 1-{MAX_PORT}, e.g. 127.0.0.1:{DEFAULT_PORT}")
    return host, int(port)

"""Can a staging URL be connected to at all? Checked before the first test, not once per test.

Scheme, host, port and credentials are judged from the text alone (no network),
so a typo in ``--ssot-staging-url`` is one configuration line, not a setup error
in every staging test.
"""

from __future__ import annotations

import re

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def staging_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be connected to (scheme, host, port), or None; so a typo is not a setup error per test."""
    from urllib.parse import urlsplit

    if any(c.isspace() for c in url) or not url.isprintable():
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port that is no number or out of range, a broken [IPv6] literal
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("ws", "wss"):
        return "is not a WebSocket URL (scheme must be ws or wss)"
    host = parts.hostname
    if not host:
        return "has no host"
    if port == 0:
        return "has port 0, which nothing listens on"
    if parts.username is not None or parts.password is not None:
        return "carries credentials; pass the token with --ssot-staging-token or SSOT_STAGING_TOKEN instead"
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        if "[" in parts.netloc:
            return f"has an invalid IPv6 host {host!r}"
        labels = host.rstrip(".").split(".")
        if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels) or \
                (labels[-1].isdigit() and len(labels) == 4):
            return f"has an invalid host name {host!r}"
    return None

"""Serving the app: where it listens, who may use it, and the launch itself.

`serve()` launches the Blocks that `assistant.ui.build_app` builds, on 127.0.0.1 by default,
never with a public share link, and refuses a non-loopback address without a password
unless told the network is trusted.
"""

from __future__ import annotations

import ipaddress
import os

from assistant.config import Settings
from assistant.errors import SettingsError


def check_host(host: str, auth: str | None, no_auth: bool) -> None:
    """Refuse to listen beyond this machine without a password, unless told explicitly."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not auth and not no_auth:
        raise SettingsError(
            f"refusing to listen on {host} without a password: set ASSISTANT_AUTH=user:password, "
            "or pass --no-auth if this network is trusted"
        )


def serve(assistant, settings: Settings, no_auth: bool = False) -> None:
    """Launch the app on settings.host:settings.port (loopback by default)."""
    auth_value = os.environ.get("ASSISTANT_AUTH")
    check_host(settings.host, auth_value, no_auth)
    auth = None
    if auth_value:
        if ":" not in auth_value:
            raise SettingsError("ASSISTANT_AUTH must look like user:password")
        auth = tuple(auth_value.split(":", 1))
    from assistant.ui import build_app, launch_options

    app = build_app(assistant)
    app.queue(default_concurrency_limit=8)
    app.launch(server_name=settings.host, server_port=settings.port, auth=auth, quiet=True, **launch_options())  # quiet: no "set share=True" hint; the CLI prints the address

"""Issue 14: without CHATAPP_SECRET the reference server warns loudly, and refuses any non-loopback address.

The development secret is public (it is in this repository), so a server
signing with it lets anyone mint an admin token. Nothing here binds a
non-loopback address: the refusals are checked before binding, on hosts that
could not be bound anyway (TEST-NET-1, a name) or through the check itself.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from backend_support import state_root
from backend_support.process import server_env, start_process

STATE = "consolidated"
WARNING = "public development secret"


def env_without_secret(**extra: str) -> dict[str, str]:
    env = server_env(STATE)
    env.pop("CHATAPP_SECRET", None)
    env.update(extra)
    return env


@pytest.mark.parametrize("secret", [None, "", "chatapp-development-secret-do-not-deploy"])
def test_a_loopback_server_without_a_secret_starts_and_warns_loudly(secret):
    env = env_without_secret() if secret is None else env_without_secret(CHATAPP_SECRET=secret)
    command = [sys.executable, "-m", "chatapp", "serve", "--host", "127.0.0.1", "--port", "0"]
    with start_process(command, name="no-secret", cwd=state_root(STATE), env=env) as server:
        assert server.url.startswith("ws://127.0.0.1:")
        assert WARNING in server.logs() and "CHATAPP_SECRET" in server.logs()


def test_a_server_with_its_own_secret_says_nothing_about_it():
    command = [sys.executable, "-m", "chatapp", "serve", "--host", "127.0.0.1", "--port", "0"]
    with start_process(command, name="secret", cwd=state_root(STATE), env=server_env(STATE)) as server:
        assert WARNING not in server.logs()


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_serving_off_loopback_without_a_secret_is_refused_in_one_line(host):
    done = subprocess.run([sys.executable, "-m", "chatapp", "serve", "--host", host, "--port", "0"],
                          cwd=state_root(STATE), env=env_without_secret(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "refusing to serve" in done.stderr and "CHATAPP_SECRET" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


CHECK = """
import sys
from chatapp.server import InsecureSecretError, check_secret
from chatapp.auth import DEV_SECRET
for host in sys.argv[1:]:
    for secret in (DEV_SECRET, ""):
        try:
            check_secret(secret, host)
        except InsecureSecretError:
            print(host, "refused")
            break
    else:
        check_secret("a-real-secret", host)  # never refused, never warned
        print(host, "allowed")
"""


def test_which_addresses_count_as_loopback():
    refused = ["0.0.0.0", "", "::", "10.0.0.1", "192.168.1.10", "example.com", "127.0.0.1.example.com",
               "::ffff:10.0.0.1", "[::]"]
    allowed = ["127.0.0.1", "127.5.5.5", "::1", "[::1]", "localhost"]
    done = subprocess.run([sys.executable, "-c", CHECK, *refused, *allowed], cwd=state_root(STATE),
                          env=env_without_secret(), capture_output=True, text=True, timeout=60, check=True)
    verdicts = dict(line.rsplit(" ", 1) if " " in line.strip() else ("", line.strip())
                    for line in done.stdout.splitlines())
    for host in refused:
        assert verdicts.get(host) == "refused", (host, done.stdout)
    for host in allowed:
        assert verdicts.get(host) == "allowed", (host, done.stdout)

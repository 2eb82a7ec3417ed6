"""with_server: the service starts on 127.0.0.1, the command sees its URL, the server stops."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cimaturity import proc

TINY_APP = """\
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    status = 200 if scope["path"] == "/health" else 404
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def _with_server(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "cimaturity.tools.with_server", *args]
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_command_sees_the_url_and_its_exit_code_is_kept(tmp_path: Path) -> None:
    (tmp_path / "tiny.py").write_text(TINY_APP)
    probe = (
        "import os, sys, urllib.request\n"
        "assert os.environ['SERVICE_URL'] == sys.argv[1]\n"
        "assert urllib.request.urlopen(sys.argv[1] + '/health').status == 200\n"
        "open('url.txt', 'w').write(sys.argv[1])\n"
        "sys.exit(7)\n"
    )
    done = _with_server(tmp_path, "--app", "tiny:app", "--", sys.executable, "-c", probe, "{url}")
    assert done.returncode == 7, done.stderr
    url = (tmp_path / "url.txt").read_text()
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/health", timeout=2)  # noqa: S310 - 127.0.0.1; stopped afterwards


def test_server_env_and_tmp_folder(tmp_path: Path) -> None:
    app = TINY_APP.replace('b"ok"', 'os.environ["GREETING"].encode()')
    (tmp_path / "tiny.py").write_text("import os\n" + app)
    probe = (
        "import sys, urllib.request\nprint(urllib.request.urlopen(sys.argv[1] + '/health').read().decode())\n"
    )
    done = _with_server(
        tmp_path,
        "--app",
        "tiny:app",
        "--env",
        "GREETING=in {tmp}",
        "--",
        sys.executable,
        "-c",
        probe,
        "{url}",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("in /")
    assert "cimaturity-service-" in done.stdout


def test_app_that_cannot_start_is_exit_2_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('no config')\n")
    done = _with_server(tmp_path, "--app", "broken:app", "--", sys.executable, "-c", "print('never')")
    assert done.returncode == 2
    assert "broken:app exited" in done.stderr and "no config" in done.stderr
    assert "never" not in done.stdout


def test_a_chatty_server_never_stalls(tmp_path: Path) -> None:
    """4 MB of server output (an access log under load) must not fill a pipe and hang it."""
    chatty = TINY_APP.replace(
        "    status = 200", '    import sys\n    sys.stdout.write("x" * 200_000 + "\\n")\n    status = 200'
    )
    (tmp_path / "chatty.py").write_text(chatty)
    probe = (
        "import sys, urllib.request\n"
        "for _ in range(20):\n"
        "    urllib.request.urlopen(sys.argv[1] + '/health', timeout=10)\n"
        "print('20 answered')\n"
    )
    done = _with_server(tmp_path, "--app", "chatty:app", "--", sys.executable, "-c", probe, "{url}")
    assert done.returncode == 0, done.stderr
    assert "20 answered" in done.stdout


def test_a_timeout_of_the_check_stops_the_server_too(tmp_path: Path) -> None:
    """The runner kills the check's process group on timeout: the server must be in it, not orphaned."""
    (tmp_path / "tiny.py").write_text(TINY_APP)
    hang = "import sys, time; open('url.txt', 'w').write(sys.argv[1]); time.sleep(120)"
    argv = [sys.executable, "-m", "cimaturity.tools.with_server", "--app", "tiny:app", "--"]
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PATH": str(Path(sys.executable).parent)}
    with pytest.raises(proc.CommandTimeoutError):
        proc.run([*argv, sys.executable, "-c", hang, "{url}"], cwd=tmp_path, env=env, timeout_s=15)
    port = int((tmp_path / "url.txt").read_text().rsplit(":", 1)[1])
    deadline = time.monotonic() + 10  # killed at once; the kernel may need a moment to close it
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.2)
    pytest.fail(f"the server on port {port} outlived the timeout")

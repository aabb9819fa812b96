"""README command 1: `berjasa serve --demo` serves on one port with workers, prints tokens, answers /me."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from tests.services import free_port, wait_for_port
from tests.workers.processes import ROOT


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def start_serve(tmp_path, *args: str, stdout=subprocess.PIPE) -> tuple[int, subprocess.Popen]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env["BERJASA_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.Popen([sys.executable, "-m", "workers.cli", "serve", *args, "--port", str(port)],
                               env=env, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True)
    return port, process


def test_serve_demo(tmp_path):
    port, process = start_serve(tmp_path, "--demo")
    try:
        wait_for_port(port, timeout=60)
        lines = [process.stdout.readline().split() for _ in range(6)]
        roles = {role: (username, token) for role, username, token, _password in lines}
        passwords = {username: password for _role, username, _token, password in lines}
        assert len(set(passwords.values())) == 6 and all(len(p) >= 10 for p in passwords.values())
        assert set(roles) == {"caseworker", "supervisor", "bpjs_officer", "hospital_staff", "admin"}
        status, body = get(f"http://127.0.0.1:{port}/api/v1/me", roles["caseworker"][1])
        assert status == 200 and json.loads(body)["role"] == "caseworker"
        status, page = get(f"http://127.0.0.1:{port}/api/docs")
        assert status == 200 and b"swagger-ui" in page
        assert json.loads(get(f"http://127.0.0.1:{port}/readyz")[1])["mode"] == "embedded"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Berjasa listening on http://127.0.0.1:" in err and "Berjasa stopped" in err
    assert roles["caseworker"][1] not in err  # tokens go to stdout only, never into the log
    assert passwords["demo-caseworker"] not in err


def test_serve_stops_on_sigterm_under_load(tmp_path):
    """SIGTERM while connections are being accepted still stops the server (it once got swallowed)."""
    port, process = start_serve(tmp_path, stdout=subprocess.DEVNULL)
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                pass

    try:
        wait_for_port(port, timeout=60)
        clients = [threading.Thread(target=hammer) for _ in range(4)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        stop.set()
        process.kill()
    assert process.returncode == 0, err
    assert "Berjasa stopped" in err and "Traceback" not in err


def test_worker_and_scheduler_need_a_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env["BERJASA_INSTANCE_PATH"] = str(tmp_path)
    for command in ("worker", "scheduler"):
        result = subprocess.run([sys.executable, "-m", "workers.cli", command], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert "BERJASA_BROKER_URL is not set" in result.stderr

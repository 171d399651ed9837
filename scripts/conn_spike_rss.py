#!/usr/bin/env python3
"""Memory after a connection spike (issue 11 item 7c), bounded: starts
`tgate sandbox` on free ports, reads its RSS, opens N keep-alive connections
that each get one /healthz answer, reads the RSS at the peak, closes them and
reads it again after 5, 15 and 30 s. Prints one line per reading.

  scripts/conn_spike_rss.py [build/tgate] [N=10000]

MALLOC_CONF in the environment overrides tgate's jemalloc options, e.g.
MALLOC_CONF=background_thread:false,dirty_decay_ms:10000,muzzy_decay_ms:10000
gives jemalloc's defaults (tgate before this change) for comparison.
"""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/tgate"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGATE_")}
        env["TGATE_MAX_CONNECTIONS"] = str(n + 100)
        env["TGATE_LOG_LEVEL"] = "warn"
        proc = subprocess.Popen(
            [binary, "sandbox", "--listen", "127.0.0.1:0", "--emulator-port", str(free_port()),
             "--db", os.path.join(tmp, "sandbox.db")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        try:
            port = None
            deadline = time.time() + 20
            while port is None and time.time() < deadline:
                line = proc.stdout.readline()
                if line.startswith("tgate listening on 127.0.0.1:"):
                    port = int(line.rsplit(":", 1)[1])
            if port is None:
                sys.exit("tgate did not start")
            time.sleep(2)
            print(f"before:        {rss_mb(proc.pid):6.1f} MB")
            conns = []
            req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            for _ in range(n):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(req)
                conns.append(s)
            for s in conns:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            print(f"peak ({n} open): {rss_mb(proc.pid):6.1f} MB")
            for s in conns:
                s.close()
            start = time.time()
            for after in (5, 15, 30):
                time.sleep(max(0, start + after - time.time()))
                print(f"{after:2d} s after close: {rss_mb(proc.pid):6.1f} MB")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()

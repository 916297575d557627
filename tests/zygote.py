"""`python -m crawler …` for the tests without importing Scrapy, Twisted, lxml and the package again
in every process: one process per test worker imports them once, and each command is a process
forked from it (as `multiprocessing`'s forkserver starts its processes), with its own arguments,
environment, working directory, stdout and stderr, run as `python -m crawler` runs it
(`runpy`, `__main__`, the interpreter's exit handlers), its exit code sent back.

A crawl process costs about 1.5 s of CPU, two thirds of it the imports; the suite starts some
three hundred. Every command the tests run through ``conftest.run_crawler`` goes this way unless
``CRAWLER_TESTS_COLD=1`` is set; the scheduler and the workers fork their crawls from a fork
server of their own (crawler/crawl/starter.py), and the docs' own commands start cold, as a
user's do.

Protocol, one connection per command: the caller sends one JSON line (argv, env, cwd, stdout and
stderr file paths); the zygote answers ``pid N`` at once, and the forked process ``exit N`` when it
ends. A connection closed without ``exit`` is a process killed by a signal.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import sys

from crawler.crawl.starter import PRELOAD  # what every crawl imports: loaded here once


def _child(request: dict, conn: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # its own subprocesses are waited for
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.argv = ["-m", *request["argv"]]
        import runpy

        try:
            runpy.run_module("crawler", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        import atexit

        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            conn.sendall(f"exit {code}\n".encode())
        finally:
            os._exit(code)


def serve(path: str) -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    assert "twisted.internet.reactor" not in sys.modules, "a reactor would be installed already"
    import threading

    assert threading.active_count() == 1, "a thread would not be in the forked processes"
    gc.collect()
    gc.freeze()  # the forked processes share these pages rather than copy them as gc walks them
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the forked processes are reaped by the kernel
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.settimeout(1.0)
    parent = os.getppid()
    print("ready", flush=True)
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if os.getppid() != parent:  # the test worker is gone: so is its zygote
                return
            continue
        conn.settimeout(None)
        try:
            line = b""
            while not line.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                line += chunk
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                server.close()
                _child(request, conn)
            conn.sendall(f"pid {pid}\n".encode())
        except Exception as exc:  # a bad request: the caller runs the command cold
            print(f"zygote: {exc!r}", file=sys.stderr, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])

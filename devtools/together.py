"""Run several commands as one (`make run`: the development server and the task worker).

    python -m devtools.together "manage.py runserver" "manage.py db_worker"

Each command runs in its own process; their output goes to this terminal. Ctrl+C (or SIGTERM)
stops them all; if one stops by itself, the others are stopped too and its exit status is ours,
so a development server that cannot start (its port taken) does not leave a worker behind.
"""

import shlex
import signal
import subprocess
import sys
import time


def run_together(commands: list[str], poll_seconds: float = 0.2) -> int:
    processes = [subprocess.Popen(shlex.split(command)) for command in commands]
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    previous = {
        signum: signal.signal(signum, stop)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        status = 0
        while not stopping:
            finished = [p for p in processes if p.poll() is not None]
            if finished:
                status = finished[0].returncode
                break
            time.sleep(poll_seconds)
        for process in processes:
            if process.poll() is None:
                # Ctrl+C in a terminal already reached every process of the group; SIGTERM
                # reaches those started otherwise (a process manager, a test).
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return status
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(run_together(sys.argv[1:]))

"""Runs a command with its standard error on a pseudo-terminal and its standard output on a pipe,
as a user's terminal would show the CLI's progress line.

    python pty_run.py SPEC_JSON

SPEC: {"command": [...], "cwd": ..., "columns": N, "release": FILE or null, "waitFor": REGEX or
null, "timeoutSeconds": N}.  When the terminal's output first matches waitFor, the file release
is created (a test program waits for it: the test then knows the line was on the terminal while
the capture ran).  Prints one JSON line: the exit status, standard output and everything written
to the terminal (latin-1, so bytes survive), and whether waitFor was seen.  The terminal does not
translate newlines (no OPOST): what is read is exactly what was written.
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
attributes = termios.tcgetattr(slave)
attributes[1] &= ~termios.OPOST
termios.tcsetattr(slave, termios.TCSANOW, attributes)
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, spec.get("columns", 120), 0, 0))
child = subprocess.Popen(spec["command"], cwd=spec.get("cwd"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave)
os.close(slave)
terminal = b""
stdout = b""
seen = False
deadline = time.monotonic() + spec.get("timeoutSeconds", 300)
open_streams = {master: "terminal", child.stdout.fileno(): "stdout"}
while open_streams and time.monotonic() < deadline:
    ready, _, _ = select.select(list(open_streams), [], [], 0.05)
    for fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            data = b""
        if not data:
            del open_streams[fd]
        elif open_streams[fd] == "terminal":
            terminal += data
        else:
            stdout += data
    if not seen and spec.get("waitFor") and re.search(spec["waitFor"].encode(), terminal):
        seen = True
        if spec.get("release"):
            open(spec["release"], "w").close()
if open_streams:
    child.kill()
status = child.wait()
print(json.dumps({"status": status, "stdout": stdout.decode("latin-1"), "terminal": terminal.decode("latin-1"),
                  "seen": seen, "timedOut": bool(open_streams)}))

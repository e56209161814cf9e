"""A program whose audit hook refuses some events (a sandbox policy): argument 1 is the prefix of
the refused event names, e.g. "ctypes" or "ctypes.PyObj_FromPtr"."""
import sys

REFUSED = sys.argv[1]


def policy(event, args):
    if event.startswith(REFUSED):
        raise RuntimeError("refused by the program's policy: " + event)


class Connection:
    def __init__(self):
        self.me = self


sys.addaudithook(policy)
Connection()


def work():
    local = Connection()
    return local  # CAPTURE


work()

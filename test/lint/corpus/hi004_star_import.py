"""HI004 with a star import: unknown names may be module globals."""
from helpers import *  # noqa: F403


class Handle:
    def __init__(self, h):
        self.h = h

    def __del__(self):
        close_handle(self.h)  # expect: HI004


class Local:
    def __init__(self, h):
        self.h = h

    def __del__(self):
        handle = self.h  # ok: HI004
        print(handle)

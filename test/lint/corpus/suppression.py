"""Suppression comments: on the line, or on a def/class header for the whole body."""
import os
import shutil
import weakref


def register(cls):
    return cls


class SocketOwner:
    def __init__(self, sock):
        self._sock = sock

    def __del__(self):
        self._sock.close()  # heap-inspector: ignore[HI001]  # ok: HI001


class PathOwner:
    def __init__(self, path):
        self.path = path

    def __del__(self):  # heap-inspector: ignore[HI001,HI004]
        os.remove(self.path)  # ok: HI001, HI004


class Finalized:
    def __init__(self):
        weakref.finalize(self, self.cleanup)  # heap-inspector: ignore  # ok: HI007

    def cleanup(self):
        print("cleanup")


class Closeable:  # heap-inspector: ignore[HI010]  # ok: HI010
    def close(self):
        pass


class Silenced:  # heap-inspector: ignore
    def __init__(self, path):
        self.path = path

    def __del__(self):
        shutil.rmtree(self.path)  # ok: HI001, HI004


class PartlySilenced:
    def __init__(self, path):
        self.path = path

    def __del__(self):  # heap-inspector: ignore[HI004]
        os.remove(self.path)  # expect: HI001  # ok: HI004


@register  # heap-inspector: ignore[hi008]
class Decorated:
    def __init__(self):
        self.me = self  # ok: HI008


class WrongCode:
    def __init__(self):
        self.me = self  # heap-inspector: ignore[HI001]  # expect: HI008

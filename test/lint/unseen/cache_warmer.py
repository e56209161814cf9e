"""Preloads lookup tables at startup."""
import gc
import json
import os

TABLES = {}


def warm(directory):
    gc.disable()  # expect: HI011
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(directory, name)) as fh:
            TABLES[name[:-5]] = json.load(fh)
    gc.enable()


def warm_generator(directory):
    gc.disable()  # ok: HI011
    try:
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name)) as fh:
                yield name, json.load(fh)
    finally:
        gc.enable()


def warm_if_present(directory):
    if not os.path.isdir(directory):
        return 0
    gc.disable()  # ok: HI011
    try:
        count = 0
        for name in os.listdir(directory):
            count += 1
            TABLES.setdefault(name, None)
        return count
    finally:
        gc.enable()
        gc.collect()


class Loader:
    def __init__(self, directory):
        self.directory = directory
        self.error = None

    def load(self):
        try:
            warm(self.directory)
        except (OSError, ValueError) as e:
            self.error = e  # expect: HI009
            return False
        return True

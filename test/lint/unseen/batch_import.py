"""Bulk import of CSV rows: the collector is paused while millions of tuples are created."""
import csv
import gc


def parse_rows(path):
    gc.disable()  # expect: HI011
    rows = []
    with open(path, newline="") as fh:
        for record in csv.reader(fh):
            rows.append(tuple(record))
    gc.enable()
    return rows


def parse_rows_safely(path):
    gc.disable()  # ok: HI011
    try:
        with open(path, newline="") as fh:
            return [tuple(r) for r in csv.reader(fh)]
    finally:
        gc.enable()


def parse_with_limit(path, limit):
    gc.disable()  # expect: HI011
    rows = []
    with open(path, newline="") as fh:
        for record in csv.reader(fh):
            if len(rows) >= limit:
                return rows
            rows.append(record)
    gc.enable()
    return rows


def parse_preserving_state(path):
    was_enabled = gc.isenabled()
    gc.disable()  # ok: HI011
    try:
        with open(path, newline="") as fh:
            return list(csv.reader(fh))
    finally:
        if was_enabled:
            gc.enable()


class PausedCollector:
    def __enter__(self):
        self._was = gc.isenabled()
        gc.disable()  # ok: HI011
        return self

    def __exit__(self, *exc):
        if self._was:
            gc.enable()


def import_all(paths):
    with PausedCollector():
        return [parse_rows_safely(p) for p in paths]

"""The capture line is in an imported module: pkg_helper/builder.py, in churn().

The scenario imports pkg_helper.builder (the oracle compiles that one file with the rewritten line
through a sys.meta_path finder) and calls churn(FINALIZED), which builds a Widget tree (a root with
two children pointing back at it) and drops it before the capture line.

Expected (generation 2): collected {"builtins.list": 3, "pkg_helper.builder.Widget": 3}: three
Widgets and their three `children` lists (tracked even when empty); three finalizers; FINALIZED
gains "widget root", "widget left" and "widget right".
"""
import gc

from pkg_helper import builder

FINALIZED = []

gc.collect()  # start from a heap without import-time garbage

builder.churn(FINALIZED)
print("finalized:", sorted(FINALIZED))

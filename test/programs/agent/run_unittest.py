"""Runs one unittest test, named module.Class.method, as ``python -m unittest NAME`` would."""
import sys
import unittest

unittest.main(module=None, argv=["python -m unittest", sys.argv[1]])

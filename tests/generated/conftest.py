"""The generated module (test_earl_generated.py) checks the implementation EARL_DETERMINE names.
In earl's own suite it checks earl's reference evaluator (earl_reference.py): the stored
expectations run as ordinary tests, and the module itself is exercised as a user would run it."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("EARL_DETERMINE", "earl_reference:determine")

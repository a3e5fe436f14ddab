"""Verification of a spec: every property under every reading, the built-in analyses, the
examples and the stored counterexamples.

- run.py              `verify(spec, ...)`: the run (one Model per reading, readings in forked
                      processes), `check_property`
- primitives.py       `Primitives`: the seam to the provers and the reference evaluator
- analyses/           one module per analysis; `ANALYSES` is the one tuple of them
- counterexamples.py  the counterexample files: replayed, judged stale, written
- results.py          what a run answers (`VerifyResult`, `PropertyResult`, `StoredResult`)

How a result is shown (text, JSON, JUnit, annotations) is earl.present's business.
"""

"""earl's benchmarks: `python -m bench [--quick] [determinations|latency|verify|scaling|generate ...]`.

Benchmarks, not timed tests: nothing here asserts a time. Every figure that compares two things
is a ratio measured side by side in the same run, and every time is a median over repeats
(the machine is shared and noisy). Results: a table on stdout and bench/results/latest.json.
"""

"""The benchmarks: each starts a sandbox of its own on 127.0.0.1 and prints its figures.

Run the six that have goals with ``python -m benchmarks`` (see ``__main__``),
or one alone with ``python benchmarks/NAME.py``. None is a timed unit test.
"""

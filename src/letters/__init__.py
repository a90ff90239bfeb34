"""letters: solidarity letters, appeals and print products for political prisoners.

The pipeline, one module a stage: load -> select -> compose -> render -> record,
driven by `build` (the Python API) and exposed by `cli` (a thin Click layer).
"""

__version__ = "0.1.0"

"""The pipeline: from a loaded campaign to files on disk.

plan (who gets what) -> compose (HTML) -> lint (the gate) -> render (PDF)
-> outputs (PDF, PNG) -> manifest; `engine` drives it in chunks on a pool,
`cache` decides what is reused, `bundles` merges documents for printing.
"""

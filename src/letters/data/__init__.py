"""The data layer: what a campaign folder holds, read and validated into typed models.

models (the format), load (YAML with lines), spreadsheet (import and export),
messages (the writers' own words), phrasebook (ready sentences), address
(the lines a person's mail carries).
"""

"""The lowest layer: errors and diagnostics, files, the template library and fonts.

Nothing here knows about prisoners, products or rendering; every other layer builds on it.
"""

"""Products: what the tool can make (the registry, as data) and where things go on paper.

The registry (`registry.py`) reads templates/products/*.yaml, and a campaign's
own templates/products/*.yaml beside them. Geometry is computed here, in
Python, from published dimensions: paper, postcards, envelopes and the window,
label sheets, and fitting an address into its box.
"""

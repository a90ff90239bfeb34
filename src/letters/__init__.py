"""letters: solidarity letters, appeals and print products for political prisoners.

Layers, each a folder, lower ones never importing upper ones (checked by
import-linter in `make test`):

    core/       errors and diagnostics, files, the template library, fonts
    products/   the product registry (data) and paper geometry
    data/       models, loading, spreadsheets, messages, the phrasebook
    pipeline/   plan -> compose -> lint -> render -> outputs, the engine, cache, bundles
    organize/   packs, the ledger, the letter bank, birthdays
    api.py      what the faces call; cli.py is the command line
"""

__version__ = "0.1.0"

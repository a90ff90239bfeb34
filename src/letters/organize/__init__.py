"""The organizer's tools: event packs, the ledger of letters, the letter bank, birthdays.

They build on the pipeline (packs render through the engine) and never the other way round.
"""

"""Rasa components of this project (tokenizer, entity extractor, handoff policy).

Importing the package also installs the small Rasa fixes in ``components.rasa_patches``: Rasa
imports this package in every process that loads our model.
"""
from components import rasa_patches

rasa_patches.apply()

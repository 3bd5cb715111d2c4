"""The pure model core of LossStudio (standard library only).

Blocks, activations and losses with their ranges and domains, the graph model with
its events and typed errors, shape inference, the validator, undoable edits and the
project model. Nothing here imports Qt, torch or numpy.
"""

"""The training engine of LossStudio (torch, never Qt)."""

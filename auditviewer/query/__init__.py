"""The search language: text → parameterised SQL over the store's entries, nothing else."""

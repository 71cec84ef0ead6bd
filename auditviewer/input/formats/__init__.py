"""Entry-file formats: each yields Arrow batches of (seq, leaf) from a byte stream."""

"""Realistic signed sample bundles and the demo bundle the viewer opens with no input."""

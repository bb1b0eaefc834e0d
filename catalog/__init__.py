"""Tracks and the sources that recommend them; knows nothing of faces or models."""

"""Helpers shared by test modules (builders of hand-made export rows, hostile files, view selections)."""

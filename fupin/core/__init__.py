"""Shared vocabulary: reference data (counties, townships, villages, lists and settings under
data/reference), Chinese labels and number formats, months, boundaries. Imports no other fupin package."""

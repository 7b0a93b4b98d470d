"""Poaching-risk models: training table, estimators, validation and outputs."""

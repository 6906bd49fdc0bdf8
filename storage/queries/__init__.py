"""Queries, one module per topic; flows call these instead of writing SQL."""

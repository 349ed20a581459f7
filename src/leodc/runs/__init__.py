"""Runs: the whole pipeline for one scenario, kept in a DuckDB catalog with Parquet results."""

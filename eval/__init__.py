"""Evaluation harness: ROUGE, entity-level factual consistency, model benchmarking."""

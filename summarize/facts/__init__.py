"""Entities and whether sources support them: the factual guard's layer.

Below both the pipeline (``summarize.fuse`` drops or flags summary sentences
naming entities the sources lack) and the evaluation (``eval.factual``'s
corpus metrics), so neither depends on the other.

- ``entities``: ``extract_entities`` and its backends (rules, spaCy, transformers);
- ``ner_rules`` and ``lexicon``: the built-in rule-based extractor and its word lists;
- ``support``: lenient matching, ``check_summary`` / ``check_sentences``.
"""

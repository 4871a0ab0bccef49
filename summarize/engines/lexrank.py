"""sumy's LexRank as a comparison engine, fed by the project's sentence splitter.

LexRank (Erkan and Radev 2004) is the classic centrality baseline: sentences
are nodes, edges join sentences whose idf-modified cosine passes a threshold,
and a sentence's score is its stationary probability (power method). This
engine exists so ``bench`` can run it beside ``extractive`` on the same input.

sumy's own ``Tokenizer`` needs NLTK's punkt data, which cannot be downloaded
here, so we never call it: sentences come already split (the pipeline's
``Chunk``), and sumy's document model is built by hand with a word tokenizer
that needs no data (NLTK's Treebank-style word tokenizer, which is what
``nltk.word_tokenize`` runs once punkt has split sentences, filtered with
sumy's own word pattern). Stemming is sumy's English stemmer (NLTK Snowball,
pure code, no data) and stop words are sumy's English list.

Budget rule (same as ``extractive``): sentences are taken in LexRank order,
skipping any that would push the summary past ``max_words`` words (counted by
whitespace); the chosen ones are printed in input order, as sumy does. When not
even one sentence fits, the single best-ranked sentence is returned whole
rather than an empty summary or a cut sentence.

What the reader knows (a chunk's ``known`` sentences, for an update summary):
each sentence's LexRank score is multiplied by the share of its content
bigrams the reader has not seen (``summarize.updates.KnownContent``) before
ranking, so a sentence is worth the part of it that is new.
"""

from __future__ import annotations

import re

from nltk.tokenize import NLTKWordTokenizer
from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer as _SumyLexRank
from sumy.utils import get_stop_words

from summarize.engines.base import SentenceSelector
from summarize.models import Chunk
from summarize.sentences import word_count
from summarize.updates import KnownContent

# sumy.nlp.tokenizers.Tokenizer keeps only tokens matching this pattern.
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$", re.UNICODE)


class _WordTokenizer:
    """The ``to_words`` half of sumy's Tokenizer, without punkt."""

    def __init__(self) -> None:
        self._tokenizer = NLTKWordTokenizer()

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(w for w in self._tokenizer.tokenize(sentence) if _WORD.match(w))


class LexRankSummarizer(SentenceSelector):
    """sumy LexRank (stemmed, English stop words) behind the engine interface."""

    name = "lexrank"
    model = None
    max_input_tokens = None

    def __init__(self, language: str = "english") -> None:
        self._tokenizer = _WordTokenizer()
        self._lexrank = _SumyLexRank(Stemmer(language))
        self._lexrank.stop_words = get_stop_words(language)

    def select(self, chunk: Chunk, max_words: int) -> list[str]:
        """LexRank's best sentences of ``chunk`` within ``max_words``, in input order."""
        # sumy's sentences hash by text, so an exact repeat would collapse into
        # one node anyway; dropping repeats first keeps ratings consistent.
        seen: set[str] = set()
        sentences = []
        for s in chunk.sentences:
            text = s.text.strip()
            if text and text not in seen:
                seen.add(text)
                sentences.append(SumySentence(text, self._tokenizer))
        if not sentences:
            return []
        document = ObjectDocumentModel([Paragraph(sentences)])
        known = KnownContent(chunk.known) if chunk.known else None

        def within_budget(ranked):  # sumy's ItemsCount protocol: ranked infos -> kept infos
            if known is not None:  # a sentence is worth the share of it the reader does not know yet
                ranked = sorted(ranked, key=lambda info: -info.rating * (1 - known.known_share(str(info.sentence))))
            kept, used = [], 0
            for info in ranked:
                n = word_count(str(info.sentence))
                if used + n <= max_words:
                    kept.append(info)
                    used += n
            return kept or ranked[:1]

        # sumy returns the kept sentences in document order.
        return [str(s) for s in self._lexrank(document, within_budget)]

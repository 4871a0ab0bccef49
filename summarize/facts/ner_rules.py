"""A rule-based named-entity extractor that needs no model and no downloads.

How it decides, in order:

1. Numbers, money, percentages and dates are found first from token shapes
   ("$3.5 million", "12.5%", "Oct. 14, 1998", "1996-08-30", "four tonnes").
2. Names are runs of capitalised words ("Phil Simmons"), acronyms ("NATO",
   "U.S."), joined across name particles ("Charles de Gaulle"), "&"
   ("Procter & Gamble") and "of" after a head noun that takes it ("Bank of
   England"). Titles are cut off and mark the rest as a person ("President Bill
   Clinton" -> "Bill Clinton"); calendar words and "I" are never names.
3. Capitalisation says nothing at the start of a sentence, so a sentence-initial
   word is dropped when it is a function word, or when the same text uses it in
   lower case and never capitalised mid-sentence (document-level evidence).
4. In all-caps text (headlines) capitalisation says nothing at all: a word there
   is a name only when the rest of the text capitalises it mid-sentence. A
   capitalised word opening a line and followed by a date or an agency tag is a
   dateline place ("LONDON 1996-08-30").
5. Types come from cues: a title -> PERSON; an organisation head noun or an
   acronym -> ORG; a place head noun -> LOC; a nationality suffix -> OTHER; a
   place preposition ("in", "from") or a dateline -> GPE; a later single-word
   mention takes the type of the longer name it repeats ("Simmons"); other
   multi-word names -> PERSON, single words -> ORG.

The rules are general; the word lists in ``summarize.facts.lexicon`` are ordinary English
vocabulary, not lists of entities.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from summarize.facts import lexicon as lx
from summarize.facts.entities import Entity
from summarize.sentences import split_sentences

_TOKEN = re.compile(
    r"""
    (?P<abbr>(?:[^\W\d_]\.){2,}(?:[^\W\d_](?![\w.]))?)     # U.S.  U.N.  A.G.
  | (?P<letter>[^\W\d_a-z]\.(?=[ \t]+[^\W\d_a-z]))          # the "S." of "S. Waugh"
  | (?P<poss>['’][sS]\b)                                   # possessive 's
  | (?P<num>\d+(?:[.,:/-]\d+)*(?:st|nd|rd|th|s)?(?![\w]))  # 1,000  3.5  1996-08-30  21st  1990s
  | (?P<word>[^\W\d_][\w]*(?:[-'’&.][\w]+)*)               # al-Aqsa  O'Neill  AT&T  Under-21
  | (?P<alnum>\d+[^\W\d_][\w-]*)                           # 4x4  3D  2nd-half
  | (?P<punct>\S)
    """,
    re.VERBOSE,
)
# After an opening quote or a colon a new sentence starts, capitalised.
_RESTARTS = frozenset({'"', "“", "‘", "'", ":"})


_WORD_KINDS = frozenset(("word", "abbr", "letter"))


class _Token:
    """One token of the text: its character span, text and kind (abbr, letter,
    poss, num, word, alnum, punct), and where it stands.

    A plain class with slots, ``lower`` and ``is_word`` computed once: extraction
    reads them hundreds of thousands of times on a large input.
    """

    __slots__ = ("start", "end", "text", "kind", "initial", "shout", "lower", "is_word")

    def __init__(self, start: int, end: int, text: str, kind: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.kind = kind
        self.initial = False  # capitalisation here says nothing (sentence start)
        self.shout = False  # inside an all-caps sentence
        self.lower = text.lower()
        self.is_word = kind in _WORD_KINDS

    @property
    def capitalised(self) -> bool:
        return self.is_word and self.text[0].isupper()

    @property
    def all_caps(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and all(c.isupper() for c in letters)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        word = m.group()
        start, end = m.span()
        # "Germany's" is one word match: split the possessive off.
        if kind == "word" and len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":
            append(_Token(start, end - 2, word[:-2], kind))
            append(_Token(end - 2, end, word[-2:], "poss"))
            continue
        # "Mr." "Gen." "St.": keep the period of a known abbreviation with its word
        if kind == "punct" and word == "." and tokens and tokens[-1].end == start:
            prev = tokens[-1]
            if prev.kind == "word" and prev.lower in lx.ABBREVIATIONS:
                tokens[-1] = _Token(prev.start, end, prev.text + ".", "word")
                continue
        append(_Token(start, end, word, kind))
    return tokens


def _sentence_starts(text: str) -> set[int]:
    """Character offsets where a sentence starts (the offline splitter's view)."""
    starts: set[int] = set()
    position = 0
    for sentence in split_sentences(text):
        found = text.find(sentence, position)
        if found < 0:  # the splitter normalised something; fall back to a prefix
            found = text.find(sentence[:20], position)
        if found < 0:
            continue
        starts.add(found)
        position = found + len(sentence)
    return starts


def _mark_positions(text: str, tokens: list[_Token]) -> list[list[int]]:
    """Set ``initial`` and ``shout`` on tokens; return token indices per sentence."""
    starts = _sentence_starts(text)
    sentences: list[list[int]] = []
    for i, tok in enumerate(tokens):
        if tok.start in starts or not sentences:
            sentences.append([])
        sentences[-1].append(i)
    for sentence in sentences:
        words = [tokens[i] for i in sentence if tokens[i].is_word]
        letters = "".join(filter(str.isalpha, "".join(t.text for t in words)))
        shout = len(words) >= 2 and letters.isupper()
        seen_word = False
        previous: _Token | None = None
        for i in sentence:
            tok = tokens[i]
            tok.shout = shout
            if tok.is_word or tok.kind in ("num", "alnum"):
                if not seen_word or (previous is not None and previous.text in _RESTARTS):
                    tok.initial = True
                seen_word = True
            previous = tok
    return sentences


# --- numbers, money, percentages, dates ---------------------------------------

_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)s?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}/\d{1,2}/\d{2,4}$")
_DAY_NUM = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")


def _is_number_token(tok: _Token) -> bool:
    return (tok.kind == "num" and not _ISO_DATE.match(tok.text)) or tok.lower in lx.NUMBER_WORDS


def _month(tok: _Token) -> bool:
    base = tok.lower.rstrip(".")
    return tok.is_word and base in lx.MONTHS and tok.text[0].isupper()


def _numeric_entities(tokens: list[_Token]) -> list[tuple[int, int, str]]:
    """Token ranges ``[i, j)`` with DATE/MONEY/PERCENT/NUMBER labels."""
    found: list[tuple[int, int, str]] = []
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None

        # Dates: "Oct. 14, 1998", "14 October 1998", "October 1998", "1996-08-30", "Friday".
        if _month(tok):
            j = i + 1
            if j < n and _DAY_NUM.match(tokens[j].text):
                j += 1
                if j + 1 < n and tokens[j].text == "," and _YEAR.match(tokens[j + 1].text):
                    j += 2
            if j < n and _YEAR.match(tokens[j].text):
                j += 1
            ambiguous = tok.lower.rstrip(".") in lx.AMBIGUOUS_MONTHS
            preceded = i > 0 and (
                _DAY_NUM.match(tokens[i - 1].text) or (tokens[i - 1].lower in lx.TEMPORAL_PREPOSITIONS and not tok.initial)
            )
            if j > i + 1 or not ambiguous or preceded:
                found.append((i, j, "DATE"))
                i = j
                continue
        if tok.kind == "num" and _DAY_NUM.match(tok.text) and nxt is not None and _month(nxt):
            j = i + 2
            if j < n and _YEAR.match(tokens[j].text):
                j += 1
            found.append((i, j, "DATE"))
            i = j
            continue
        if tok.is_word and tok.lower in lx.DAYS:
            found.append((i, i + 1, "DATE"))
            i += 1
            continue
        if tok.kind == "num" and (_ISO_DATE.match(tok.text) or _YEAR.match(tok.text)):
            unit_after = nxt is not None and (nxt.lower in lx.UNITS or nxt.text == "%" or nxt.lower in lx.PERCENT_WORDS)
            money_before = i > 0 and tokens[i - 1].text in lx.CURRENCY_SYMBOLS
            if _ISO_DATE.match(tok.text) or not (unit_after or money_before):
                found.append((i, i + 1, "DATE"))
                i += 1
                continue

        # Money: "$3.5 million", "US$ 40", "£5bn", "40 million dollars", "EUR 12".
        currency_prefix = tok.text in lx.CURRENCY_SYMBOLS or tok.lower in lx.CURRENCY_CODES
        if currency_prefix and nxt is not None and _is_number_token(nxt):
            j = i + 2
            while j < n and (tokens[j].lower in lx.SCALE_WORDS or tokens[j].lower in ("m", "b", "k")):
                j += 1
            found.append((i, j, "MONEY"))
            i = j
            continue

        if _is_number_token(tok):
            j = i + 1
            # spelled-out compounds and scales: "two million", "3.5 billion", "twenty-five"
            while j < n and (tokens[j].lower in lx.SCALE_WORDS or (tokens[j].lower in lx.NUMBER_WORDS and tok.kind != "num")):
                j += 1
            after = tokens[j] if j < n else None
            if after is not None and (after.text == "%" or after.lower in lx.PERCENT_WORDS):
                found.append((i, j + 1, "PERCENT"))
                i = j + 1
                continue
            if after is not None and after.lower == "per" and j + 1 < n and tokens[j + 1].lower == "cent":
                found.append((i, j + 2, "PERCENT"))
                i = j + 2
                continue
            if after is not None and after.lower in lx.CURRENCY_WORDS:
                found.append((i, j + 1, "MONEY"))
                i = j + 1
                continue
            if after is not None and after.lower in lx.UNITS and after.is_word:
                j += 1
            # "one" alone is usually a pronoun ("one of the"), not a quantity
            if not (tok.lower == "one" and j == i + 1):
                found.append((i, j, "NUMBER"))
            i = j
            continue
        i += 1
    return found


# --- names -----------------------------------------------------------------------


def _name_token(tok: _Token) -> bool:
    """A capitalised word that could be part of a name (not "I", not a calendar word)."""
    if not tok.capitalised:
        return False
    low = tok.lower.rstrip(".")
    if tok.text == "I" or low in lx.DAYS:
        return False
    if low in lx.MONTHS and low not in lx.AMBIGUOUS_MONTHS:
        return False
    if tok.all_caps and low in lx.COMMON_ACRONYMS:
        return False
    return True


def _particle(tok: _Token) -> bool:
    return tok.lower in lx.NAME_PARTICLES and not tok.text[0].isupper()


def _lower_prefixed_name(tok: _Token) -> bool:
    """"al-Aqsa", "bin-Laden": an Arabic particle glued to a name."""
    head, _, rest = tok.text.partition("-")
    return bool(rest) and tok.kind == "word" and head.islower() and rest[:1].isupper() and head in ("al", "el", "bin", "ibn", "ul")


def _candidate_runs(tokens: list[_Token], taken: set[int], sentence: list[int]) -> list[list[int]]:
    """Maximal runs of name tokens in one sentence, bridged by particles, "&" and "of"."""
    runs: list[list[int]] = []
    k = 0
    while k < len(sentence):
        i = sentence[k]
        tok = tokens[i]
        if i in taken or not (_name_token(tok) or _lower_prefixed_name(tok)):
            k += 1
            continue
        run = [i]
        k += 1
        while k < len(sentence):
            j = sentence[k]
            t = tokens[j]
            if j in taken:
                break
            if _name_token(t) or _lower_prefixed_name(t):
                run.append(j)
                k += 1
                continue
            # bridge: one or two connector tokens followed by a name token
            bridge = 0
            if _particle(t):
                bridge = 1
                if k + 1 < len(sentence) and _particle(tokens[sentence[k + 1]]):
                    bridge = 2
            elif t.text == "&":
                bridge = 1
            elif t.lower == "of" and tokens[run[-1]].lower.rstrip(".") in lx.OF_HEADS:
                bridge = 1
                if k + 1 < len(sentence) and tokens[sentence[k + 1]].lower == "the":
                    bridge = 2
            if bridge and k + bridge < len(sentence):
                after = sentence[k + bridge]
                if after not in taken and _name_token(tokens[after]):
                    run.extend(sentence[k : k + bridge + 1])
                    k += bridge + 1
                    continue
            break
        runs.append(run)
    return runs


def _title_at(tokens: list[_Token], run: list[int], k: int) -> int:
    """Length of the title starting at ``run[k]`` ("Prime Minister", "Gen."), 0 if none.

    A title is a title word, optionally after modifiers that lead to it
    ("Foreign Minister", "Vice President"); all-caps words are never titles.
    """
    m = k
    while m + 1 < len(run) and _title_word(tokens[run[m]], lx.TITLE_MODIFIERS) and (
        _title_word(tokens[run[m + 1]], lx.TITLE_MODIFIERS) or _title_word(tokens[run[m + 1]], lx.TITLES)
    ):
        m += 1
    if m < len(run) and _title_word(tokens[run[m]], lx.TITLES):
        return m - k + 1
    return 0


def _title_word(tok: _Token, words: frozenset[str]) -> bool:
    return tok.kind == "word" and not tok.all_caps and tok.lower.rstrip(".") in words


def _split_titles(tokens: list[_Token], run: list[int]) -> list[tuple[list[int], bool]]:
    """Cut titles out of a run; return the pieces and whether a title preceded each.

    "U.S. President Bill Clinton" -> ("U.S.", False), ("Bill Clinton", True);
    "Chilean Ambassador" -> ("Chilean", False). A run with an organisation head
    ("General Motors") is a name, not a title.
    """
    if {tokens[i].lower.rstrip(".") for i in run} & lx.ORG_HEADS:
        return [(run, False)]
    pieces: list[tuple[list[int], bool]] = []
    current: list[int] = []
    titled = False
    k = 0
    while k < len(run):
        size = _title_at(tokens, run, k)
        if size:
            if current:
                pieces.append((current, titled))
            current = []
            titled = True
            k += size
            continue
        current.append(run[k])
        k += 1
    if current:
        pieces.append((current, titled))
    return pieces


def _trim(tokens: list[_Token], run: list[int]) -> list[int]:
    """Drop connectors and particles left at the ends of a run."""
    while run and (tokens[run[-1]].lower in ("of", "the", "&") or _particle(tokens[run[-1]])):
        run = run[:-1]
    while run and (tokens[run[0]].lower in ("of", "&") or _particle(tokens[run[0]])):
        run = run[1:]
    return run


@dataclass
class _Evidence:
    """What the whole text says about a word's case, outside uninformative positions."""

    lower: set[str]  # forms seen in lower case
    capitalised: Counter  # lower-cased forms seen capitalised mid-sentence

    @classmethod
    def of(cls, tokens: list[_Token], words: frozenset[str] | None = None) -> _Evidence:
        """The evidence of ``tokens``; with ``words``, of those words (lower-cased) only."""
        lower: set[str] = set()
        cap: Counter = Counter()
        for tok in tokens:
            if tok.kind != "word" or tok.shout or (words is not None and tok.lower not in words):
                continue
            if tok.text.islower():
                lower.add(tok.text)
            elif tok.text[0].isupper() and not tok.initial:
                cap[tok.lower] += 1
        return cls(lower, cap)

    def add(self, other: _Evidence) -> None:
        self.lower |= other.lower
        self.capitalised.update(other.capitalised)


def _evidence_words(tokens: list[_Token]) -> frozenset[str]:
    """The words whose case evidence extraction may ask for: sentence-initial words
    that are not function words (see ``_drop_uninformative_start``)."""
    return frozenset(t.lower for t in tokens if t.initial and t.kind == "word" and t.lower not in lx.FUNCTION_WORDS)


@functools.lru_cache(maxsize=16)
def _context_evidence(texts: tuple[str, ...], words: frozenset[str]) -> _Evidence:
    """Case evidence of the context texts about ``words``, cached: a story's sources serve many checks.

    Only the lines that hold one of ``words`` are tokenised, one at a time, so
    memory and time follow what the checked text asks about, not the size of
    the context (a 50 MB source would otherwise become millions of tokens).
    Line breaks end sentences (as in ``summarize.sentences``), so a line's
    sentence starts are those the whole text has.
    """
    evidence = _Evidence(set(), Counter())
    if not words:
        return evidence
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    for text in texts:
        line_end = -1
        for match in pattern.finditer(text):
            if match.start() <= line_end:
                continue  # this line was read already
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            line_end = len(text) if line_end < 0 else line_end
            line = text[line_start:line_end]
            tokens = _tokenize(line)
            _mark_positions(line, tokens)
            evidence.add(_Evidence.of(tokens, words))
    return evidence


def _drop_uninformative_start(tokens: list[_Token], run: list[int], evidence: _Evidence) -> list[int]:
    """Drop a sentence-initial first word that is not a name."""
    while run:
        first = tokens[run[0]]
        if not first.initial:
            break
        low = first.lower
        if low in lx.FUNCTION_WORDS or low.rstrip(".") in lx.TITLE_MODIFIERS and len(run) == 1:
            run = run[1:]
            continue
        if len(run) == 1 and low in evidence.lower and not evidence.capitalised.get(low):
            run = run[1:]
            continue
        # "Attendance: 10,000", "Note:" - a label opening a line, not a name
        after = run[0] + 1
        if len(run) == 1 and after < len(tokens) and tokens[after].text == ":" and not evidence.capitalised.get(low):
            run = run[1:]
            continue
        # "-ly" adverbs, "-ing" forms, abstract nouns and plurals opening a
        # sentence ("Earlier", "Speaking", "Pessimism", "Talks"): common-word
        # shapes, unless the text capitalises the word mid-sentence too
        if (
            len(run) == 1
            and first.kind == "word"
            and not first.all_caps
            and not evidence.capitalised.get(low)
            and (low.endswith(lx.COMMON_WORD_ENDINGS) or _plural_shape(low))
        ):
            run = run[1:]
            continue
        break
    return run


def _plural_shape(word: str) -> bool:
    """"talks", "officials", "elections": a regular plural ("-s" after a vowel-less
    ending such as "-ks", "-ls", "-ns", "-ts", "-rs", "-ds", "-es")."""
    return len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as", "os")) and word[-2] in "klnrtdegmp"


_MAX_NAME_WORDS = 6


def _headline_runs(
    tokens: list[_Token], sentence: list[int], taken: set[int], known: set[str], known_names: set[tuple[str, ...]]
) -> list[list[int]]:
    """Names in an all-caps sentence: names and words the rest of the text capitalises."""
    runs: list[list[int]] = []
    current: list[int] = []
    k = 0
    while k < len(sentence):
        # a multi-word name of the running text, even one with a function word ("NEW YORK")
        matched = 0
        for size in range(min(_MAX_NAME_WORDS, len(sentence) - k), 1, -1):
            window = sentence[k : k + size]
            if not any(i in taken for i in window) and tuple(tokens[i].lower for i in window) in known_names:
                matched = size
                break
        if matched:
            if current:
                runs.append(current)
                current = []
            runs.append(sentence[k : k + matched])
            k += matched
            continue
        i = sentence[k]
        k += 1
        tok = tokens[i]
        name = (
            i not in taken
            and tok.is_word
            and tok.lower not in lx.FUNCTION_WORDS
            and _name_token(tok)
            and tok.lower in known
        )
        if name:
            current.append(i)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _dateline(tokens: list[_Token], sentence: list[int], taken: set[int]) -> list[int] | None:
    """"LONDON 1996-08-30" / "WASHINGTON (Reuters) -": the capitalised place opening a line."""
    run: list[int] = []
    k = 0
    while k < len(sentence) and tokens[sentence[k]].capitalised and tokens[sentence[k]].all_caps:
        run.append(sentence[k])
        k += 1
    if not run or k >= len(sentence):
        return None
    nxt = tokens[sentence[k]]
    if sentence[k] in taken and nxt.kind == "num":
        return run
    if nxt.text == "(" and k + 1 < len(sentence) and tokens[sentence[k + 1]].capitalised:
        return run
    return None


def _nationality(words: list[_Token]) -> bool:
    """"German", "Japanese", "South Korean": a nationality or language adjective."""
    low = words[-1].lower
    return len(words) <= 2 and low.endswith(lx.NATIONALITY_SUFFIXES) and len(low) > 4


@dataclass
class _Name:
    run: list[int]  # token indices
    titled: bool = False  # a title came before it
    dateline: bool = False  # a dateline place
    headline: bool = False  # found in all-caps text


def _label(tokens: list[_Token], name: _Name) -> str:
    """The type of one name from its own words and its context (see module doc)."""
    run = name.run
    words = [tokens[i] for i in run]
    lows = [w.lower.rstrip(".") for w in words]
    if name.titled:
        return "PERSON"
    if name.dateline:
        return "GPE"
    if lows[-1] in lx.EVENT_HEADS:
        return "OTHER"
    if set(lows) & lx.ORG_HEADS:
        return "ORG"
    if set(lows) & lx.LOC_HEADS:
        return "LOC"
    if all(w.kind == "word" for w in words) and _nationality(words):
        return "OTHER"
    # "Israeli troops", "German government": an adjective-shaped name used attributively
    after = tokens[run[-1] + 1] if run[-1] + 1 < len(tokens) else None
    attributive = after is not None and after.kind == "word" and after.text.islower() and after.lower not in lx.FUNCTION_WORDS
    if len(words) == 1 and attributive and words[0].lower.endswith(lx.ADJECTIVE_ENDINGS):
        return "OTHER"
    if len(words) == 1 and words[0].kind == "abbr":
        return "GPE" if len(words[0].text.replace(".", "")) <= 3 else "ORG"
    if len(words) == 1 and words[0].all_caps and not name.headline:
        return "ORG"
    before = tokens[run[0] - 1] if run[0] > 0 else None
    if before is not None and before.lower in lx.PLACE_PREPOSITIONS:
        return "GPE"
    if lows[0] in lx.PLACE_MODIFIERS and len(words) >= 2:
        return "GPE"
    if len(words) >= 2 and all(w.kind in ("word", "letter") and not w.all_caps for w in words):
        return "PERSON"
    if len(words) == 1 and after is not None and after.lower in lx.SPEECH_VERBS:
        return "PERSON"
    return "GPE" if len(words) == 1 else "ORG"


class RuleExtractor:
    """The built-in extractor; ``extract(text)`` returns entities in text order."""

    name = "rules"
    accepts_context = True  # extract(text, context=...) reads context texts for case evidence

    def extract(self, text: str, context: Sequence[str] = ()) -> list[Entity]:
        """Entities of ``text``. ``context`` texts (e.g. a summary's sources) add
        evidence of how words are cased, which helps short texts; their own
        entities are not returned."""
        tokens = _tokenize(text)
        if not tokens:
            return []
        sentences = _mark_positions(text, tokens)
        numeric = _numeric_entities(tokens)
        taken = {k for i, j, _ in numeric for k in range(i, j)}
        evidence = _Evidence.of(tokens)
        if context:
            evidence.add(_context_evidence(tuple(context), _evidence_words(tokens)))

        names: list[_Name] = []
        for sentence in sentences:
            dateline = _dateline(tokens, sentence, taken)
            if dateline:
                names.append(_Name(dateline, dateline=True))
                taken |= set(dateline)
            if tokens[sentence[0]].shout:
                continue
            for run in _candidate_runs(tokens, taken, sentence):
                for piece, titled in _split_titles(tokens, run):
                    piece = _trim(tokens, _drop_uninformative_start(tokens, piece, evidence))
                    # a lone letter ("Group A", "N") is not a name
                    if piece and not (len(piece) == 1 and len(tokens[piece[0]].text) == 1):
                        names.append(_Name(piece, titled=titled))

        # words and names that the running text uses as names
        known = {tokens[i].lower for n in names for i in n.run if tokens[i].is_word}
        known_names = {tuple(tokens[i].lower for i in n.run) for n in names if len(n.run) > 1}
        for sentence in sentences:
            if tokens[sentence[0]].shout:
                for run in _headline_runs(tokens, sentence, taken, known, known_names):
                    names.append(_Name(run, headline=True))

        # Type each name. A repeated mention takes the type of the running-text
        # mention it repeats ("Simmons" after "Phil Simmons", "LONDON" after
        # "London"), since the fuller or mixed-case mention carries more cues.
        labels = [_label(tokens, n) for n in names]
        by_text: dict[tuple[str, ...], Counter] = {}
        by_word: dict[str, str] = {}
        for n, label in zip(names, labels):
            if n.headline:
                continue
            by_text.setdefault(tuple(tokens[i].lower for i in n.run), Counter())[label] += 1
            if len(n.run) > 1 and label == "PERSON":
                for i in n.run:
                    by_word.setdefault(tokens[i].lower, label)
        spans = list(numeric)
        for n, label in zip(names, labels):
            key = tuple(tokens[i].lower for i in n.run)
            if len(key) == 1 and key[0] in by_word and label != "OTHER":
                label = by_word[key[0]]
            elif n.headline and key in by_text:
                label = by_text[key].most_common(1)[0][0]
            spans.append((n.run[0], n.run[-1] + 1, label))

        spans.sort()
        entities = []
        for i, j, label in spans:
            start, end = tokens[i].start, tokens[j - 1].end
            entities.append(Entity(start, end, text[start:end], label))
        return entities

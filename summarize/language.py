"""Languages for instruction prompts: name a language, detect the sources' one.

Instruction models follow "Write in German." far better than "write in the
original language" (which they often answer in English), so prompts always
name the language. ``language_name`` turns what a user gives (``de``,
``German``, ``pt-BR``) into the English name a prompt uses; ``detect_language``
finds the language of a text offline with py3langid (langid.py's model,
shipped inside the package, 97 languages).
"""

from __future__ import annotations

import functools
import re

# Below this probability a detection is a guess (short or mixed texts); callers
# fall back to a broader context rather than trust it.
MIN_CONFIDENCE = 0.5
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def language_name(language: str) -> str:
    """The English name of ``language`` (an ISO 639 code or a name); unknown names as given.

    ``"de"`` -> ``"German"``, ``"pt-BR"`` -> ``"Portuguese"``, ``"el"`` ->
    ``"Modern Greek"``, ``"Brazilian Portuguese"`` -> itself.
    """
    from iso639 import Lang
    from iso639.exceptions import InvalidLanguageValue

    text = language.strip()
    if not text:
        raise ValueError("language: empty")
    for candidate in (text, text.split("-")[0].split("_")[0].lower(), text.title()):
        try:
            return _PARENTHESES.sub("", Lang(candidate).name).strip()
        except InvalidLanguageValue:
            continue
    return text


def detect_language(text: str) -> tuple[str | None, float]:
    """The language of ``text`` by name and the detector's probability.

    Returns (None, 0.0) for text without letters.
    """
    if not any(ch.isalpha() for ch in text):
        return None, 0.0
    code, probability = _identifier().classify(text)
    return language_name(code), float(probability)


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

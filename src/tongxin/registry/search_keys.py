"""Search keys kept beside each person: characters for full-text phrase search, pinyin
(full and initials) and a Latin key for prefix search."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

NON_KEY = re.compile(r"[\s·\u00b7]")


def spaced_chars(*names: str) -> str:
    """'马明' → '马 明'; several names are separated so phrases do not run across them."""
    parts = [" ".join(NON_KEY.sub("", n)) for n in names if n and NON_KEY.sub("", n)]
    return " , ".join(parts)


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    """The toneless pinyin of one character ('' for none). Names are read character by
    character, so caching per character makes imports of millions of names cheap."""
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return re.sub(r"[^a-z]", "", reading[0].lower()) if reading else ""


def pinyin_keys(name: str) -> tuple[str, str]:
    """('maming', 'mm') for 马明, lower-case ASCII without separators."""
    syllables = [s for s in map(_syllable, NON_KEY.sub("", name)) if s]
    return "".join(syllables)[:300], "".join(s[0] for s in syllables)[:100]


def latin_key(text: str) -> str:
    return re.sub(r"[^a-z]", "", (text or "").lower())[:300]


def search_keys(name: str, former_names: str = "", latin_name: str = "") -> dict[str, str]:
    return dict(_search_keys(name, former_names, latin_name))


@lru_cache(maxsize=65536)
def _search_keys(name: str, former_names: str, latin_name: str) -> dict[str, str]:
    """(Cached, never handed out: imports repeat common names; callers get a copy.)"""
    full, initials = pinyin_keys(name)
    return {
        "search_chars": spaced_chars(name, former_names),
        "pinyin_full": full,
        "pinyin_initials": initials,
        "latin_key": latin_key(latin_name),
    }


def set_search_keys(person) -> None:
    for key, value in search_keys(person.name, person.former_names, person.latin_name).items():
        setattr(person, key, value)

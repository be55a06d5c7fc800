"""When two names belong to one person: the same name, or the same person's name in another script.

The rule (docs/persons.md, "Names"):
- names are compared after Unicode NFKC, case folding and collapsing whitespace, so
  "CHAN  Tai Man" and "Chan Tai Man" agree, and full-width letters agree with plain ones;
- a document already on record is presented again only under a name on record for its person
  (the person's name or the name given with any of their documents);
- a new document joins a person under a name on record, or under a name in a script the person
  has no name in yet: a Hong Kong resident's travel permit prints "CHAN, Tai Man" and their
  residence permit "陈大文", and a foreign passport prints the Latin form of a name a Chinese
  document may print in characters. A second name in a script already on record must be one of
  the names on record (陈大文 and 陈小文 are two people).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().replace(",", " ").split())


def script(name: str) -> str:
    """'han' when the name has Chinese characters, 'latin' when it has only Latin letters (and
    spaces, hyphens, apostrophes, dots), else 'other'."""
    text = unicodedata.normalize("NFKC", name)
    if any("CJK" in unicodedata.name(ch, "") for ch in text):
        return "han"
    if all(ch.isspace() or ch in "-'.,·" or ("LATIN" in unicodedata.name(ch, "")) for ch in text):
        return "latin"
    return "other"


def on_record(known: Iterable[str], given: str) -> bool:
    """A known document presented again: the name must be one on record."""
    wanted = normal(given)
    return any(normal(name) == wanted for name in known)


def may_join(known: Iterable[str], given: str) -> bool:
    """A new document joining a person: a name on record, or a first name in another script."""
    names = list(known)
    if on_record(names, given):
        return True
    kind = script(given)
    return kind != "other" and all(script(name) != kind for name in names)

"""Phrases from the language files as one regular expression.

A phrase is words separated by spaces. `*` at the end of a word (or its start) lets the
word go on ("fail*", "*n't"); `{a|b|}` offers alternatives; `_` stands for any one word,
`~` for an optional word and `~3` for up to three. Accented letters also match their bare
form ("échec" finds "echec", "błąd" finds "blad"), umlauts and rings excepted, and an
apostrophe matches ' and ’. Chinese and Japanese write no spaces between words, so a phrase
in their script matches inside a longer run of letters: "失败" finds "登录失败".

The phrases of all languages go into a prefix tree, so the expression tests a shared
beginning once instead of trying hundreds of alternatives one by one; at each fork a
longer phrase is tried before a shorter one that ends there. Phrases in another script
than Latin get a tree of their own behind a look at the word's first letter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from bot.usecase.lexicon.fold import UNSPACED, VOICING, other_script

_TOKEN = re.compile(r"\{[^{}]*\}|~\d?|.")
_WILD = {"*": r"\w*", "_": r"\w+"}  # a word goes on; any one word
_SPACE = r"\s+"
_OPTIONAL = r"(?:\w+\s+){0,"
_END = ""  # marks the end of a phrase inside the tree
# Polish writers without the key write ł as l; Romanian ș and ț come with a comma or, from
# older keyboards, a cedilla.
_BARE = {"ł": "l", "ș": "şs", "ț": "ţt"}
# Umlauts and rings are not dropped but spelled out ("ue"), and dropping them makes other
# words: Swedish "låst" (locked) would become English "last".
_KEPT_MARKS = {"\u0308", "\u030a"}
_UNSPACED = re.compile(UNSPACED)

_Tree = dict[str, "_Tree"]


@lru_cache(maxsize=512)
def _letter(ch: str) -> str:
    if ch in "'’":
        return "['’]"
    if ch in _BARE:
        return f"[{ch}{_BARE[ch]}]"
    decomposed = unicodedata.normalize("NFD", ch)
    bare, marks = decomposed[0], set(decomposed[1:])
    # Cyrillic and Greek writers drop accents and diaeresis alike ("ё" as "е", "ά" as "α").
    latin = bare.isascii() and not marks & _KEPT_MARKS
    if marks and (latin or (other_script(bare) and not marks & VOICING)):
        return f"[{ch}{bare}]"
    return re.escape(ch)


def _atoms(phrase: str) -> list[str]:
    """One regex piece per letter, space, wildcard or `{...}` group; the tree shares
    letters, and a group stays whole so "{a|b} {c|d}" does not multiply out."""
    atoms: list[str] = []
    tokens = _TOKEN.findall(" ".join(phrase.lower().split()))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == " ":
            if atoms and not atoms[-1].startswith(_OPTIONAL):  # an optional word has its space
                atoms.append(_SPACE)
        elif tok.startswith("{"):
            choices = tok[1:-1].split("|")
            body = "|".join("".join(_atoms(c)) for c in choices if c)
            if "" not in choices:
                atoms.append(f"(?:{body})")
            elif tokens[i - 1 : i] in ([], [" "]) and tokens[i + 1 : i + 2] == [" "]:
                atoms.append(f"(?:(?:{body}){_SPACE})?")  # "goal {is|} abandoned"
                i += 1
            else:
                atoms.append(f"(?:{body})?")  # "bound{s|}"
        elif tok.startswith("~"):
            atoms.append(f"{_OPTIONAL}{tok[1:] or 1}}}")
        else:
            atoms.append(_WILD.get(tok) or _letter(tok))
        i += 1
    return atoms


def _opening_choices(phrase: str) -> list[str]:
    """"{list|cart} is empty" as "list is empty", "cart is empty": the tree can then share
    the first letters of every language's phrases, which is where a search spends its time."""
    if not phrase.startswith("{"):
        return [phrase]
    choices, _, rest = phrase[1:].partition("}")
    return [" ".join(f"{c}{rest}".split()) for c in choices.split("|")]


def _unspaced(phrase: str, atoms: list[str]) -> list[str]:
    """The rest of the run of letters around an unspaced phrase, so that the word
    boundaries a caller puts around the phrase fall where the run begins and ends."""
    if _UNSPACED.match(phrase):
        atoms = [r"\w*?", *atoms]
    if _UNSPACED.match(phrase[-1:]):
        atoms = [*atoms, r"\w*"]
    return atoms


def _insert(tree: _Tree, atoms: list[str]) -> None:
    for atom in atoms:
        tree = tree.setdefault(atom, {})
    tree[_END] = {}


def _emit(tree: _Tree) -> str:
    branches = [atom + _emit(sub) for atom, sub in tree.items() if atom != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and _END not in tree else "|".join(branches)
    if _END in tree:
        return f"(?:{body})?"
    return body if len(branches) == 1 else f"(?:{body})"


def _script(phrase: str) -> str:
    """The script a phrase opens in, or "" for Latin."""
    first = phrase[:1]
    if _UNSPACED.match(first):
        return "unspaced"
    return unicodedata.name(first).split()[0] if first and other_script(first) else ""


def _guard(script: str, tree: _Tree) -> str:
    """What a word must open with for one script's phrases to be worth trying: the
    expression then skips a script's whole tree at once where another script is written."""
    if script == "unspaced":  # "PIN码错误": a Latin name or number may open the run
        return rf"[0-9a-z]*+{UNSPACED}"
    return "[" + "".join(atom.strip("[]") for atom in tree if atom != _END) + "]"


def alternation(phrases: Iterable[str]) -> str:
    """A non-capturing group matching any of the phrases (no word boundaries added)."""
    trees: dict[str, _Tree] = {}
    for phrase in phrases:
        for variant in _opening_choices(phrase.strip()):
            tree = trees.setdefault(_script(variant), {})
            _insert(tree, _unspaced(variant, _atoms(variant)))
    if not trees:
        return "(?!)"
    latin = trees.pop("", None)
    branches = [_emit(latin)] if latin else []
    branches += [f"(?={_guard(script, tree)})(?:{_emit(tree)})" for script, tree in trees.items()]
    return "(?:" + "|".join(branches) + ")"

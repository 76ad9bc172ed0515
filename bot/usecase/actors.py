"""Who acts: declared actor lists, the acting subject of a step, and whether a subject is
the system, a declared actor under another name, or someone nobody declared."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from bot.usecase.items import FLOW_LABEL
from bot.usecase.lexicon import (
    AUX,
    CLAUSE_STARTERS,
    COPULAS,
    DETERMINERS,
    ENGLISH_DETERMINERS,
    GENERIC_MODIFIERS,
    GENERIC_ROLES,
    IRREGULAR_PARTICIPLES,
    NOT_PERSON,
    PASSIVE_AUX,
    PERSON_WORDS,
    PREPOSITIONS,
    PRONOUNS,
    STEP_WORDS,
    SYSTEM_WORDS,
    VERBS,
)
from bot.usecase.synonyms import _fold
from bot.usecase.text import clean_inline

# Words that name whoever uses the system: they refer to the declared primary actor.
# "The comparison shows that …": a verb followed by a clause acts on nothing.
_THAT = frozenset(("that", "whether", "if", "dass", "ob", "que", "si", "che", "att", "at",
                   "dat", "of", "że", "czy", "že", "zda"))
# A step, a flow or the use case itself is never a party, in any language of the lexicon.
_NOT_ACTORS = {"use", "scenario", "process", "processen", "flow", "case"} | STEP_WORDS
_LEADING_FILLERS = {"then", "next", "finally", "afterwards", "and", "now", "also", "so", "dann"}
_PERSON_SUFFIX = re.compile(r"(?:er|or|ist|ian|eer|ee|ant|ende|aar|eur|euse|ienne)$")


# Keyed by a line's text, which seldom recurs beyond its own use case: the bound holds
# about a use case's lines, not those of the thousands a report parses.
@lru_cache(maxsize=256)
def fold(text: str) -> str:
    return _fold(text).lower()


def _singular(word: str) -> str:
    if word.endswith("(s)"):
        return word[:-3]
    if word.endswith("'s"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def _words_of(name: str) -> tuple[str, ...]:
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    tokens = re.findall(r"[\w&'()]+", fold(name).replace("-", " "))
    out = [_singular(t).strip("()") for t in tokens if t not in DETERMINERS]
    return tuple(t for t in out if t)


def words(name: str) -> list[str]:
    """`The UAV(s)` -> ['uav']; `wmaAutonomousLecturerInf` -> ['wma', 'autonomous', ...]."""
    return list(_words_of(name))


# ---------------------------------------------------------------- declared actors




def split_names(values: list[str]) -> list[str]:
    """Actor names from a field's lines or list items, top-level commas splitting a line.

    An apposition ("Buyer, any agent acting for the customer") stays with its name.
    """
    names: list[str] = []
    for raw in values:
        text = clean_inline(raw)
        text = re.sub(r"^(?:[-*•·o]\s+|\d+[.)]\s+)", "", text).strip()
        text = re.sub(
            r"^(?:human|humans|system|systems|people|external|primary|secondary|supporting)"
            r"(?: actors?)?\s*:\s*",
            "",
            text,
            flags=re.I,
        )
        if not text or text.endswith(":") or re.fullmatch(r"(?:none|n/?a|-+)\.?", text, re.I):
            continue
        parts = _top_level_split(text)
        if len(parts) > 1 and re.match(
            r"(?:any|a|an|the|or|who|which|e\.g|i\.e|such|acting)\b", parts[1].strip(), re.I
        ):
            parts = [parts[0]]
        for part in parts:
            name = _noun_phrase(part)
            if name and not re.fullmatch(r"[-_*?]+", name):
                names.append(name)
    return names


_LEADING_LABEL = re.compile(
    rf"^(?:{FLOW_LABEL}|(?:scenario|szenario|scénario|escenario|cenário)\s*\d+(?:\.\d+)*)"
    r"\s*[-–—:.)]?\s+",
    re.IGNORECASE,
)
_DESCRIBED = re.compile(r"^([^:–—]{1,60}?)\s*(?::|\s[-–—])\s+\S+(?:\s+\S+){2,}")


def _noun_phrase(part: str) -> str:
    """The name in an actor entry: no flow label before it ("E2 The clerk"), no description
    after it ("Patient: person seeking medical attention")."""
    name = _LEADING_LABEL.sub("", part.strip()).strip("?.").strip()
    described = _DESCRIBED.match(name)
    return described.group(1).strip() if described else name


def split_roles(text: str) -> list[str]:
    """`Customer (primary), Bank (supporting)` -> `Primary: Customer`, `Supporting: Bank`."""
    out = []
    for part in _top_level_split(text):
        m = re.search(r"\((primary|main|secondary|supporting)(?: actor)?\)", part, re.IGNORECASE)
        if m:
            name = (part[: m.start()] + part[m.end() :]).strip()
            out.append(f"{m.group(1).capitalize()}: {name}")
        else:
            out.append(part)
    return out


def _top_level_split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch in ",;" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in (s.strip() for s in parts) if p]


# ---------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subject:
    text: str  # as written
    words: tuple[str, ...]  # normalised, determiners and generic modifiers dropped
    # Its verb has an object ("pays the refund"), so it acts on something.
    transitive: bool = False


_TOKEN = re.compile(r"[\w'’&().!-]+")


# Keyed by a line's text, which seldom recurs beyond its own use case: the bound holds
# about a use case's lines, not those of the thousands a report parses.
@lru_cache(maxsize=256)
def subject_of(text: str) -> Subject | None:
    """The acting party of a step: the noun phrase before its first verb.

    Leading clauses ("In step 2, ...", "If the card is invalid, ...") are skipped; a
    passive sentence has no acting subject.
    """
    sentence = _main_clause(text)
    if sentence is None:
        return None
    tokens, foreign, determined = _without_article(_TOKEN.findall(sentence))
    run = _noun_run(tokens, foreign)
    if run is None:
        return None
    subject, stop, at_verb = run
    acting = _acting(subject, tokens, stop, at_verb)
    if acting is None:
        return None
    subject, at_verb = acting
    written = " ".join(subject).strip(" ,:;")
    normalised = tuple(w for w in words(written) if w not in GENERIC_MODIFIERS) or tuple(
        words(written)
    )
    if not normalised or normalised[-1] in _NOT_ACTORS or normalised[0] in PRONOUNS:
        return None
    if any(ch.isdigit() for ch in written):
        return None  # "AL01 Inativar Cliente", "Scenario 1.4 Manager": a label, not a party
    return Subject(written, normalised, _transitive(tokens, stop, at_verb, determined))


def _main_clause(text: str) -> str | None:
    """The first sentence without leading fillers ("Then") and clauses ("If …, ")."""
    sentence = clean_inline(text)
    sentence = re.split(r"(?<=[.!?;])\s", sentence, maxsplit=1)[0]
    for _ in range(3):
        first = sentence.split(" ", 1)[0].lower().strip(",")
        if first in _LEADING_FILLERS:
            sentence = sentence.split(" ", 1)[1] if " " in sentence else ""
        elif first in CLAUSE_STARTERS:
            if "," not in sentence:
                return None
            sentence = sentence.split(",", 1)[1].strip()
        else:
            break
    return sentence


def _without_article(tokens: list[str]) -> tuple[list[str], bool, bool]:
    """The tokens after the leading articles, whether an article was not English, and
    whether there was one at all."""
    foreign = False
    if tokens and re.match(r"(?i)^(?:l|d)['’]\w", tokens[0]):
        tokens[0] = tokens[0][2:]
        foreign = True
    determined = bool(tokens) and tokens[0].lower() in DETERMINERS
    while tokens and tokens[0].lower() in DETERMINERS:
        foreign = foreign or tokens[0].lower() not in ENGLISH_DETERMINERS
        tokens = tokens[1:]
    return tokens, foreign, determined


def _noun_run(tokens: list[str], foreign: bool) -> tuple[list[str], int, bool] | None:
    """The words before the verb, where the verb stands, and whether a verb (not a
    preposition or the end) stopped the run; None when the sentence opens with no noun."""
    if not tokens:
        return [], 0, False
    low = tokens[0].lower()
    if low in PRONOUNS or not re.match(r"[\w]", tokens[0]):
        return None
    if low in VERBS or low in AUX or low in CLAUSE_STARTERS:
        return None
    subject = [tokens[0]]
    for i in range(1, len(tokens)):
        stop = _stops_run(tokens, i, subject, foreign)
        if stop is not None:
            return subject, i, stop
        subject.append(tokens[i])
    return subject, len(tokens), False


def _stops_run(tokens: list[str], i: int, subject: list[str], foreign: bool) -> bool | None:
    """None when token i goes on the noun phrase; else whether it is a verb."""
    token = tokens[i]
    low = token.lower()
    if low in AUX or low in VERBS or low in PREPOSITIONS or low.endswith("ly"):
        return low not in PREPOSITIONS
    if token[:1].islower() and subject[-1][:1].isupper() and not subject[-1].isupper():
        plural_role = low.endswith("s") and _is_role_word(low)
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if not (_singular(low) in PERSON_WORDS or plural_role or nxt in AUX):
            return True
    if (
        low.endswith("s")
        and len(low) > 3
        and not _is_role_word(low)
        and not low.endswith(("ss", "us", "is", "'s"))
    ):
        return True
    if low.endswith("ed") and len(low) > 4:
        return True
    # Romance and Germanic articles come before a one-word noun: "el sistema valida".
    if len(subject) >= 4 or (foreign and not token[:1].isupper()):
        return True
    return None


def _acting(
    subject: list[str], tokens: list[str], stop: int, at_verb: bool
) -> tuple[list[str], bool] | None:
    """The subject trimmed to the party, or None when nobody acts in the sentence."""
    if _is_passive(tokens[stop : stop + 8]):
        return None
    if stop < len(tokens) and tokens[stop].lower() in COPULAS:
        return None  # "The PIN is wrong": a state, nobody acts
    while len(subject) > 1 and re.fullmatch(r"[A-Z]", subject[-1]):
        subject.pop()  # "shop worker A": the letter names an instance, not a role
    roles = [i for i, tok in enumerate(subject) if _is_role_word(tok.lower())]
    if roles and not at_verb and not _is_role_word(subject[-1].lower()):
        del subject[roles[-1] + 1 :]  # "databeheerder meldt": no verb lexicon for every language
        at_verb = True
    if not at_verb and not any(_verbish(t) for t in tokens[stop : stop + 8]):
        return None  # "Wrong PIN at step 7": a condition, nobody acts
    return subject, at_verb


def _transitive(tokens: list[str], stop: int, at_verb: bool, determined: bool) -> bool:
    """Whether the verb has an object ("pays the refund"), so its subject acts on something."""
    after = [t.lower() for t in tokens[stop + 1 : stop + 3]]
    verb = tokens[stop].lower() if stop < len(tokens) else ""
    return (
        at_verb
        # Without an article, "Visit the page" or "Handle returns" could be a command.
        and (determined or (verb.endswith("s") and not verb.endswith("ss")))
        and verb not in AUX
        and bool(after)
        and after[0] not in _THAT
        and (after[0] in DETERMINERS or (after[0] not in PREPOSITIONS and after[0].isalpha()
                                          and not after[0].endswith("ly")))
    )


def _verbish(token: str) -> bool:
    low = token.lower()
    return (
        low in AUX
        or low in VERBS
        or (
            token[:1].islower()
            and len(low) > 3
            and low.endswith(("s", "ed"))
            and not low.endswith("ss")
        )
    )


def _is_role_word(low: str) -> bool:
    word = _singular(low)
    if word in PERSON_WORDS:
        return True
    suffix = _PERSON_SUFFIX.search(word)
    return suffix is not None and suffix.start() >= 3 and word not in NOT_PERSON


def _is_passive(tokens: list[str]) -> bool:
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in PASSIVE_AUX:
            for nxt in tokens[i + 1 : i + 4]:
                n = nxt.lower()
                if n.endswith("ly") or n in ("not", "also", "then", "being", "been", "now"):
                    continue
                return (
                    n.endswith(("ed", "en"))
                    or n in IRREGULAR_PARTICIPLES
                    or (n.startswith("ge") and n.endswith("t"))
                )
            return False
        if low in VERBS or (low.endswith("s") and i == 0):
            return False
    return False


# ---------------------------------------------------------------- matching


def same_party(subject: tuple[str, ...], declared: tuple[str, ...]) -> bool:
    """Whether a step's subject names a declared actor, allowing the usual variations:
    a shorter or longer form, an acronym, or a shared head noun with a related modifier."""
    if not subject or not declared:
        return False
    a, b = set(subject), set(declared)
    if a <= b or b <= a:
        return True
    initials = "".join(w[0] for w in declared if w)
    if len(subject) == 1 and len(subject[0]) >= 2 and subject[0] == initials:
        return True
    if subject[-1] == declared[-1]:
        mods_a, mods_b = subject[:-1], declared[:-1]
        if not mods_a or not mods_b:
            return True
        return any(x[:4] == y[:4] and len(x) >= 4 and len(y) >= 4 for x in mods_a for y in mods_b)
    if len(subject) == 1 and len(declared) == 1:
        x, y = subject[0], declared[0]
        return len(x) >= 4 and len(y) >= 4 and x[:4] == y[:4]
    return False


@dataclass
class _Head:
    """Declared names sharing a head noun: the first of them, the first that is the bare
    noun, and the first with each four-letter modifier prefix."""

    first: int
    bare: int | None = None
    by_prefix: dict[str, int] = field(default_factory=dict)


# Enough for any subject a step has; past it every distinct declared name is tried.
_MAX_SUBSET_WORDS = 12


class Roster:
    """Declared actors indexed once, so that finding the one a subject names does not
    compare the subject with every declared name: a long actor list made that quadratic.

    `first(s)` is exactly the first `i` with `same_party(s, declared[i])`: each way that
    function has to match is looked up on its own, and the earliest index wins.
    """

    def __init__(self, declared: Sequence[tuple[str, ...]]) -> None:
        self._sets = [frozenset(name) for name in declared]
        self._by_word: dict[str, list[int]] = {}
        self._by_set: dict[frozenset[str], int] = {}
        self._by_initials: dict[str, int] = {}
        self._one_word: dict[str, int] = {}
        self._by_head: dict[str, _Head] = {}
        for i, name in enumerate(declared):
            if not name:
                continue
            for w in self._sets[i]:
                self._by_word.setdefault(w, []).append(i)
            self._by_set.setdefault(self._sets[i], i)
            self._by_initials.setdefault("".join(w[0] for w in name if w), i)
            head = self._by_head.setdefault(name[-1], _Head(i))
            if len(name) == 1:
                head.bare = i if head.bare is None else head.bare
                if len(name[0]) >= 4:
                    self._one_word.setdefault(name[0][:4], i)
            for y in name[:-1]:
                if len(y) >= 4:
                    head.by_prefix.setdefault(y[:4], i)

    def first(self, subject: tuple[str, ...]) -> int | None:
        if not subject:
            return None
        found: list[int | None] = [*self._containing(subject), *self._contained(subject)]
        single = subject[0] if len(subject) == 1 else None
        if single is not None and len(single) >= 2:
            found.append(self._by_initials.get(single))
        if single is not None and len(single) >= 4:
            found.append(self._one_word.get(single[:4]))
        head = self._by_head.get(subject[-1])
        if head is not None and single is not None:
            found.append(head.first)
        elif head is not None:
            found.append(head.bare)
            found.extend(head.by_prefix.get(x[:4]) for x in subject[:-1] if len(x) >= 4)
        return min((i for i in found if i is not None), default=None)

    def _containing(self, subject: tuple[str, ...]) -> list[int]:
        """The first declared name holding every word of the subject."""
        wanted = set(subject)
        rarest = min((self._by_word.get(w, []) for w in wanted), key=len)
        return next(([i] for i in rarest if wanted <= self._sets[i]), [])

    def _contained(self, subject: tuple[str, ...]) -> list[int]:
        """The first declared name (of each word set) whose words all occur in the subject."""
        known = sorted({w for w in subject if w in self._by_word})
        if len(known) > _MAX_SUBSET_WORDS:
            have = frozenset(known)
            return [i for key, i in self._by_set.items() if key <= have]
        return [
            i
            for size in range(1, len(known) + 1)
            for combination in combinations(known, size)
            if (i := self._by_set.get(frozenset(combination))) is not None
        ]


def is_person_like(words_: tuple[str, ...]) -> bool:
    return _is_role_word(words_[-1])


def is_acronym(text: str) -> bool:
    head = text.split()[-1] if text.split() else ""
    head = re.sub(r"(?:\(s\)|'s|s)$", "", head)
    return bool(re.fullmatch(r"[A-Z]{1,5}", head))


_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")


def is_product_name(text: str) -> bool:
    """CamelCase or oddly capitalised names (`IntelliBrary`, `LingoGO!`) name software."""
    return _INNER_CAPITAL.search(text) is not None


def is_system(words_: tuple[str, ...], scope: tuple[str, ...]) -> bool:
    if words_[-1] in SYSTEM_WORDS or any(w in SYSTEM_WORDS for w in words_[:1]):
        return True
    return bool(scope) and (set(words_) <= set(scope))


# Things a step talks about rather than parties that act: screens, messages, records, and
# nouns made from verbs ("validation", "Zahlung", "pagamento").
_THINGS = frozenset((
    "message", "page", "screen", "window", "form", "list", "field", "button", "menu", "modal",
    "popup", "dialog", "notification", "error", "item", "data", "information", "result",
    "query", "command", "report", "file", "email", "view", "box", "link", "tab", "icon",
    "record", "entry", "value", "option", "step", "flow", "case", "scenario",
))
_ABSTRACT = re.compile(
    r"(?:tion|sion|ment|ness|ity|ing|ance|ence|ung|heit|keit|ção|cao|ción|cion|mento|aggio)$"
)


def acts_on_something(subject: Subject) -> bool:
    """A party that is no known role word still acts when it does something to something
    ("The bursar pays the refund"): a short noun phrase in subject position of a verb with
    an object."""
    w = subject.words
    return (
        subject.transitive
        and 1 <= len(w) <= 3
        and w[-1] not in _THINGS
        and not _ABSTRACT.search(w[-1])
    )


def names_the_system(name: str) -> bool:
    """"System", "the system", "Sistema (Mister Ed)": a name for the system itself."""
    bare = words(re.sub(r"\([^)]*\)", " ", name))
    return len(bare) == 1 and _fold(bare[0]) in _THE_SYSTEM


# The word "system" itself, not "server" or "app": those may well be other parties.
_THE_SYSTEM = frozenset(("system", "systemet", "sistema", "systeme", "systeem", "systemu"))


def is_generic_role(words_: tuple[str, ...]) -> bool:
    return all(w in GENERIC_ROLES or w in GENERIC_MODIFIERS for w in words_)


@dataclass(frozen=True)
class Cast:
    """Everything known about who may act in a use case."""

    declared: tuple[tuple[str, ...], ...]
    stakeholder_text: str
    scope: tuple[str, ...]
    has_primary: bool
    product_names_in_text: bool


def undeclared(
    subjects: list[tuple[Subject, int | None]], cast: Cast
) -> list[tuple[str, int | None]]:
    """Subjects that act but are neither declared, the system, nor a generic word for the user."""
    candidates: list[tuple[Subject, int | None]] = []
    # A party no role word names must act in more than one step: one sentence alone could
    # as well be a thing doing something ("the book moves to the cart").
    acting = Counter(s.words for s, _ in subjects if s.transitive)
    system_found = cast.product_names_in_text
    roster = Roster(cast.declared)
    for subject, no in subjects:
        w = subject.words
        if is_product_name(subject.text) or is_system(w, cast.scope):
            system_found = True
            continue
        if roster.first(w) is not None:
            continue
        if cast.has_primary and is_generic_role(w):
            continue
        if " ".join(w) in cast.stakeholder_text:
            continue
        if is_person_like(w) or is_acronym(subject.text) or (
            acts_on_something(subject) and acting.get(w, 0) >= 2
        ):
            candidates.append((subject, no))
    if not system_found:
        machines = Counter(
            s.words for s, _ in candidates if is_acronym(s.text) and not is_person_like(s.words)
        )
        if machines:
            system = machines.most_common(1)[0][0]
            candidates = [(s, no) for s, no in candidates if s.words != system]
    seen: set[tuple[str, ...]] = set()
    out: list[tuple[str, int | None]] = []
    for subject, no in candidates:
        key = tuple(words(subject.text))
        if key in seen:
            continue
        seen.add(key)
        out.append((subject.text, no))
    return out

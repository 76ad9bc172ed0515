"""Who acts: declared actor lists, the acting subject of a step, and whether a subject is
the system, a declared actor under another name, or someone nobody declared."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.usecase.synonyms import _fold
from bot.usecase.text import clean_inline

_DETERMINERS = {
    "the", "a", "an", "each", "every", "all", "any", "another", "other", "its", "their", "his",
    "her", "our", "my", "your", "this", "that", "these", "those", "some", "both",
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "de", "het", "een", "le", "la", "les", "l", "un", "une", "el", "los", "las", "una",
    "det", "en", "et",
}
_ENGLISH_DETERMINERS = {
    "the", "a", "an", "each", "every", "all", "any", "another", "other", "its", "their", "his",
    "her", "our", "my", "your", "this", "that", "these", "those", "some", "both",
}
_GENERIC_MODIFIERS = {
    "current", "original", "new", "same", "selected", "given", "specific", "respective",
    "relevant", "first", "second", "third", "last", "next", "previous", "remaining", "multiple",
    "several", "one", "two", "human", "end", "main", "primary", "logged", "registered",
}
# Words that name whoever uses the system: they refer to the declared primary actor.
_GENERIC_ROLES = {
    "user", "actor", "operator", "person", "human", "benutzer", "nutzer", "anwender",
    "utilisateur", "usuario", "gebruiker", "bruger", "people",
}
_SYSTEM_WORDS = {
    "system", "systemet", "systeem", "systeme", "sistema", "application", "app",
    "applikation", "applikationen", "anwendung", "program", "programmet", "programm",
    "software", "platform", "website", "site", "tool", "bot", "backend", "frontend", "ui",
    "interface", "server", "service", "webapp", "portal",
}
_PRONOUNS = {
    "i", "you", "we", "he", "she", "it", "they", "this", "that", "these", "those", "there",
    "er", "sie", "es", "wir", "ich", "hij", "zij", "ze", "wij", "il", "elle", "ils", "elles",
    "on", "nous", "han", "hun", "de", "vi", "jeg", "who", "which", "what", "one", "someone",
}
_NOT_ACTORS = {"use", "step", "steps", "scenario", "process", "processen", "flow", "case"}
_AUX = {
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must", "does", "do", "did", "gets",
    "get", "got", "becomes", "become", "wird", "werden", "ist", "sind", "hat", "haben", "kann",
    "können", "muss", "soll", "wordt", "worden", "heeft", "hebben", "kan", "moet", "zal",
    "bliver", "blev", "er", "har", "skal", "est", "sont", "peut", "doit", "es", "son",
    "puede", "debe", "ha", "not", "also", "then", "now", "only", "still",
}
_PASSIVE_AUX = {
    "is", "are", "was", "were", "be", "been", "being", "gets", "get", "got", "becomes",
    "wird", "werden", "wurde", "wurden", "wordt", "worden", "werd", "bliver", "blev",
}
_IRREGULAR_PARTICIPLES = {
    "sent", "shown", "paid", "set", "made", "given", "taken", "done", "found", "held", "kept",
    "put", "read", "run", "seen", "told", "written", "known", "built", "bought", "brought",
    "chosen", "drawn", "driven", "left", "lost", "met", "sold", "thrown", "won", "begun",
}
_PREPOSITIONS = {
    "of", "from", "in", "on", "with", "for", "at", "by", "to", "inside", "within", "via",
    "into", "onto", "about", "under", "over", "through", "and", "or", "who", "which", "that",
    "tasked", "und", "en", "og", "et", "y", "van", "von", "af", "du", "del",
}
_CLAUSE_STARTERS = {
    "in", "if", "when", "once", "after", "before", "instead", "at", "on", "during", "for",
    "depending", "while", "until", "unless", "as", "prior", "upon", "whenever", "where",
    "optionally", "otherwise", "since", "because", "given", "wenn", "falls", "nachdem",
    "sobald", "si", "lorsque", "cuando", "hvis", "når", "indien", "zodra", "als", "by",
    "following", "using", "with", "from", "within", "throughout",
}
_LEADING_FILLERS = {"then", "next", "finally", "afterwards", "and", "now", "also", "so", "dann"}
_VERBS = {
    "choose", "enter", "enters", "select", "click", "open", "press", "type", "request",
    "provide", "submit", "confirm", "send", "receive", "arrive", "check", "view", "go",
    "create", "add", "delete", "remove", "update", "edit", "save", "log", "login", "sign",
    "register", "registers", "orders", "delivers", "monitors", "triggers", "answers",
    "offers", "prefers", "considers", "gathers", "covers", "renders", "filters", "enters",
    "perform", "fly", "plan", "execute", "use", "attempt", "start", "stop", "return",
    "navigate", "search", "fill", "upload", "download", "approve", "reject", "accept",
    "review", "inspect", "generate", "obtain", "capture", "want", "need", "fails", "fail",
    "reaches", "reach", "lands", "land", "pays", "pay", "calls", "call", "signs", "ships",
    "issues", "issue", "detects", "detect", "gives", "give", "decides", "decide", "write",
    "read", "ask", "asks", "make", "take", "see", "cancels", "cancel", "continues",
    "continue", "informs", "inform", "shows", "show", "displays", "display", "leases",
    "mark", "marks", "waits", "wait", "refutes", "refute", "understand", "complete",
    "completes", "repeat", "dynamically", "immediately", "automatically", "manually",
}
_PERSON_WORDS = {
    "user", "customer", "client", "admin", "administrator", "guest", "visitor", "member",
    "student", "teacher", "lecturer", "tutor", "librarian", "manager", "employee", "staff",
    "clerk", "cashier", "buyer", "seller", "vendor", "supplier", "owner", "operator",
    "commander", "dispatcher", "analyst", "statistician", "doctor", "nurse", "patient",
    "physician", "technician", "engineer", "developer", "tester", "reviewer", "author",
    "moderator", "officer", "agent", "representative", "applicant", "citizen", "passenger",
    "driver", "traveller", "traveler", "shopper", "subscriber", "player", "police",
    "firefighter", "responder", "crew", "person", "people", "requester", "recipient",
    "caller", "accountant", "auditor", "approver", "database", "bank", "terminal", "gateway",
    "registry", "actor", "kunde", "nutzer", "benutzer", "studierende", "dozent", "lehrer",
    "mitarbeiter", "gebruiker", "klant", "medewerker", "beheerder", "bruger", "studerende",
    "medarbejder", "utilisateur", "etudiant", "usuario", "cliente", "estudiante", "lender",
    "borrower", "pilot",
}
_PERSON_SUFFIX = re.compile(r"(?:er|or|ist|ian|eer|ee|ant|ende|aar|eur|euse|ienne)$")
_NOT_PERSON = {
    "computer", "timer", "printer", "scanner", "folder", "header", "footer", "order", "number",
    "filter", "letter", "parameter", "container", "layer", "buffer", "register", "cluster",
    "answer", "paper", "water", "center", "centre", "counter", "trigger", "identifier",
    "marker", "router", "controller", "handler", "listener", "browser", "monitor", "sensor",
    "processor", "cursor", "vector", "error", "factor", "indicator", "selector", "calculator",
    "generator", "editor", "door", "floor", "color", "colour", "power", "mirror", "other",
    "meter", "poster", "cover", "corner", "border", "river", "shelter", "never", "together",
    "either", "neither", "whether", "however", "after", "under", "over", "super", "user's",
    "ember", "november", "december", "summer", "winter", "chapter", "question", "amount",
    "restaurant", "assistant", "constant", "variant", "tenant", "element",
}


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


def words(name: str) -> list[str]:
    """`The UAV(s)` -> ['uav']; `wmaAutonomousLecturerInf` -> ['wma', 'autonomous', ...]."""
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    tokens = re.findall(r"[\w&'()]+", fold(name).replace("-", " "))
    out = [_singular(t).strip("()") for t in tokens if t not in _DETERMINERS]
    return [t for t in out if t]


# ---------------------------------------------------------------- declared actors


_LIST_SPLIT = re.compile(r",|;|\band\b|\bog\b|\bund\b|\ben\b|\bet\b|\by\b|\n")


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
            r"(?: actors?)?\s*:\s*", "", text, flags=re.I,
        )
        if not text or text.endswith(":") or re.fullmatch(r"(?:none|n/?a|-+)\.?", text, re.I):
            continue
        parts = _top_level_split(text)
        if len(parts) > 1 and re.match(
            r"(?:any|a|an|the|or|who|which|e\.g|i\.e|such|acting)\b", parts[1].strip(), re.I
        ):
            parts = [parts[0]]
        for part in parts:
            name = part.strip().strip("?.").strip()
            if name and not re.fullmatch(r"[-_*?]+", name):
                names.append(name)
    return names


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


_TOKEN = re.compile(r"[\w'’&().!-]+")


def subject_of(text: str) -> Subject | None:
    """The acting party of a step: the noun phrase before its first verb.

    Leading clauses ("In step 2, ...", "If the card is invalid, ...") are skipped; a
    passive sentence has no acting subject.
    """
    sentence = clean_inline(text)
    sentence = re.split(r"(?<=[.!?;])\s", sentence, maxsplit=1)[0]
    for _ in range(3):
        first = sentence.split(" ", 1)[0].lower().strip(",")
        if first in _LEADING_FILLERS:
            sentence = sentence.split(" ", 1)[1] if " " in sentence else ""
            continue
        if first in _CLAUSE_STARTERS:
            if "," not in sentence:
                return None
            sentence = sentence.split(",", 1)[1].strip()
            continue
        break
    tokens = _TOKEN.findall(sentence)
    foreign = False
    if tokens and re.match(r"(?i)^(?:l|d)['’]\w", tokens[0]):
        tokens[0] = tokens[0][2:]
        foreign = True
    while tokens and tokens[0].lower() in _DETERMINERS:
        foreign = foreign or tokens[0].lower() not in _ENGLISH_DETERMINERS
        tokens = tokens[1:]
    subject: list[str] = []
    stop_index = len(tokens)
    at_verb = False
    for i, token in enumerate(tokens):
        low = token.lower()
        if not subject:
            if low in _PRONOUNS or not re.match(r"[\w]", token):
                return None
            if low in _VERBS or low in _AUX or low in _CLAUSE_STARTERS:
                return None
            subject.append(token)
            continue
        if low in _AUX or low in _VERBS or low in _PREPOSITIONS or low.endswith("ly"):
            stop_index = i
            at_verb = low not in _PREPOSITIONS
            break
        if token[:1].islower() and subject[-1][:1].isupper() and not subject[-1].isupper():
            plural_role = low.endswith("s") and _is_role_word(low)
            nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            if not (_singular(low) in _PERSON_WORDS or plural_role or nxt in _AUX):
                stop_index = i
                at_verb = True
                break
        if low.endswith("s") and len(low) > 3 and not _is_role_word(low) and not low.endswith(
            ("ss", "us", "is", "'s")
        ):
            stop_index = i
            at_verb = True
            break
        if low.endswith("ed") and len(low) > 4:
            stop_index = i
            at_verb = True
            break
        if len(subject) >= 4 or (foreign and not token[:1].isupper()):
            # Romance and Germanic articles come before a one-word noun: "el sistema valida".
            stop_index = i
            at_verb = True
            break
        subject.append(token)
    if _is_passive(tokens[stop_index : stop_index + 8]):
        return None
    while len(subject) > 1 and re.fullmatch(r"[A-Z]", subject[-1]):
        subject.pop()  # "shop worker A": the letter names an instance, not a role
    roles = [i for i, tok in enumerate(subject) if _is_role_word(tok.lower())]
    if roles and not at_verb and not _is_role_word(subject[-1].lower()):
        del subject[roles[-1] + 1 :]  # "databeheerder meldt": no verb lexicon for every language
        at_verb = True
    if not at_verb and not any(_verbish(t) for t in tokens[stop_index : stop_index + 8]):
        return None  # "Wrong PIN at step 7": a condition, nobody acts
    written = " ".join(subject).strip(" ,:;")
    normalised = tuple(w for w in words(written) if w not in _GENERIC_MODIFIERS) or tuple(
        words(written)
    )
    if not normalised or normalised[-1] in _NOT_ACTORS or normalised[0] in _PRONOUNS:
        return None
    return Subject(written, normalised)


def _verbish(token: str) -> bool:
    low = token.lower()
    return low in _AUX or low in _VERBS or (
        token[:1].islower() and len(low) > 3 and low.endswith(("s", "ed")) and not low.endswith("ss")
    )


def _is_role_word(low: str) -> bool:
    word = _singular(low)
    if word in _PERSON_WORDS:
        return True
    suffix = _PERSON_SUFFIX.search(word)
    return bool(suffix) and suffix.start() >= 3 and word not in _NOT_PERSON


def _is_passive(tokens: list[str]) -> bool:
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _PASSIVE_AUX:
            for nxt in tokens[i + 1 : i + 4]:
                n = nxt.lower()
                if n.endswith("ly") or n in ("not", "also", "then", "being", "been", "now"):
                    continue
                return n.endswith(("ed", "en")) or n in _IRREGULAR_PARTICIPLES or (
                    n.startswith("ge") and n.endswith("t")
                )
            return False
        if low in _VERBS or (low.endswith("s") and i == 0):
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


def is_person_like(words_: tuple[str, ...]) -> bool:
    return _is_role_word(words_[-1])


def is_acronym(text: str) -> bool:
    head = text.split()[-1] if text.split() else ""
    head = re.sub(r"(?:\(s\)|'s|s)$", "", head)
    return bool(re.fullmatch(r"[A-Z]{1,5}", head))


def is_product_name(text: str) -> bool:
    """CamelCase or oddly capitalised names (`IntelliBrary`, `LingoGO!`) name software."""
    return any(re.search(r"[a-z][A-Z]", tok) for tok in text.split())


def is_system(words_: tuple[str, ...], scope: tuple[str, ...]) -> bool:
    if words_[-1] in _SYSTEM_WORDS or any(w in _SYSTEM_WORDS for w in words_[:1]):
        return True
    return bool(scope) and (set(words_) <= set(scope))


def is_generic_role(words_: tuple[str, ...]) -> bool:
    return all(w in _GENERIC_ROLES or w in _GENERIC_MODIFIERS for w in words_)


@dataclass(frozen=True)
class Cast:
    """Everything known about who may act in a use case."""

    declared: tuple[tuple[str, ...], ...]
    stakeholder_text: str
    scope: tuple[str, ...]
    has_primary: bool
    product_names_in_text: bool


def undeclared(subjects: list[tuple[Subject, int | None]], cast: Cast) -> list[tuple[str, int | None]]:
    """Subjects that act but are neither declared, the system, nor a generic word for the user."""
    candidates: list[tuple[Subject, int | None]] = []
    system_found = cast.product_names_in_text
    for subject, no in subjects:
        w = subject.words
        if is_product_name(subject.text) or is_system(w, cast.scope):
            system_found = True
            continue
        if any(same_party(w, d) for d in cast.declared):
            continue
        if cast.has_primary and is_generic_role(w):
            continue
        if " ".join(w) in cast.stakeholder_text:
            continue
        if is_person_like(w) or is_acronym(subject.text):
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

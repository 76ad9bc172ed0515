"""The template vocabulary as data: every language file is complete, headings in twelve
languages find their section, prose finds none, and extensions classify in any of them."""

from __future__ import annotations

import re

import pytest

from bot.usecase import lexicon
from bot.usecase.classify import RESUME, STEP_MENTION, classify, outcome
from bot.usecase.lexicon.headings import CONFLICTS
from bot.usecase.lexicon.languages import LANGUAGES, REQUIRED, SECTION_KEYS, parse_language
from bot.usecase.lexicon.phrases import alternation
from bot.usecase.model import Kind, Outcome
from bot.usecase.synonyms import section_key
from tests import test_lexicon_scripts as scripts

CODES = ("en", "de", "fr", "es", "pt", "it", "nl", "da", "sv", "nb", "pl", "cs")
# Lists a language may leave empty: Portuguese writes "no passo 3" without an article.
MAY_BE_EMPTY = {("classify", "step_articles")}


def test_every_common_language_has_a_file():
    assert set(CODES) <= {lang.code for lang in LANGUAGES}


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_each_file_has_every_required_table_filled(lang):
    for table, names in REQUIRED.items():
        for name in names:
            if (table, name) not in MAY_BE_EMPTY:
                assert lang.words(table, name), f"{lang.code}: [{table}] {name} is empty"
    assert set(SECTION_KEYS) <= set(lang.tables["sections"])


def test_a_file_without_a_required_table_is_refused():
    with pytest.raises(ValueError, match=r"\[actors\] lacks pronouns"):
        parse_language("xx", {
            table: {name: ["x"] for name in names if name != "pronouns"}
            for table, names in REQUIRED.items()
        })


def test_no_heading_term_names_two_sections():
    assert CONFLICTS == {}


HEADINGS = [
    # English: Cockburn, RUP, IEEE-style and what teams make of them
    ("en", "## 3.2 Main Success Scenario:", "main_flow"),
    ("en", "Main flow of events", "main_flow"),
    ("en", "Normal flow", "main_flow"),
    ("en", "Basic path", "main_flow"),
    ("en", "Alternative flow 2: pay later", "extensions"),
    ("en", "Alternate Courses", "extensions"),
    ("en", "Error scenarios", "extensions"),
    ("en", "Postcondition if the goal is reached", "success_guarantee"),
    ("en", "Postconditions on success", "success_guarantee"),
    ("en", "Postconditions on failure", "minimal_guarantee"),
    ("en", "Post-conditions (failure)", "minimal_guarantee"),
    ("en", "Preconditions and trigger", "preconditions"),
    ("en", "Actors / Stakeholders", "actors"),
    ("en", "Alternative and exceptional flows", "extensions"),
    ("en", "Supporting systems", "secondary_actors"),
    ("en", "Pre-condtions", "preconditions"),
    ("en", "Main Succece Scenario", "main_flow"),
    ("en", "Minimal guarantees", "minimal_guarantee"),
    ("en", "Open issues", "ignored"),
    # German: compounds, umlauts, plural
    ("de", "Hauptablauf", "main_flow"),
    ("de", "Standardablauf:", "main_flow"),
    ("de", "Alternativablauf A1", "extensions"),
    ("de", "Alternative Abläufe", "extensions"),
    ("de", "Fehlerfälle", "extensions"),
    ("de", "Ausnahmeszenarien", "extensions"),
    ("de", "Haupt- und Alternativabläufe", "main_flow"),
    ("de", "Vorbedingungen", "preconditions"),
    ("de", "Nachbedingungen", "success_guarantee"),
    ("de", "Nachbedingung im Fehlerfall", "minimal_guarantee"),
    ("de", "Nachbedingungen bei Erfolg", "success_guarantee"),
    ("de", "Auslösendes Ereignis", "trigger"),
    ("de", "Primärakteur", "primary_actor"),
    ("de", "Sekundäre Akteure", "secondary_actors"),
    ("de", "Vorbedingugen", "preconditions"),
    # French
    ("fr", "Scénario nominal", "main_flow"),
    ("fr", "Scenario principal", "main_flow"),
    ("fr", "Enchaînements alternatifs", "extensions"),
    ("fr", "Scénarios d'exception", "extensions"),
    ("fr", "Préconditions", "preconditions"),
    ("fr", "Postconditions en cas d'échec", "minimal_guarantee"),
    ("fr", "Acteurs secondaires", "secondary_actors"),
    ("fr", "Événement déclencheur", "trigger"),
    # Spanish
    ("es", "Flujo básico", "main_flow"),
    ("es", "Flujos alternos", "extensions"),
    ("es", "Flujos de excepción", "extensions"),
    ("es", "Escenario principal de éxito", "main_flow"),
    ("es", "Condiciones previas", "preconditions"),
    ("es", "Postcondiciones de fallo", "minimal_guarantee"),
    ("es", "Actores principales", "primary_actor"),
    ("es", "Precondiciones y disparador", "preconditions"),
    # Portuguese
    ("pt", "Fluxo Principal", "main_flow"),
    ("pt", "Fluxos de Exceção", "extensions"),
    ("pt", "Fluxo alternativo 1", "extensions"),
    ("pt", "Pré-condições", "preconditions"),
    ("pt", "Pós-condições", "success_guarantee"),
    ("pt", "Ator Principal", "primary_actor"),
    ("pt", "Atores Secundários", "secondary_actors"),
    # Italian
    ("it", "Scenario principale di successo", "main_flow"),
    ("it", "Flusso base", "main_flow"),
    ("it", "Flussi alternativi", "extensions"),
    ("it", "Estensioni", "extensions"),
    ("it", "Precondizioni", "preconditions"),
    ("it", "Garanzie minime", "minimal_guarantee"),
    ("it", "Attore principale", "primary_actor"),
    # Dutch
    ("nl", "Basisstroom", "main_flow"),
    ("nl", "Hoofdscenario", "main_flow"),
    ("nl", "Alternatieve scenario's", "extensions"),
    ("nl", "Uitzonderingen", "extensions"),
    ("nl", "Precondities", "preconditions"),
    ("nl", "Postcondities", "success_guarantee"),
    ("nl", "Primaire actor", "primary_actor"),
    # Danish
    ("da", "Hovedforløb", "main_flow"),
    ("da", "Alternative forløb", "extensions"),
    ("da", "Undtagelser", "extensions"),
    ("da", "Forudsætninger", "preconditions"),
    ("da", "Efterbetingelser", "success_guarantee"),
    ("da", "Primær aktør", "primary_actor"),
    # Swedish
    ("sv", "Huvudflöde", "main_flow"),
    ("sv", "Alternativa flöden", "extensions"),
    ("sv", "Alternativflöden och felflöden", "extensions"),
    ("sv", "Förvillkor", "preconditions"),
    ("sv", "Förutsättningar", "preconditions"),
    ("sv", "Eftervillkor", "success_guarantee"),
    ("sv", "Aktörer", "actors"),
    # Norwegian
    ("nb", "Hovedflyt", "main_flow"),
    ("nb", "Alternative flyter", "extensions"),
    ("nb", "Unntak", "extensions"),
    ("nb", "Forutsetninger", "preconditions"),
    ("nb", "Etterbetingelser", "success_guarantee"),
    ("nb", "Primæraktør", "primary_actor"),
    # Polish
    ("pl", "Scenariusz główny", "main_flow"),
    ("pl", "Scenariusz alternatywny - nieprawidłowy plik", "extensions"),
    ("pl", "Scenariusze alternatywne", "extensions"),
    ("pl", "Warunki wstępne", "preconditions"),
    ("pl", "Warunki końcowe", "success_guarantee"),
    ("pl", "Aktorzy", "actors"),
    ("pl", "Aktor główny", "primary_actor"),
    # Czech
    ("cs", "Hlavní scénář", "main_flow"),
    ("cs", "Alternativní scénáře", "extensions"),
    ("cs", "Výjimky", "extensions"),
    ("cs", "Vstupní podmínky", "preconditions"),
    ("cs", "Výstupní podmínky", "success_guarantee"),
    ("cs", "Primární aktér", "primary_actor"),
]


@pytest.mark.parametrize(("code", "heading", "key"), [*HEADINGS, *scripts.HEADINGS],
                         ids=lambda v: str(v))
def test_headings_in_every_language_name_their_section(code, heading, key):
    assert section_key(heading) == key


@pytest.mark.parametrize("code", [*CODES, *scripts.CODES])
def test_the_table_covers_every_language(code):
    assert sum(1 for c, _, _ in [*HEADINGS, *scripts.HEADINGS] if c == code) >= 6


@pytest.mark.parametrize(
    "line",
    [
        *scripts.PROSE,
        "The customer enters the amount and the system checks the balance",
        "System validates the card and shows the menu to the customer",
        "Der Kunde gibt die Kartennummer ein und bestätigt die Zahlung",
        "El sistema valida los datos y muestra un mensaje al usuario",
        "O sistema valida os dados e mostra uma mensagem ao usuário",
        "Systemet validerer kortet og viser en besked til kunden",
        "Użytkownik wybiera plik z opisem sieci i zatwierdza wybór",
        "Uživatel vyplní formulář a systém uloží data do databáze",
        "Actor enters the PIN",
        "Priority for premium members",
        "System in maintenance mode",
    ],
)
def test_prose_is_not_a_heading(line):
    assert section_key(line) is None


@pytest.mark.parametrize(
    ("heading", "prefix_ok", "key"),
    [
        # a label with a value or a name of its own is not the section when read exactly
        ("Alternative flow 2: pay later", False, None),
        ("Postconditions on success", False, None),
        ("Preconditions and trigger", False, "preconditions"),
        # a plain single word takes no free-form continuation: "Actor: User" is a field
        ("Actor: User", True, None),
    ],
)
def test_qualified_headings_need_prefix_ok(heading, prefix_ok, key):
    assert section_key(heading, prefix_ok=prefix_ok) == key


@pytest.mark.parametrize(
    ("condition", "kind"),
    [
        *scripts.CONDITIONS,
        ("Karte ist ungültig", Kind.EXCEPTION),
        ("Kunde wählt Barzahlung", Kind.ALTERNATIVE),
        ("La tarjeta está caducada", Kind.EXCEPTION),
        ("El cliente elige pagar en efectivo", Kind.ALTERNATIVE),
        ("O cliente não informa a senha", Kind.EXCEPTION),
        ("O cliente escolhe pagar com boleto", Kind.ALTERNATIVE),
        ("Le mot de passe est incorrect", Kind.EXCEPTION),
        ("Kunden väljer att betala med kort", Kind.ALTERNATIVE),
        ("Ogiltig fordonskategori", Kind.EXCEPTION),
        ("Plik ma nieprawidłowy format", Kind.EXCEPTION),
        ("Użytkownik wybiera inny plik", Kind.ALTERNATIVE),
        ("Soubor neexistuje", Kind.EXCEPTION),
        ("Kein Tisch ist frei", Kind.EXCEPTION),
    ],
)
def test_conditions_classify_in_their_language(condition, kind):
    assert classify(condition, "", None, "1a")[0] is kind


def test_a_negated_choice_is_no_choice():
    assert classify("El cliente no selecciona ningún producto", "", None, "2a")[0] is (
        Kind.EXCEPTION
    )


@pytest.mark.parametrize(
    ("texts", "kind", "expected"),
    [
        (["Weiter mit Schritt 4."], Kind.ALTERNATIVE, (Outcome.RESUME, "4")),
        (["El sistema vuelve al paso 2."], Kind.EXCEPTION, (Outcome.RESUME, "2")),
        (["Sistema retorna ao passo 3 do fluxo principal."], Kind.EXCEPTION, (Outcome.RESUME, "3")),
        (["System umożliwia ponowny wybór - powrót do kroku 1."], Kind.EXCEPTION,
         (Outcome.RESUME, "1")),
        (["Anwendungsfall endet."], Kind.EXCEPTION, (Outcome.FAIL, None)),
        (["O caso de uso termina."], Kind.ALTERNATIVE, (Outcome.SUCCESS, None)),
        (["Przypadek użycia kończy się niepowodzeniem."], Kind.ALTERNATIVE, (Outcome.FAIL, None)),
    ],
)
def test_endings_in_other_languages(texts, kind, expected):
    assert outcome(texts, kind) == expected


@pytest.mark.parametrize(
    ("text", "step"),
    [("In step 3, the card is invalid", "3"), ("Bei Schritt 2 fehlt die Adresse", "2"),
     ("À l'étape 4, le paiement échoue", "4"), ("W kroku 5 plik jest pusty", "5")],
)
def test_step_mentions_anchor_in_every_language(text, step):
    m = STEP_MENTION.search(text)
    assert m is not None and m.group(1) == step


def test_a_resume_target_is_not_an_anchor():
    assert STEP_MENTION.search("vuelve al paso 3") is None
    assert RESUME.search("vuelve al paso 3") is not None


def test_english_function_words_keep_their_english_role():
    # Italian "i" (the) is English "I"; French "a" (has) is the English article.
    assert "i" not in lexicon.DETERMINERS and "i" in lexicon.PRONOUNS
    assert "a" not in lexicon.AUX and "a" in lexicon.DETERMINERS
    assert {"der", "el", "het", "każdy"} <= lexicon.DETERMINERS


@pytest.mark.parametrize(
    ("phrases", "text", "found"),
    [
        (["time{s|d|} out"], "the request timed out", "timed out"),
        (["goal {is|} abandoned"], "goal abandoned", "goal abandoned"),
        (["{pay|pays} ~ {by|with}"], "pays cash with", "pays cash with"),
        (["*n't"], "didn't", "didn't"),
        (["échec"], "echec", "echec"),
        (["låst"], "last", None),  # an umlaut or ring is not dropped: Swedish "locked"
    ],
)
def test_phrase_syntax(phrases, text, found):
    m = re.search(alternation(phrases), text, re.IGNORECASE)
    assert (m.group(0) if m else None) == found

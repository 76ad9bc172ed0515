"""Word lists the actor reader relies on: articles, verbs, roles, words for "the system".

They are deliberately small and multilingual; a word missing here degrades one heuristic,
it never makes the reader fail.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DETERMINERS = _words(
    """
    the a an each every all any another other its their his her our my your this that
    these those some both der die das den dem des ein eine einen einem einer de het een
    le la les l un une el los las una det en et
    """
)


ENGLISH_DETERMINERS = _words(
    """
    the a an each every all any another other its their his her our my your this that
    these those some both
    """
)


GENERIC_MODIFIERS = _words(
    """
    current original new same selected given specific respective relevant first second
    third last next previous remaining multiple several one two human end main primary
    logged registered
    """
)


GENERIC_ROLES = _words(
    """
    user actor operator person human benutzer nutzer anwender utilisateur usuario
    gebruiker bruger people
    """
)


SYSTEM_WORDS = _words(
    """
    system systemet systeem systeme sistema application app applikation applikationen
    anwendung program programmet programm software platform website site tool bot
    backend frontend ui gui api interface server service webapp portal
    """
)


PRONOUNS = _words(
    """
    i you we he she it they this that these those there er sie es wir ich hij zij ze wij
    il elle ils elles on nous han hun de vi jeg who which what one someone
    """
)


AUX = _words(
    """
    is are was were be been being has have had can could will would shall should may
    might must does do did gets get got becomes become wird werden ist sind hat haben
    kann können muss soll wordt worden heeft hebben kan moet zal bliver blev er har skal
    est sont peut doit es son puede debe ha not also then now only still
    """
)


PASSIVE_AUX = _words(
    """
    is are was were be been being gets get got becomes wird werden wurde wurden wordt
    worden werd bliver blev
    """
)


IRREGULAR_PARTICIPLES = _words(
    """
    sent shown paid set made given taken done found held kept put read run seen told
    written known built bought brought chosen drawn driven left lost met sold thrown won
    begun
    """
)


PREPOSITIONS = _words(
    """
    of from in on with for at by to inside within via into onto about under over through
    and or who which that tasked und en og et y van von af du del
    """
)


CLAUSE_STARTERS = _words(
    """
    in if when once after before instead at on during for depending while until unless
    as prior upon whenever where optionally otherwise since because given wenn falls
    nachdem sobald si lorsque cuando hvis når indien zodra als by following using with
    from within throughout
    """
)


VERBS = _words(
    """
    choose enter enters select click open press type request provide submit confirm send
    receive arrive check view go create add delete remove update edit save log login
    sign register registers orders delivers monitors triggers answers offers prefers
    considers gathers covers renders filters perform fly plan execute use attempt start
    stop return navigate search fill upload download approve reject accept review
    inspect generate obtain capture want need fails fail reaches reach lands land pays
    pay calls call signs ships issues issue detects detect gives give decides decide
    write read ask asks make take see cancels cancel continues continue informs inform
    shows show displays display leases mark marks waits wait refutes refute understand
    complete completes repeat dynamically immediately automatically manually
    """
)


PERSON_WORDS = _words(
    """
    user customer client admin administrator guest visitor member student teacher
    lecturer tutor librarian manager employee staff clerk cashier buyer seller vendor
    supplier owner operator commander dispatcher analyst statistician doctor nurse
    patient physician technician engineer developer tester reviewer author moderator
    officer agent representative applicant citizen passenger driver traveller traveler
    shopper subscriber player police firefighter responder crew person people requester
    recipient caller accountant auditor approver database bank terminal gateway registry
    actor kunde nutzer benutzer studierende dozent lehrer mitarbeiter gebruiker klant
    medewerker beheerder bruger studerende medarbejder utilisateur etudiant usuario
    cliente estudiante lender borrower pilot
    """
)


NOT_PERSON = _words(
    """
    computer timer printer scanner folder header footer order number filter letter
    parameter container layer buffer register cluster answer paper water center centre
    counter trigger identifier marker router controller handler listener browser monitor
    sensor processor cursor vector error factor indicator selector calculator generator
    editor door floor color colour power mirror other meter poster cover corner border
    river shelter never together either neither whether however after under over super
    user's ember november december summer winter chapter question amount restaurant
    assistant constant variant tenant element
    scheduler clock daemon crawler parser compiler loader uploader downloader
    """
)

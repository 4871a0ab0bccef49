"""Word lists behind the rule-based entity extractor.

These are general English vocabulary (function words, titles, calendar words,
the head nouns that end organisation and place names, number words), not lists
of entities: the extractor finds names from capitalisation and context, and
these lists tell it which capitalised words are *not* names or what kind of
name a head noun signals.
"""

from __future__ import annotations

# Words that are capitalised at the start of a sentence but are not names:
# determiners, pronouns, prepositions, conjunctions, auxiliaries, common
# adverbs and sentence-opening words of news prose.
FUNCTION_WORDS = frozenset(
    """
    a about above according across after afterwards again against ago ahead all almost along already also
    although always among amid an and another any anyone anything are around as at back be because been
    before behind being below beneath besides between beyond both but by can cannot could despite did do
    does doing done down during each either else elsewhere enough especially even ever every everyone
    everything except far few following for from further had has have having he hence her here hers herself
    him himself his how however i if in including indeed inside instead into is it its itself just last
    later least less like likely many may maybe me meanwhile might more moreover most mostly much must my
    myself near nearly neither never nevertheless next no nobody none nor not nothing now of off often
    on once one only onto or other others otherwise our ours ourselves out outside over overall own per
    perhaps please plus rather really regardless same several shall she should similarly since so some
    somebody someone something sometimes soon still such than that the their theirs them themselves then
    there thereafter therefore these they this those though through throughout thus to today together
    tomorrow tonight too toward towards under unless unlike until up upon us very via was we well were what
    whatever when whenever where whereas whether which while who whoever whole whom whose why will with
    within without would yes yet yesterday you your yours yourself yourselves
    asked added adding after again earlier first second third fourth fifth sixth seventh eighth ninth tenth
    final finally later meanwhile officials police analysts sources witnesses residents experts critics
    traders dealers shares prices stocks bonds markets investors some many most several few both half
    neither either none nothing here there today yesterday tomorrow instead overall still currently
    recently previously initially eventually altogether however nonetheless consequently additionally
    unfortunately fortunately obviously clearly apparently certainly surely probably possibly meanwhile
    hopefully interestingly importantly notably specifically generally usually normally typically
    say says said tell told according asked speaking writing reporting reported reports report
    mr mrs ms dr
    """.split()
)

# Titles and roles written before a person's name ("President Bill Clinton").
# They are not part of the name, and a name after one is a person.
TITLES = frozenset(
    """
    mr mrs ms miss dr prof professor sir dame lord lady president vice-president minister secretary
    chancellor premier king queen prince princess pope cardinal bishop archbishop rev reverend father
    sister brother emperor empress sheikh ayatollah imam rabbi general gen lt lieutenant col colonel maj
    major capt captain sgt sergeant cpl corporal adm admiral commander cmdr judge justice senator sen
    rep representative congressman congresswoman governor gov mayor director chairman chairwoman chair
    chief coach manager officer commissioner ambassador envoy spokesman spokeswoman deputy assistant
    striker midfielder defender goalkeeper forward winger batsman bowler captain skipper all-rounder
    champion veteran leader opposition president-elect dictator chief-executive ceo md
    """.split()
)

# Abbreviations written with a period that does not end the sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt sgt cpl adm cmdr sen rep gov rev st jr sr messrs mt ft no vs
    jan feb mar apr jun jul aug sep sept oct nov dec inc corp co ltd bros
    """.split()
)

# Words that make the following title a compound title ("Prime Minister",
# "Foreign Secretary", "Vice President"): they belong to the title.
TITLE_MODIFIERS = frozenset(
    """
    prime foreign finance interior defence defense home trade health education justice economy economics
    energy industry agriculture transport labour labor culture environment vice deputy assistant acting
    former ex chief general attorney state first second junior senior head senior supreme high federal
    """.split()
)

DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# Month names that are also ordinary words; counted as a month only next to a number.
AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jan", "jun", "jul", "sep", "dec", "aug", "oct", "nov", "apr"})

# Head nouns that end an organisation's name ("Bank of England", "Labour Party").
ORG_HEADS = frozenset(
    """
    inc inc. corp corp. corporation co co. company companies ltd ltd. plc llc ag sa nv bv gmbh spa group
    holdings bank banks association associations union unions party council committee commission
    ministry department agency board bureau office authority institute institution university college
    school academy federation league club clubs fc united city rovers athletic wanderers exchange fund
    trust foundation organisation organization society court courts parliament congress senate assembly
    army navy force forces police service services news times post journal herald telegraph tribune
    press radio television tv network airlines airways motors industries bancorp securities capital
    partners systems technologies communications electric energy oil petroleum church movement front
    alliance coalition council cabinet government administration brigade guard corps reuters
    """.split()
)

# Head nouns of place names ("Gulf of Mexico", "Red Sea").
LOC_HEADS = frozenset(
    """
    river sea ocean lake gulf bay strait straits mountain mountains mount mt island islands isle peninsula
    valley desert coast cape canal channel province state county district region street avenue road
    square bridge airport stadium park hills
    """.split()
)

# Heads that take "of" inside one name: "Bank of England", "University of Texas",
# "Gulf of Mexico", "Duke of Norfolk".
OF_HEADS = frozenset(
    ORG_HEADS
    | LOC_HEADS
    | frozenset(
        """
        republic kingdom state states duke duchess earl prince princess house chamber church museum
        tour series cup order league federation organisation organization institute university school
        college department minister ministry secretary bank board court people's peoples
        """.split()
    )
)

# Lower-case words that may sit inside a multi-word name between capitalised
# words ("Charles de Gaulle", "Joost van der Westhuizen", "Procter & Gamble").
NAME_PARTICLES = frozenset("de da di du del della dello van von der den la le al bin ibn y".split())

# Words before which an ambiguous month name ("May", "March") is a month.
TEMPORAL_PREPOSITIONS = frozenset("in since until till by during early late mid last next this before after from".split())

# Prepositions before which a name is likely a place ("in Paris", "from Iraq").
PLACE_PREPOSITIONS = frozenset("in at from near to into across outside inside toward towards via".split())

# Verbs of saying: a one-word name right before one is usually a person.
SPEECH_VERBS = frozenset("said says told added asked replied wrote argued insisted warned denied".split())

# Suffixes of nationality and language adjectives ("German", "Japanese", "Israeli").
NATIONALITY_SUFFIXES = ("ian", "ians", "ean", "eans", "ese", "ish", "ican", "icans", "ic")

# Endings of common English words (adverbs, gerunds, abstract nouns): a
# sentence-initial word with one is not taken for a name without other evidence.
COMMON_WORD_ENDINGS = ("ly", "ing", "tion", "sion", "ism", "ment", "ness", "ity", "ance", "ence", "ure", "ive", "ful", "less", "ous", "ible", "able")

# Endings that make a capitalised word used before a noun an adjective ("Israeli", "German", "Dutch").
ADJECTIVE_ENDINGS = ("i", "an", "ch", "sh", "ss", "ic")

# Last words of the names of events, competitions and holidays ("World Cup", "Labor Day").
EVENT_HEADS = frozenset(
    "cup open championship championships games olympics olympiad prix masters trophy war day festival awards award".split()
)

# First words of many place names ("South Africa", "New Zealand", "San Diego").
PLACE_MODIFIERS = frozenset(
    "north south east west northern southern eastern western central upper lower greater new san santa sao st saint los las port fort mount lake".split()
)

# Capitalised acronyms that are common nouns, not names.
COMMON_ACRONYMS = frozenset(
    "ceo cfo coo gdp gnp tv am pm ok vs mph kph nb ps ie eg etc pc id dna".split()
)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}
SCALE_WORDS = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "millions": 1e6, "mln": 1e6,
    "billion": 1e9, "billions": 1e9, "bln": 1e9, "bn": 1e9, "trillion": 1e12, "tn": 1e12,
}
CURRENCY_SYMBOLS = frozenset("$ £ € ¥ ₹ ₽ ₩".split())
CURRENCY_CODES = frozenset("usd eur gbp jpy chf cny rmb inr rub aud cad us$ a$ c$ hk$ nz$ s$".split())
CURRENCY_WORDS = frozenset(
    """
    dollar dollars cent cents euro euros pound pounds sterling yen yuan renminbi rupee rupees rouble
    roubles ruble rubles franc francs mark marks lira lire peso pesos rand real reais won krona kronor
    krone kroner shekel shekels dinar dinars riyal riyals dirham dirhams baht ringgit
    """.split()
)
PERCENT_WORDS = frozenset({"percent", "pct", "%", "per cent"})
UNITS = frozenset(
    """
    km kilometre kilometres kilometer kilometers mile miles m metre metres meter meters cm mm ft foot feet
    inch inches kg kilogram kilograms kilo kilos g gram grams lb lbs pound tonne tonnes ton tons litre
    litres liter liters gallon gallons barrel barrels bpd hectare hectares acre acres sq square degrees
    degree celsius fahrenheit mph kph km/h knots mw gw kw kwh watts volts years year months month weeks
    week days day hours hour minutes minute seconds
    """.split()
)

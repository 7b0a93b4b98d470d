"""Defaults and names of the monitoring package (the register's columns live in ``layers.defaults``)."""

from __future__ import annotations

from layers.defaults import ATTACK_TYPES, INCIDENT_TYPES

# --- the register ----------------------------------------------------------------
# Natural or unknown-cause deaths: not an attack type; PIKE counts them in its denominator.
CARCASS_TYPE = "carcass"
REGISTER_TYPES = tuple(INCIDENT_TYPES) + (() if CARCASS_TYPE in INCIDENT_TYPES else (CARCASS_TYPE,))
CARCASS_TYPES = ("elephant_carcass", "rhino_carcass", CARCASS_TYPE)
SPECIES_OF_TYPE = {"elephant_carcass": "elephant", "rhino_carcass": "rhino"}
ELEPHANT = "elephant"
ILLEGAL = "illegal"
# Labels of carcass causes in field data, mapped onto layers.defaults.CARCASS_CAUSES.
CAUSE_WORDS = {
    "illegal": ("illegal", "poach", "shot", "snare", "poison", "killed", "ivory", "horn"),
    "natural": ("natural", "drought", "disease", "old", "age", "predat", "fight", "starv"),
    "unknown": ("unknown", "unk", "undetermined", "?"),
}
# Labels of prosecution steps, mapped onto layers.defaults.CASE_EVENTS.
EVENT_WORDS = {
    "opened": ("open", "register", "filed", "docket", "arrest"),
    "charged": ("charge", "indict", "prosecut"),
    "convicted": ("convict", "guilty", "sentenc"),
    "acquitted": ("acquit", "not guilty", "dismiss", "discharg"),
    "withdrawn": ("withdr", "drop", "nolle", "struck"),
}
OUTCOMES = ("convicted", "acquitted", "withdrawn")  # a case is closed by one of these
VERDICTS = ("convicted", "acquitted")  # days to verdict count these only
SECTION_UNKNOWN = "(none)"  # an incident outside every section
PARK_WIDE = "all"  # the section of park-wide rows

# Column aliases of the case table and of the register columns of incidents (normalised names).
INCIDENT_ID_ALIASES = ("incidentid", "id", "eventid", "serial", "ref", "reference", "uid", "fid")
SPECIES_ALIASES = ("species", "animal", "taxon", "speciesname")
CAUSE_ALIASES = ("cause", "causeofdeath", "deathcause", "mortality")
CASE_ALIASES = ("caseref", "case", "caseid", "casenumber", "caseno", "docket", "docketno", "crref")
PEOPLE_ALIASES = ("people", "arrested", "persons", "suspects", "npeople", "numberarrested", "arrests")
NATIONALITY_ALIASES = ("nationality", "nation", "citizenship", "country")
SECTION_ALIASES = ("section", "sectionname", "sector", "zone", "block", "range", "name")
EVENT_ALIASES = ("event", "step", "stage", "status", "outcome", "action")
DATE_ALIASES = ("date", "eventdate", "datetime", "time", "when", "day")
SENTENCE_ALIASES = ("sentence", "penalty", "fine", "punishment")
NOTE_ALIASES = ("note", "notes", "comment", "comments", "remarks")

# --- indicators ----------------------------------------------------------------
PERIOD_KINDS = {"month": "M", "quarter": "Q", "year": "Y"}
DEFAULT_PERIOD = "month"
CI_LEVEL = 0.95  # binomial (Wilson score) interval of PIKE and of the conviction rate
FIND_TYPES = tuple(ATTACK_TYPES)  # the finds whose rate per effort the CPUE and the trend follow
INDICATOR_COLUMNS = (
    "park",
    "period_kind",
    "period",
    "section",
    "indicator",
    "breakdown",
    "value",
    "unit",
    "numerator",
    "denominator",
    "lower",
    "upper",
)

# --- trend statement --------------------------------------------------------------
TREND_MIN_FINDS = 5  # fewer finds in either window: too few to tell

# --- exports -------------------------------------------------------------------------
SHARE_GRID_KM = 5.0  # seizure-sharing export: places generalised to cells of this size

# --- charts and the report ---------------------------------------------------------
EFFORT_COLOUR = "#2166ac"  # patrol effort, beside every trend
TYPE_COLOURS = {
    "snare": "#e66101",
    "elephant_carcass": "#b2182b",
    "rhino_carcass": "#67001f",
    "poacher_camp": "#fdb863",
    "arrest": "#5e3c99",
    "seizure": "#1b7837",
    "carcass": "#878787",
    "other": "#bababa",
}
RISK_CLASS_COLOURS = {1: "#bd0026", 2: "#fd8d3c", 3: "#fed976", 4: "#f0f0f0"}
RISK_CLASS_LABELS = {1: "top 5 % of the park", 2: "top 5-10 %", 3: "top 10-25 %", 4: "the rest"}
REPORT_RISK_MODEL = "effort-aware"
REPORT_TREND_MONTHS = 24  # months of history in the report's charts
REPORT_TREND_WINDOW = 12  # the trend statement compares the last 12 months with the 12 before

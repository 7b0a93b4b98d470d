"""The park's register: what a real incident register holds beyond the incident book.

Adds to the incidents the columns of :mod:`layers.defaults` (``species``,
``cause``, ``case_ref``, ``people``, ``nationality``), adds the carcasses of
natural deaths (:mod:`simulator.mortality`, incident type ``carcass``, never
an attack), and follows every arrest (and some seizures) through the courts
in a long case table (:data:`layers.defaults.CASE_COLUMNS`, one row per step):
most cases take months, many are withdrawn or acquitted, some are still open
when the records end.

Every draw comes from the register's own random stream: the incidents of the
poachers' attacks keep their ids and content whatever the register draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.defaults import (
    CASE_COLUMNS,
    COL_CASE,
    COL_CAUSE,
    COL_NATIONALITY,
    COL_PEOPLE,
    COL_SPECIES,
)

from .records import INCIDENT_COLUMNS

REGISTER_COLUMNS = [*INCIDENT_COLUMNS, COL_SPECIES, COL_CAUSE, COL_CASE, COL_PEOPLE, COL_NATIONALITY]
SNARE_SPECIES = (("impala", 0.35), ("kudu", 0.15), ("nyala", 0.1), ("duiker", 0.12), ("warthog", 0.1),
                 ("buffalo", 0.08), ("zebra", 0.1))  # fmt: skip
SNARE_SPECIES_KNOWN = 0.6  # share of snares whose target species is recorded
NATIONALITIES = (("South African", 0.45), ("Mozambican", 0.33), ("Zimbabwean", 0.12), ("", 0.10))
ITEM_SPECIES = {"ivory": "elephant", "rhino_horn": "rhino", "pangolin_scales": "pangolin"}  # SEIZURE_ITEMS
AMMUNITION_SHARE = 0.35  # firearm seizures that were ammunition instead (rounds)
PANGOLIN_SHARE = 0.08  # bushmeat seizures that were pangolin scales instead (kg)
SEIZURE_CASE_SHARE = 0.3  # seizures without an arrest that still open a case (suspects traced later)
# Outcome of a case (convicted + acquitted + withdrawn = 1); the verdict or withdrawal falls this many months later.
OUTCOMES = (("convicted", 0.42), ("acquitted", 0.23), ("withdrawn", 0.35))
VERDICT_MONTHS = (2.0, 18.0)
WITHDRAWN_MONTHS = (0.5, 12.0)
CLOSING_EVENTS = ("convicted", "acquitted", "withdrawn")  # the last step of a closed case
SERIOUS = {"elephant_carcass", "rhino_carcass", "ivory", "rhino_horn", "firearm", "ammunition"}
DAY_S = 86400
MONTH_S = 30.44 * DAY_S


def _pick(rng: np.random.Generator, choices) -> str:
    names, shares = zip(*choices)
    return str(names[int(rng.choice(len(names), p=np.array(shares) / sum(shares)))])


def register_table(
    incidents: pd.DataFrame, context: pd.DataFrame, natural: pd.DataFrame, end_s: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incidents with the register's columns and the natural carcasses, and the case table.

    Parameters
    ----------
    incidents, context : pandas.DataFrame
        The incident book and its context, from :func:`simulator.records.incident_table`.
    natural : pandas.DataFrame
        Natural carcasses found, from :func:`simulator.mortality.natural_carcasses`.
    end_s : int
        End of the records (epoch s): later court dates are not known yet.
    rng : numpy.random.Generator
        The register's random stream.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The incidents (columns :data:`REGISTER_COLUMNS`, sorted by date; the
        natural carcasses get the ids after the last incident of the book),
        and the cases (columns :data:`layers.defaults.CASE_COLUMNS`, in case
        then date order).
    """
    inc = incidents.copy()
    n = len(inc)
    species, cause = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    case, people, nationality = np.full(n, "", dtype=object), np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    kinds, types = context["kind"].to_numpy(), context["attack_type"].to_numpy()
    for i in range(n):
        kind, typ = kinds[i], types[i]
        if kind == "find":
            if typ in ("elephant_carcass", "rhino_carcass"):
                species[i], cause[i] = typ.split("_")[0], "illegal"
            elif typ == "snare" and rng.uniform() < SNARE_SPECIES_KNOWN:
                species[i] = _pick(rng, SNARE_SPECIES)
        elif kind == "arrest":
            people[i] = str(int(context["people"].iat[i]))
            nationality[i] = _pick(rng, NATIONALITIES)
            if typ in ("elephant_carcass", "rhino_carcass"):
                species[i] = typ.split("_")[0]
        else:
            _vary_seizure(inc, i, rng)
            item = inc["item"].iat[i]
            species[i] = ITEM_SPECIES.get(item, "")
            if item == "bushmeat" and rng.uniform() < 0.5:
                species[i] = _pick(rng, SNARE_SPECIES)
    cases = _open_cases(inc, context, case, end_s, rng)
    for name, values in ((COL_SPECIES, species), (COL_CAUSE, cause), (COL_CASE, case), (COL_PEOPLE, people),
                         (COL_NATIONALITY, nationality)):  # fmt: skip
        inc[name] = values
    nat = pd.DataFrame(
        {
            "id": [f"INC-{n + k + 1:05d}" for k in range(len(natural))],
            "date": pd.to_datetime(natural["t"], unit="s").dt.strftime("%Y-%m-%d %H:%M"),
            "type": natural["label"],
            "lat": natural["lat"].round(6),
            "lon": natural["lon"].round(6),
            "item": "", "quantity": "", "unit": "",
            "notes": natural["notes"],
            COL_SPECIES: natural["species"], COL_CAUSE: natural["cause"],
            COL_CASE: "", COL_PEOPLE: "", COL_NATIONALITY: "",
        }
    )  # fmt: skip
    t_all = np.concatenate([context["t"].to_numpy(np.int64), natural["t"].to_numpy(np.int64)])
    out = pd.concat([inc, nat], ignore_index=True) if len(nat) else inc
    out = out.iloc[np.argsort(t_all, kind="stable")].reset_index(drop=True)
    return out[REGISTER_COLUMNS], cases


def _vary_seizure(inc: pd.DataFrame, i: int, rng: np.random.Generator) -> None:
    """Some firearm seizures were ammunition, some bushmeat seizures pangolin scales."""
    item = inc["item"].iat[i]
    if item == "firearm" and rng.uniform() < AMMUNITION_SHARE:
        new, qty, unit = "ammunition", f"{int(rng.integers(5, 120))}", "rounds"
    elif item == "bushmeat" and rng.uniform() < PANGOLIN_SHARE:
        new, qty, unit = "pangolin_scales", f"{round(float(rng.uniform(0.5, 8.0)), 1):g}", "kg"
    else:
        return
    col = inc.columns.get_loc
    inc.iat[i, col("item")], inc.iat[i, col("quantity")], inc.iat[i, col("unit")] = new, qty, unit
    inc.iat[i, col("notes")] = f"{new.replace('_', ' ')} confiscated"


def _open_cases(
    inc: pd.DataFrame, context: pd.DataFrame, case: np.ndarray, end_s: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Open a case for every arrest (and some seizures), write its ref on those incidents; the case table."""
    openings = []  # (time, rows of the find that carry the ref, what was found or seized, note)
    for _, rows in context.groupby("find", sort=False):
        arrest = rows.index[rows["kind"] == "arrest"]
        seizure = rows.index[rows["kind"] == "seizure"]
        typ = str(rows["attack_type"].iat[0])
        items = {inc["item"].iat[j] for j in seizure}
        serious = bool(SERIOUS & ({typ} | items))
        if len(arrest):
            k = int(context["people"].iat[arrest[0]])
            note = f"docket opened on the arrest of {k} suspect{'s' if k > 1 else ''}"
            openings.append((int(context["t"].iat[arrest[0]]), [*arrest, *seizure], serious, note))
        elif len(seizure) and rng.uniform() < SEIZURE_CASE_SHARE:
            item = inc["item"].iat[seizure[0]].replace("_", " ")
            note = f"docket opened on the seizure of {item}; suspects traced later"
            openings.append((int(context["t"].iat[seizure[0]]), list(seizure), serious, note))
    openings.sort(key=lambda o: o[0])
    rows_out, per_year = [], {}
    for t0, carriers, serious, note in openings:
        year = pd.Timestamp(t0, unit="s").year
        per_year[year] = per_year.get(year, 0) + 1
        ref = f"CR-{year}-{per_year[year]:03d}"
        for j in carriers:
            case[j] = ref
        rows_out.extend(_case_events(ref, t0, serious, note, end_s, rng))
    return pd.DataFrame(rows_out, columns=list(CASE_COLUMNS))


def _case_events(ref: str, t0: int, serious: bool, note: str, end_s: int, rng: np.random.Generator) -> list[tuple]:
    """The steps of one case up to ``end_s``: opened, usually charged, then a verdict or a withdrawal."""
    outcome = _pick(rng, OUTCOMES)
    if outcome == "withdrawn":
        t_end = t0 + rng.uniform(*WITHDRAWN_MONTHS) * MONTH_S
        charged = rng.uniform() < 0.6  # some dockets are withdrawn before anyone is charged
    else:
        lo, hi = VERDICT_MONTHS
        t_end = t0 + (lo + (hi - lo) * rng.beta(1.6, 2.4)) * MONTH_S
        charged = True
    t_charge = t0 + rng.uniform(1, 21) * DAY_S
    events = [(t0, "opened", "", note)]
    if charged and t_charge < t_end:
        events.append((t_charge, "charged", "", str(rng.choice(["first appearance, bail denied",
                       "first appearance, bail granted", "remanded in custody"]))))  # fmt: skip
    if outcome == "convicted":
        events.append((t_end, "convicted", _sentence(rng, serious), str(rng.choice(["found guilty", "guilty plea"]))))
    elif outcome == "acquitted":
        events.append((t_end, "acquitted", "", str(rng.choice(["not guilty", "acquitted on all counts"]))))
    else:
        events.append((t_end, "withdrawn", "", str(rng.choice(["insufficient evidence", "state witness unavailable",
                       "withdrawn by the prosecutor"]))))  # fmt: skip
    return [(ref, ev, _day(t), sentence, text) for t, ev, sentence, text in events if t <= end_s]


def _day(t: float) -> str:
    return pd.Timestamp(int(t), unit="s").strftime("%Y-%m-%d")


def _sentence(rng: np.random.Generator, serious: bool) -> str:
    u = rng.uniform()
    if serious:
        if u < 0.8:
            return f"{int(rng.integers(3, 16))} years"
        return f"fine {int(rng.choice([50_000, 100_000, 200_000])):,}"
    if u < 0.45:
        return f"fine {int(rng.choice([2_000, 5_000, 10_000, 20_000])):,}"
    if u < 0.8:
        return f"{int(rng.integers(6, 37))} months"
    k = int(rng.integers(1, 4))
    return f"{k} year{'s' if k > 1 else ''} suspended"


def register_figures(incidents: pd.DataFrame, cases: pd.DataFrame) -> dict[str, int]:
    """Counts of the register, for the park's README (see :func:`simulator.writers.write_readme`)."""
    carcass = incidents[COL_CAUSE] != ""
    elephant = carcass & (incidents[COL_SPECIES] == "elephant")
    last = cases.groupby(COL_CASE, sort=False)["event"].last()
    closed = last.isin(CLOSING_EVENTS)
    return {
        "n_incidents": len(incidents),
        "n_natural": int((carcass & (incidents[COL_CAUSE] != "illegal")).sum()),
        "n_elephant_illegal": int((elephant & (incidents[COL_CAUSE] == "illegal")).sum()),
        "n_elephant": int(elephant.sum()),
        "n_cases": len(last),
        "n_case_rows": len(cases),
        "n_convicted": int((last == "convicted").sum()),
        "n_closed": int(closed.sum()),
        "n_open": int((~closed).sum()),
    }

"""Risk surfaces for the pages: default settings, cached fitting and evaluation, charts.

The fitted surface of the session is kept in ``st.session_state["risk"]`` as
``{"park": folder, "surface": RiskSurface, "settings": {...}}`` so the map and
plan pages can draw and use it.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from riskmodel.defaults import PRIOR_FACTOR_LABELS, PRIOR_WEIGHTS
from riskmodel.kept import keep_surface
from riskmodel.prior import PRIOR_MODEL
from ui import common, jobs, jobtasks, mapview

DEFAULT_HORIZON = 3
MODEL_LABELS = {
    "effort-aware": "Effort-aware (recommended)",
    "effort-blind": "Effort-blind classifier (baseline)",
    "kde": "KDE hot-spots (baseline)",
    PRIOR_MODEL: "Prior from habitat, animals and access (no history needed)",
}
MODEL_HELP = (
    "Effort-aware: a find needs both an attack and a detection, whose probability grows with the km walked, "
    "so cells nobody patrolled are not taken as safe. Effort-blind: a classifier of where incidents were found. "
    "KDE hot-spots: a smoothed map of past incidents, what most parks use today. "
    "Prior: no history needed; a weighted mix of animal densities, vegetation and access (boundary, villages, "
    "roads, water, distance from posts) with weights you set, for a park's first months."
)
PRIOR_HELP = (
    "How much each factor raises the risk, from 0 (ignore it) up. Only the ratios matter: "
    "weights 2 and 1 mean the first factor counts twice as much."
)
WEIGHTS_KEY = "prior_weights"  # session key of the manager's prior weights (shared by the Risk and Plans pages)


def models(park=None) -> list[str]:
    """Model names ``fit_risk`` accepts, the recommended one first and the prior last.

    A park with no dated incident or track can only have the prior.
    """
    if park is not None and not common.park_months(park):
        return [PRIOR_MODEL]
    from riskmodel.models import MODELS, RECOMMENDED  # here: the map page need not import scikit-learn

    return sorted(MODELS, key=lambda n: n != RECOMMENDED) + [PRIOR_MODEL]


def prior_weights() -> dict[str, float]:
    """The prior's weights set on the Risk page in this session (the defaults otherwise)."""
    return dict(st.session_state.get(WEIGHTS_KEY) or PRIOR_WEIGHTS)


def weight_inputs(park) -> dict[str, float]:
    """Sliders for the prior's weights (kept in the session); returns the weights."""
    current = prior_weights()
    out = {}
    for name, label in PRIOR_FACTOR_LABELS.items():
        out[name] = st.slider(label, 0.0, 5.0, float(current.get(name, PRIOR_WEIGHTS[name])), 0.5, key=f"w_{name}")
    st.session_state[WEIGHTS_KEY] = out
    return out


def default_settings(park, horizon: int = DEFAULT_HORIZON) -> dict:
    """A cut-off that leaves ``horizon`` months of data after it to validate on."""
    months = common.park_months(park)
    if len(months) > horizon + 1:
        cutoff = months[-1 - horizon].end_time.date()
    elif months:
        cutoff = months[-1].end_time.date()
    else:
        cutoff = end_of_last_month()
    return {"train_until": cutoff, "horizon": horizon, "model": models(park)[0]}


def _fit(folder: str, content_stamp: str, model: str, train_until: str, horizon: int, weights: tuple, _progress=None):
    """Fit (or share) a surface in the job worker process (:mod:`ui.jobs`)."""
    common.load_park(folder)  # loaded (and on disk) before the worker asks the disk cache for it
    key = ("fit", folder, content_stamp, model, train_until, horizon, weights)
    args = (folder, content_stamp, model, train_until, horizon, dict(weights))
    return jobs.result(key, jobtasks.fit_task, _progress, args=args)


def fit(park, model: str, train_until, horizon: int, progress=None, store: str = "risk") -> dict:
    """Fit (or reuse) a risk surface and keep it in the session under ``store``.

    ``"risk"`` is the Risk page's surface (also drawn on the map page);
    ``"forecast"`` is the planning forecast of the Patrol plans page.  A prior
    (asked for, or the fallback of a park with no history) uses the session's
    weights (:func:`prior_weights`).
    """
    folder = str(park.folder)
    weights = tuple(sorted(prior_weights().items()))
    surface = _fit(folder, common.stamp(folder), model, str(train_until), int(horizon), weights, _progress=progress)
    settings = {"model": surface.model, "train_until": str(train_until), "horizon": int(horizon)}
    if surface.is_prior:
        settings["weights"] = dict(weights)
    entry = {"park": folder, "surface": surface, "settings": settings}
    entry["kept"] = common.keep_work(lambda: keep_surface(folder, surface, settings, role=store), "The risk map")
    st.session_state[store] = entry
    return entry


def forecast_settings(park, horizon: int = DEFAULT_HORIZON) -> dict:
    """Settings of the planning forecast: the recommended model trained on every day of data.

    The cut-off is the park's last data date (its last incident or GPS fix),
    so the risk covers the ``horizon`` months after it: the months being planned.
    """
    last = common.last_data_date(park) or end_of_last_month()
    return {"train_until": last, "horizon": int(horizon), "model": models(park)[0]}


def end_of_last_month():
    """The last day of the previous month: the cut-off of a park with no data, so its map starts this month."""
    today = pd.Timestamp.today().normalize()
    return (today - pd.Timedelta(days=today.day)).date()


def fit_forecast(park, horizon: int = DEFAULT_HORIZON, progress=None) -> dict:
    """Fit (or reuse) the planning forecast and keep it as the session's ``"forecast"``."""
    s = forecast_settings(park, horizon)
    return fit(park, s["model"], s["train_until"], s["horizon"], progress, store="forecast")


def session_forecast(park, horizon: int):
    """The planning forecast of this park and horizon fitted in this session, or ``None``."""
    f = common.session_risk(park, "forecast")
    if f and f["settings"].get("horizon") == int(horizon):
        return f
    return None


FORECAST = "forecast"  # risk source: a forecast fitted on all data
RISK_PAGE = "risk page"  # risk source: the surface fitted on the Risk page


def risk_source_radio(risk_page: dict | None, key: str) -> str:
    """The sidebar choice of the risk surface to plan on: :data:`FORECAST` or, once one is fitted, :data:`RISK_PAGE`."""
    sources = [FORECAST] + ([RISK_PAGE] if risk_page else [])
    return st.radio(
        "Risk surface",
        sources,
        format_func=lambda s: (
            "Forecast from all data (recommended)"
            if s == FORECAST
            else f"The one fitted on the Risk page (cut-off {risk_page['settings']['train_until']})"
        ),
        key=key,
    )


def describe(entry: dict) -> str:
    """One sentence naming a fitted surface's model, training cut-off and horizon months."""
    s = entry["settings"]
    periods = getattr(entry["surface"], "periods", None)
    months = month_range(periods) if periods is not None and len(periods) else f"{s['horizon']} months"
    if getattr(entry["surface"], "is_prior", False):
        return f"**{entry['surface'].label}**, for **{months}**"
    return (
        f"**{MODEL_LABELS.get(s['model'], s['model'])}** model trained on data up to **{s['train_until']}**, "
        f"risk for **{months}** ({s['horizon']} months after the cut-off)"
    )


def month_range(periods) -> str:
    """``"Jul 2026"`` for one month, ``"Jul 2026 to Sep 2026"`` for several."""
    first, last = pd.Period(periods[0], "M"), pd.Period(periods[-1], "M")
    return first.strftime("%b %Y") if first == last else f"{first.strftime('%b %Y')} to {last.strftime('%b %Y')}"


def covers(entry: dict, first_day, days: int) -> bool:
    """Whether the plan's days fall inside the months a fitted surface forecasts."""
    periods = getattr(entry["surface"], "periods", None)
    if periods is None or not len(periods):
        return True
    first = pd.Period(pd.Timestamp(first_day), "M")
    last = pd.Period(pd.Timestamp(first_day) + pd.Timedelta(days=int(days) - 1), "M")
    return first >= periods[0] and last <= periods[-1]


def fit_default(park, progress=None) -> dict:
    """Fit the recommended model with the default settings."""
    s = default_settings(park)
    return fit(park, s["model"], s["train_until"], s["horizon"], progress)


def _evaluate(folder: str, content_stamp: str, train_until: str, horizon: int, _progress=None) -> dict:
    common.load_park(folder)  # loaded (and on disk) before the worker asks the disk cache for it
    key = ("evaluate", folder, content_stamp, train_until, horizon)
    return jobs.result(key, jobtasks.evaluate_task, _progress, args=(folder, content_stamp, train_until, horizon))


def evaluate(park, train_until, horizon: int, progress=None) -> dict:
    """Metrics of every model and baseline on the held-out months (cached), as a dict."""
    folder = str(park.folder)
    return _evaluate(folder, common.stamp(folder), str(train_until), int(horizon), _progress=progress)


def raster_files(surface) -> tuple[dict[str, bytes], bytes]:
    """The surface's GeoTIFFs (risk, uncertainty, classes) by file name and their zip, written once per surface."""
    arrays = (surface.risk, getattr(surface, "uncertainty", None), getattr(surface, "classes", None))
    return _raster_files("|".join(mapview.array_digest(a) for a in arrays), _surface=surface)


@st.cache_resource(show_spinner=False, max_entries=8)
def _raster_files(digest: str, _surface) -> tuple[dict[str, bytes], bytes]:
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        _surface.write(Path(tmp) / "risk.tif")
        for p in sorted(Path(tmp).rglob("*")):
            if p.is_file():
                files[p.name] = p.read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return files, buf.getvalue()


def capture_curve(score: np.ndarray, outcome: np.ndarray, mask: np.ndarray) -> pd.DataFrame:
    """Share of incidents found in the riskiest share of the park's area (one row per cell)."""
    s = np.asarray(score, dtype=float)[mask]
    o = np.asarray(outcome, dtype=float)[mask]
    ok = np.isfinite(s)
    s, o = s[ok], o[ok]
    order = np.argsort(-s, kind="stable")
    total = o.sum()
    area = np.arange(1, len(s) + 1) / max(len(s), 1)
    found = np.cumsum(o[order]) / total if total > 0 else np.zeros(len(s))
    idx = np.unique(np.linspace(0, len(s) - 1, min(len(s), 200)).astype(int))
    return pd.DataFrame(
        {"share of park area (%)": 100 * area[idx], "share of incidents captured (%)": 100 * found[idx]}
    )


METRIC_COLUMNS = {
    "auc": "ranking skill (AUC, 0.5 = chance, 1 = perfect)",
    "capture_top10pct": "found in the riskiest 10 % of the park (%)",
    "pai_top10pct": "times better than chance in that 10 % (PAI)",
    "ll_top10pct": "hit rate x coverage in that 10 % (L&L)",
}
METRIC_HELP = (
    "Ranking skill (AUC): the chance that a place with an incident is ranked above one without. "
    "PAI (prediction accuracy index): share of incidents in the riskiest 10 % of the area divided by 10 %. "
    "L&L (Levine and Lee): the same share squared over the share of places flagged; higher is better."
)
ROW_LABELS = {"bayes_limit": "Best possible (the demo's true attack rate)"}
FEATURE_WORDS = {
    "coverage": "Patrol coverage of the month",
    "month": "Month of the year",
    "season_sin": "Season (sine)",
    "season_cos": "Season (cosine)",
    "slope_deg": "Slope (degrees)",
    "ruggedness_m": "Ruggedness (m)",
    "dem": "Elevation (m)",
    "ndvi": "Vegetation (NDVI)",
    "found_rate_cell": "Past finds per km walked, this place",
    "x_km": "East (km)",
    "y_km": "North (km)",
}


def feature_label(name: str) -> str:
    """A feature's name in words: ``dist_villages_m`` -> "Distance to villages (m)"."""
    import re

    if name in FEATURE_WORDS:
        return FEATURE_WORDS[name]
    if m := re.fullmatch(r"dist_(.+)_m", name):
        return f"Distance to {m.group(1).replace('_', ' ')} (m)"
    if m := re.fullmatch(r"effort_km_lag(\d+)", name):
        return f"km walked here, last {m.group(1)} months"
    if m := re.fullmatch(r"found_lag(\d+)", name):
        return f"Incidents found here, last {m.group(1)} months"
    if m := re.fullmatch(r"effort_near([\d.]+)km_lag(\d+)", name):
        return f"km walked within {m.group(1)} km, last {m.group(2)} months"
    if m := re.fullmatch(r"found_near([\d.]+)km_lag(\d+)", name):
        return f"Incidents found within {m.group(1)} km, last {m.group(2)} months"
    if m := re.fullmatch(r"found_rate_([\d.]+)km(?:_lag(\d+))?", name):
        window = f", last {m.group(2)} months" if m.group(2) else ""
        return f"Finds per km walked within {m.group(1)} km{window}"
    if m := re.fullmatch(r"(.+)_density", name):
        return f"{m.group(1).replace('_', ' ').capitalize()} density (per km²)"
    if m := re.fullmatch(r"(.+)=(\d+)", name):
        return f"{m.group(1).replace('_', ' ').capitalize()}: class {m.group(2)}"
    return name.replace("_", " ").capitalize()


def validation_table(evaluation: dict) -> pd.DataFrame:
    """One row per model (and the Bayes limit): scores against found incidents and, where known, true attacks."""
    rows = []
    found = evaluation.get("found") or {}
    truth = evaluation.get("truth") or {}
    ratios = evaluation.get("ratio_to_bayes_limit") or {}
    for name in list(found) + [n for n in truth if n not in found]:
        row = {"model": ROW_LABELS.get(name) or MODEL_LABELS.get(name, name)}
        for source, scores in (("found incidents", found.get(name)), ("true attacks", truth.get(name))):
            if not scores:
                continue
            for key, label in METRIC_COLUMNS.items():
                v = scores.get(key)
                if v is not None and key == "capture_top10pct":
                    v = 100.0 * v
                row[f"vs {source}: {label}"] = v
        r = ratios.get(name)
        if r:
            row["ranking skill / best possible (ratio)"] = r.get("auc")
            row["found in top 10 % / best possible (ratio)"] = r.get("capture_top10pct")
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in frame.columns[1:]:  # two decimals; no number is shown as an empty cell, not "None"
        frame[col] = [f"{v:.2f}" if isinstance(v, (int, float)) and np.isfinite(v) else "–" for v in frame[col]]
    return frame


EFFORT_CONDITIONAL_COLUMNS = {
    "auc": "AUC of expected finds (0-1)",
    "deviance": "Poisson deviance per patrolled cell (lower is better)",
    "capture_top10pct_km": "finds in the map's top 10 % of km walked (%)",
    "lift_top10pct_km": "finds per km there / finds per km overall (ratio)",
}
RAW_TABLE_WARNING = (
    "Scored on raw finds, a map that only redraws the patrol routes looks best, because finds happen where "
    "rangers walk; this table scores each map's expected finds given the km actually walked in the held-out "
    "months, over the patrolled cells only, so it rewards knowing where attacks are, not where rangers go."
)


def effort_conditional_table(evaluation: dict) -> pd.DataFrame:
    """One row per model: its expected finds given the effort walked, scored against the finds (patrolled cells)."""
    rows = []
    for name, scores in (evaluation.get("effort_conditional") or {}).items():
        row = {"model": name}
        for key, label in EFFORT_CONDITIONAL_COLUMNS.items():
            v = scores.get(key)
            row[label] = 100.0 * v if v is not None and key == "capture_top10pct_km" else v
        row["patrolled cells"] = scores.get("patrolled_cells")
        row["km walked"] = scores.get("km")
        row["finds"] = scores.get("finds")
        rows.append(row)
    return pd.DataFrame(rows).round(3)


def coverage_sentence(evaluation: dict) -> str:
    """How often the true intensity fell inside the stated intervals (demo parks), or ''."""
    cov = evaluation.get("interval_coverage")
    if not cov:
        return ""
    srch, unsr = cov.get("searched") or {}, cov.get("unsearched") or {}

    def pct(v):
        return "n/a" if v is None else f"{100 * v:.0f} %"

    return (
        f"Stated uncertainty: the true intensity fell inside the 50 % interval in {pct(cov.get('50%'))} of the cells "
        f"and inside the 90 % interval in {pct(cov.get('90%'))}; the stated sd of the log-intensity is "
        f"{unsr.get('mean_log_sd') or float('nan'):.2f} where nobody walked recently against "
        f"{srch.get('mean_log_sd') or float('nan'):.2f} where rangers searched."
    )


def calibration_frame(evaluation: dict, model: str) -> tuple[pd.DataFrame, str]:
    """Predicted against observed probability by bin, against the truth where known."""
    source = "truth" if (evaluation.get("truth") or {}).get(model) else "found"
    bins = ((evaluation.get(source) or {}).get(model) or {}).get("calibration") or []
    frame = pd.DataFrame(bins)
    if len(frame):
        frame = frame.rename(
            columns={"predicted": "predicted probability", "observed": "observed share of cells (probability)"}
        )
    return frame, "true attacks" if source == "truth" else "found incidents"


def show_evaluation(evaluation: dict, model: str | None = None) -> None:
    """The validation table, calibration and feature effects of an evaluation dict."""
    st.markdown(
        f"**Validation** on the held-out months {month_range(evaluation['horizon']) if evaluation.get('horizon') else ''} "
        f"(trained on data up to {evaluation.get('train_until')})"
    )
    conditional = effort_conditional_table(evaluation)
    if len(conditional):
        st.markdown("**Expected finds given the effort walked** (patrolled cells of the held-out months)")
        st.dataframe(conditional, hide_index=True, width="stretch")
        st.caption(RAW_TABLE_WARNING)
    st.markdown("**Against the incidents found**" + (" and the true attacks" if evaluation.get("truth") else ""))
    table = validation_table(evaluation)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(METRIC_HELP)
    if coverage_sentence(evaluation):
        st.caption(coverage_sentence(evaluation))
    if not evaluation.get("truth"):
        st.caption(
            "This park has no hidden truth: models are scored against the incidents found, which depend on where rangers walked."
        )
    else:
        st.caption(
            "The demo park's hidden truth scores every model against all attacks, found or not; the Bayes limit is the true intensity."
        )
    model = model or next(iter(evaluation.get("found") or {}), None)
    left, right = st.columns(2)
    with left:
        frame, against = calibration_frame(evaluation, model) if model else (pd.DataFrame(), "")
        if len(frame):
            st.markdown(
                f"**Calibration** of the {MODEL_LABELS.get(model, model)} model against {against} (10 bins of places)"
            )
            frame["perfect calibration"] = frame["predicted probability"]
            st.line_chart(
                frame,
                x="predicted probability",
                y=["observed share of cells (probability)", "perfect calibration"],
                height=260,
            )
    with right:
        imp = pd.DataFrame(evaluation.get("importance") or [])
        if len(imp):
            st.markdown(
                "**What drives the map** (how much worse the model predicts when the factor is shuffled)",
                help="Increase in Poisson deviance per row when the factor's values are shuffled; bigger = more important.",
            )
            shown = imp.head(12).assign(feature=lambda d: d["feature"].map(feature_label))
            top = float(shown["importance"].max()) if len(shown) else 1.0
            st.dataframe(
                shown[["feature", "importance"]],
                hide_index=True,
                width="stretch",
                column_config={
                    "feature": st.column_config.TextColumn("factor", width="large"),
                    "importance": st.column_config.ProgressColumn(
                        "importance (deviance per row)", format="%.4f", min_value=0.0, max_value=max(top, 1e-12)
                    ),
                },
            )
    pdp = evaluation.get("partial_dependence") or {}
    if pdp:
        st.markdown("**Feature effects** (partial dependence: expected attacks per cell and month)")
        cols = st.columns(len(pdp))
        for col, (feature, d) in zip(cols, pdp.items()):
            with col:
                label = feature_label(feature)
                frame = pd.DataFrame({label: d["values"], "attacks per place and month": d["attacks_per_cell_month"]})
                st.caption(label)
                st.line_chart(frame, x=label, y="attacks per place and month", height=200)

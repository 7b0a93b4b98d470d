"""Risk-model benchmark: quality against the hidden truth per poacher behaviour, and speed at scale.

1. For every behaviour the demo generator offers, a demo park is generated in
   a temporary folder; every model is fitted up to a cut-off date and scored
   on the next three months against the true attacks (found or not).  The
   recommended model's AUC and top-10 %-area capture are printed as shares
   of the Bayes limit (the true intensity's scores), with the KDE hot-spot
   baseline beside them, for one cut-off and seed and as the mean over a
   rolling origin (three cut-offs three months apart) and six seeds (single
   hold-outs are noisy: one park's capture ratio can be 15 points from the mean).  Targets (on the mean): AUC >= 0.95 and capture >= 0.85
   of the limit.
2. Fit and predict time and peak memory of the recommended model on a
   generated 5,000 km2 demo park at 250 m with 36 months (the park is
   generated and loaded first; only the fit and the prediction are timed).
   Targets: fit < 60 s, predict < 5 s.

3. ``--random N``: parks unlike the demo.  N small parks (600-1,500 km2 at
   500 m, 24-36 months) with the poacher process drawn at random per seed
   (``--behaviour random``), and one park of each named behaviour of the same
   size, each scored from the cut-off six months before its end over
   horizons of 1, 3 and 6 months.  Printed per horizon: the mean and the
   worst decile (10th percentile over parks) of AUC / limit and top-10 %
   capture / limit of the recommended model; how often the
   effort-conditional validation picks the same best model as the truth;
   the coverage of the stated 50 % and 90 % intervals; and where the loss is:
   the ratios inside searched and inside unsearched cells, the rank
   correlation with the true intensity in each, and the map's mean
   intensity of the unsearched ground over the searched against the
   truth's (``riskmodel.metrics.searched_split``).  Targets (means):
   AUC >= 0.95, capture >= 0.85; coverage within 10 points of nominal.
4. ``--calibrate N``: chooses the constants of :mod:`riskmodel.uncertainty`
   on N random parks (the pair whose 50 % and 90 % coverage, over all cells
   and over the unsearched ones, is nearest nominal; printed, to be copied
   there by hand).
5. ``--variants A,B,... --random N [--first-seed S]``: only the recommended model, under each named
   variant of ``VARIANTS`` (estimator settings and :mod:`riskmodel.surface` flags), on the same N random
   parks: per park and variant the ratios, the level error of the unsearched ground and the coverage,
   then means, worst deciles and the paired differences against the first variant (mean +- standard
   error over parks).  The variants tried so far and their figures: ``benchmarks/risk_level_experiments.md``.

Run: ``.venv/bin/python benchmarks/bench_risk.py [--behaviours a,b] [--skip-demo] [--skip-scale]
[--random N [--horizons 1,3,6] [--variants A,B]] [--calibrate N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.defaults import ATTACK_TYPES
from riskmodel import evaluation as E
from riskmodel import surface as S
from riskmodel.errors import NotEnoughDataError

CUT_OFFS = ("2026-01-31", "2026-04-30", "2026-07-31")  # rolling origin; the demo parks end in October 2026
SEEDS = (3, 4, 5, 6, 7, 8)  # single demo parks differ a lot: the targets are judged on the mean
HORIZON = 3


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _ratios(arr, cut: str) -> tuple[dict, dict, dict]:
    ev = E.evaluate(None, cut, HORIZON, arrays=arr, explain=False, models=("effort-aware", "kde")).to_dict()
    return ev["ratio_to_bayes_limit"]["effort-aware"], ev["ratio_to_bayes_limit"]["kde"], ev["truth"]["bayes_limit"]


def bench_behaviours(behaviours, seeds, cut_offs) -> bool:
    """Ratios to the Bayes limit per behaviour: the last cut-off of the first seed, and the mean over all."""

    from layers.park import load_park
    from simulator import generate_demo_park

    print(
        f"Quality against the true attacks, scored on the {HORIZON} months after each cut-off "
        f"({', '.join(cut_offs)}), seeds {', '.join(map(str, seeds))}"
    )
    print(f"'single' = seed {seeds[0]}, cut-off {cut_offs[-1]}; 'mean' = over every seed and cut-off")
    print(f"{'behaviour':13s} {'':6s} {'AUC/limit':>10s} {'capture/limit':>14s} {'KDE AUC/limit':>14s} "
          f"{'KDE capture/limit':>18s} {'limit AUC':>10s} {'limit capture':>14s}")  # fmt: skip
    ok = True
    keys = ("auc", "capture_top10pct")
    with tempfile.TemporaryDirectory() as tmp:
        for b in behaviours:
            runs = []
            for seed in seeds:
                folder = generate_demo_park(Path(tmp) / f"{b}_{seed}", seed=seed, behaviour=b)
                arr = S.park_arrays(load_park(folder), ATTACK_TYPES)
                for cut in cut_offs:
                    runs.append(_ratios(arr, cut))
            single = runs[len(cut_offs) - 1]
            mean = tuple({k: float(np.mean([r[i][k] for r in runs])) for k in keys} for i in range(3))
            for label, (r, k, lim) in (("single", single), ("mean", mean)):
                passed = r["auc"] >= 0.95 and r["capture_top10pct"] >= 0.85
                if label == "mean":
                    ok &= passed
                print(
                    f"{b:13s} {label:6s} {r['auc'] * 100:9.1f}% {r['capture_top10pct'] * 100:13.1f}% "
                    f"{k['auc'] * 100:13.1f}% {k['capture_top10pct'] * 100:17.1f}% {lim['auc']:10.3f} "
                    f"{lim['capture_top10pct'] * 100:13.1f}%  {'ok' if passed else 'BELOW TARGET'}",
                    flush=True,
                )
    return ok


def bench_scale(area_km2: float = 5000.0, cell_m: float = 250.0, months: int = 36) -> bool:
    """Fit and predict time and peak memory on a generated demo park of ``area_km2`` at ``cell_m``."""

    from layers.park import load_park
    from simulator import generate_demo_park

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = generate_demo_park(Path(tmp) / "scale", seed=1, area_km2=area_km2, cell_size_m=cell_m, months=months)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        arr = S.park_arrays(load_park(folder), ATTACK_TYPES)
        load_s = time.perf_counter() - t0
    grid = arr.grid
    before = peak_rss_mb()
    t0 = time.perf_counter()
    risk, _, _, table, _, meta = S.fit_predict(arr, len(arr.periods), 1)
    total = time.perf_counter() - t0
    fit_s = total - meta["predict_s"]  # table building + fitting
    area = grid.n_cells * grid.cell_area_km2
    print(
        f"Scale: generated demo park of {area:,.0f} km2 at {cell_m:g} m ({grid.n_cells:,} cells), {len(arr.periods)} "
        f"months, {len(arr.names)} covariates, {int(arr.counts.sum()):,} incidents, {len(table):,} training rows"
    )
    print(f"  (generating the park: {gen_s:.0f} s; loading it, covariates and monthly effort: {load_s:.1f} s)")
    print(f"  fit (table + model): {fit_s:.1f} s (target < 60 s)")
    print(f"  predict (one month): {meta['predict_s']:.2f} s (target < 5 s)")
    print(f"  peak memory: {peak_rss_mb():,.0f} MB (process; {before:,.0f} MB before the fit)", flush=True)
    return fit_s < 60 and meta["predict_s"] < 5


RANDOM_AREA_KM2 = (600.0, 1500.0)
RANDOM_MONTHS = (24, 36)
RANDOM_CELL_M = 500.0
RANDOM_END = "2026-10-31"
RANDOM_CUT = "2026-04-30"  # six months before the end: every horizon is scored from one cut-off
HORIZONS = (1, 3, 6)


def _random_park(tmp: Path, seed: int, behaviour: str = "random"):
    """Generate and load one small park of the random-park benchmark; returns its ParkArrays."""
    from layers.park import load_park
    from simulator import generate_demo_park

    rng = np.random.default_rng([seed, 2026])
    area = float(np.exp(rng.uniform(*np.log(RANDOM_AREA_KM2))))
    months = int(rng.integers(RANDOM_MONTHS[0], RANDOM_MONTHS[1] + 1))
    folder = generate_demo_park(
        tmp / f"{behaviour}_{seed}", seed=seed, behaviour=behaviour, area_km2=area, cell_size_m=RANDOM_CELL_M,
        months=months, end=RANDOM_END, fix_interval_s=600,
    )  # fmt: skip
    return S.park_arrays(load_park(folder), ATTACK_TYPES)


def _decile(values) -> float:
    v = np.asarray([x for x in values if x == x], float)
    return float(np.quantile(v, 0.1)) if v.size else float("nan")


_NUMERIC = ("auc", "cap", "kde_auc", "blind_auc", "tau", "cov50", "cov90", "sd_u", "sd_s")


def _split_columns(split: dict) -> dict:
    """Columns of the searched / unsearched diagnostic (:func:`riskmodel.metrics.searched_split`)."""
    nan = float("nan")
    split = {k: ({kk: (nan if vv is None else vv) for kk, vv in v.items()} if isinstance(v, dict) else v)
             for k, v in split.items() if v is not None}  # fmt: skip  # to_dict writes NaN as None
    s, u = split.get("searched", {}), split.get("unsearched", {})
    cells = s.get("cells", 0) + u.get("cells", 0)
    return {
        "unsr_share": u.get("cells", 0) / cells if cells else nan,
        "auc_s": s.get("auc_ratio", nan), "auc_u": u.get("auc_ratio", nan),
        "cap_s": s.get("capture_ratio", nan), "cap_u": u.get("capture_ratio", nan),
        "rho_s": s.get("spearman", nan), "rho_u": u.get("spearman", nan),
        "lvl_model": split.get("level_model", nan), "lvl_truth": split.get("level_truth", nan),
        "lvl_err": split.get("level_error", nan),
    }  # fmt: skip


def bench_random(n: int, horizons, named: bool = True, first_seed: int = 1, out_json: str | None = None) -> bool:
    """Ratios to the Bayes limit, validation agreement and interval coverage over random parks."""
    from simulator.poachers import NAMED_BEHAVIOURS

    jobs = [("random", seed) for seed in range(first_seed, first_seed + n)]
    if named:
        jobs += [(b, 100 + i) for i, b in enumerate(NAMED_BEHAVIOURS)]
    rows = []
    print(f"Random parks: {n} drawn processes" + (" + one park per named behaviour" if named else ""))
    print(f"  {RANDOM_AREA_KM2[0]:g}-{RANDOM_AREA_KM2[1]:g} km2 at {RANDOM_CELL_M:g} m, {RANDOM_MONTHS[0]}-"
          f"{RANDOM_MONTHS[1]} months, cut-off {RANDOM_CUT}, horizons {', '.join(map(str, horizons))} months")  # fmt: skip
    print(f"  {'park':16s} {'h':>2s} {'AUC/lim':>8s} {'cap/lim':>8s} {'KDE AUC':>8s} {'blind AUC':>9s} "
          f"{'EC best':>12s} {'truth best':>12s} {'cov50':>6s} {'cov90':>6s} {'sd unsrch/srch':>15s} {'fits s':>6s} "
          f"{'unsr':>5s} {'AUC s/u':>11s} {'cap s/u':>11s} {'level u/s model/truth':>21s} {'rho s/u':>11s}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for behaviour, seed in jobs:
            arr = _random_park(Path(tmp), seed, behaviour)
            t0 = time.perf_counter()
            try:
                evs = E.evaluate_horizons(None, RANDOM_CUT, horizons, arrays=arr)  # one fit per model, every horizon
            except NotEnoughDataError as exc:
                print(f"  {behaviour}-{seed}: not scored ({exc})", flush=True)
                continue
            fit_s = time.perf_counter() - t0
            for h in horizons:
                ev = evs[h].to_dict()
                r = ev["ratio_to_bayes_limit"]
                agree = ev["agreement_with_truth"]["auc"]
                cov = ev["interval_coverage"] or {}
                row = {
                    "kind": "random" if behaviour == "random" else "named", "park": f"{behaviour}-{seed}", "h": h,
                    "auc": r["effort-aware"]["auc"], "cap": r["effort-aware"]["capture_top10pct"],
                    "kde_auc": r["kde"]["auc"], "blind_auc": r["effort-blind"]["auc"],
                    "ec_best": agree.get("order_effort_conditional", ["?"])[0],
                    "truth_best": agree.get("order_truth", ["?"])[0], "same_best": agree.get("same_best"),
                    "tau": agree.get("kendall_tau", float("nan")),
                    "same_dev": ev["agreement_with_truth"].get("deviance", {}).get("same_best"),
                    "cov50": cov.get("50%", float("nan")), "cov90": cov.get("90%", float("nan")),
                    "sd_u": cov.get("unsearched", {}).get("mean_log_sd", float("nan")),
                    "sd_s": cov.get("searched", {}).get("mean_log_sd", float("nan")),
                    "s": fit_s,
                    **_split_columns(ev.get("searched_split") or {}),
                }  # fmt: skip
                # to_dict writes NaN as None (a park with too few attacks for a tau or a ratio)
                row.update({k: float("nan") for k in _NUMERIC if row.get(k) is None})
                rows.append(row)
                print(
                    f"  {row['park']:16s} {h:2d} {row['auc'] * 100:7.1f}% {row['cap'] * 100:7.1f}% "
                    f"{row['kde_auc'] * 100:7.1f}% {row['blind_auc'] * 100:8.1f}% {row['ec_best']:>12s} "
                    f"{row['truth_best']:>12s} {row['cov50'] * 100:5.0f}% {row['cov90'] * 100:5.0f}% "
                    f"{row['sd_u']:7.2f}/{row['sd_s']:<7.2f} {row['s']:6.1f} {row['unsr_share'] * 100:4.0f}% "
                    f"{row['auc_s'] * 100:5.1f}/{row['auc_u'] * 100:5.1f} {row['cap_s'] * 100:5.1f}/{row['cap_u'] * 100:5.1f} "
                    f"{row['lvl_model']:10.2f}/{row['lvl_truth']:<10.2f} {row['rho_s']:5.2f}/{row['rho_u']:5.2f}",
                    flush=True,
                )
    ok = True
    print("\nSummary (AUC and capture as shares of the Bayes limit; worst decile = 10th percentile over parks)")
    print(f"  {'parks':7s} {'h':>2s} {'n':>3s} {'AUC mean':>9s} {'AUC worst10':>11s} {'cap mean':>9s} "
          f"{'cap worst10':>11s} {'EC=truth best':>13s} {'(deviance)':>13s} {'tau':>5s} {'cov50':>6s} {'cov90':>6s}")  # fmt: skip
    for kind in ("random", "named"):
        for h in horizons:
            sel = [r for r in rows if r["kind"] == kind and r["h"] == h]
            if not sel:
                continue
            mean = {k: float(np.nanmean([r[k] for r in sel])) for k in ("auc", "cap", "tau", "cov50", "cov90")}
            # parks whose held-out months had no find have no effort-conditional order: left out of the share
            same = np.mean([r["same_best"] for r in sel if r["same_best"] is not None] or [np.nan])
            same_dev = np.mean([r["same_dev"] for r in sel if r.get("same_dev") is not None] or [np.nan])
            passed = mean["auc"] >= 0.95 and mean["cap"] >= 0.85
            ok &= passed
            print(
                f"  {kind:7s} {h:2d} {len(sel):3d} {mean['auc'] * 100:8.1f}% {_decile([r['auc'] for r in sel]) * 100:10.1f}% "
                f"{mean['cap'] * 100:8.1f}% {_decile([r['cap'] for r in sel]) * 100:10.1f}% {same * 100:12.0f}% "
                f"{same_dev * 100:12.0f}% {mean['tau']:5.2f} {mean['cov50'] * 100:5.0f}% {mean['cov90'] * 100:5.0f}%  "
                f"{'ok' if passed else 'BELOW TARGET'}",
                flush=True,
            )
    print("\nWhere the loss is (means over parks; s = searched cells, u = unsearched, unsearched weight > 0.5):")
    print(f"  {'parks':7s} {'h':>2s} {'AUC/lim s':>9s} {'AUC/lim u':>9s} {'cap/lim s':>9s} {'cap/lim u':>9s} "
          f"{'rho s':>6s} {'rho u':>6s} {'level error (model/truth of u/s): geo mean':>43s} {'worst':>6s}")  # fmt: skip
    for kind in ("random", "named"):
        for h in horizons:
            sel = [r for r in rows if r["kind"] == kind and r["h"] == h]
            if not sel:
                continue
            m = {
                k: float(np.nanmean([r[k] for r in sel]))
                for k in ("auc_s", "auc_u", "cap_s", "cap_u", "rho_s", "rho_u")
            }
            log_err = np.log(np.asarray([r["lvl_err"] for r in sel], float))
            worst = float(np.exp(log_err[np.nanargmax(np.abs(log_err))])) if np.isfinite(log_err).any() else np.nan
            print(
                f"  {kind:7s} {h:2d} {m['auc_s'] * 100:8.1f}% {m['auc_u'] * 100:8.1f}% {m['cap_s'] * 100:8.1f}% "
                f"{m['cap_u'] * 100:8.1f}% {m['rho_s']:6.2f} {m['rho_u']:6.2f} {np.exp(np.nanmean(np.abs(log_err))):43.2f}x"
                f" {worst:6.2f}",
                flush=True,
            )
    if out_json:
        Path(out_json).write_text(json.dumps(rows, indent=1, default=float))
    return ok


# --variants: candidate changes of the recommended model, each as (estimator settings, riskmodel.surface flags)
VARIANTS = {
    "main": ({}, {}),
    "free-no-effort": ({}, {"FREE_DROP_PAST_EFFORT": True}),
    "monotone": ({"past_effort": "monotone"}, {}),
    "both": ({"past_effort": "monotone"}, {"FREE_DROP_PAST_EFFORT": True}),
    "free-resid": ({}, {"FREE_RESIDUAL_SCALES": ((10.0, 4.0, 12.0), (3.0, 4.0, 12.0))}),
    "deterrence": ({"past_effort": "deterrence"}, {}),
    "level-glm-deter": ({"past_effort": "deterrence"}, {"LEVEL_FROM_GLM": True}),
    "level-glm": ({}, {"LEVEL_FROM_GLM": True}),
    "level-glm-free": ({}, {"LEVEL_FROM_GLM": True, "FREE_DROP_PAST_EFFORT": True}),
    "level-glm-mono": ({"past_effort": "monotone"}, {"LEVEL_FROM_GLM": True}),
    "level-glm-both": ({"past_effort": "monotone"}, {"LEVEL_FROM_GLM": True, "FREE_DROP_PAST_EFFORT": True}),
}


def bench_variants(names, n: int, horizons, first_seed: int, out_json: str | None = None) -> None:
    """The recommended model under each of ``names`` (``VARIANTS``) on the same random parks, side by side."""
    rows = []
    defaults = {k: getattr(S, k) for _, flags in VARIANTS.values() for k in flags}
    print(f"Variants {', '.join(names)} on random parks {first_seed}-{first_seed + n - 1}")
    print(f"  {'park':12s} {'variant':16s} {'h':>2s} {'AUC/lim':>8s} {'cap/lim':>8s} {'level err':>9s} "
          f"{'cov50':>6s} {'cov90':>6s} {'fit s':>6s}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first_seed, first_seed + n):
            arr = _random_park(Path(tmp), seed)
            for name in names:
                settings, flags = VARIANTS[name]
                for k, v in {**defaults, **flags}.items():
                    setattr(S, k, v)
                t0 = time.perf_counter()
                try:
                    evs = E.evaluate_horizons(
                        None, RANDOM_CUT, horizons, arrays=arr, models=("effort-aware",),
                        settings={"effort-aware": settings},
                    )  # fmt: skip
                except NotEnoughDataError as exc:
                    print(f"  random-{seed}: not scored ({exc})", flush=True)
                    break
                fit_s = time.perf_counter() - t0
                for h in sorted(evs):
                    ev = evs[h].to_dict()
                    r = ev["ratio_to_bayes_limit"]["effort-aware"]
                    cov = ev["interval_coverage"] or {}
                    split = _split_columns(ev.get("searched_split") or {})
                    nan = float("nan")
                    row = {"park": seed, "variant": name, "h": h, "auc": r["auc"], "cap": r["capture_top10pct"],
                           "cov50": cov.get("50%"), "cov90": cov.get("90%"), "s": fit_s, **split}  # fmt: skip
                    row = {k: (nan if v is None else v) for k, v in row.items()}
                    rows.append(row)
                    print(f"  random-{seed:<5d} {name:16s} {h:2d} {row['auc'] * 100:7.1f}% {row['cap'] * 100:7.1f}% "
                          f"{row['lvl_err']:9.2f} {row['cov50'] * 100:5.0f}% {row['cov90'] * 100:5.0f}% {fit_s:6.1f}",
                          flush=True)  # fmt: skip
    for k, v in defaults.items():
        setattr(S, k, v)
    print("\nSummary: mean / worst decile over parks; level error = geometric mean of max(r, 1/r)")
    print(f"  {'variant':16s} {'h':>2s} {'n':>3s} {'AUC mean':>9s} {'AUC w10':>8s} {'cap mean':>9s} {'cap w10':>8s} "
          f"{'level err':>9s} {'cov50':>6s} {'cov90':>6s}")  # fmt: skip
    for name in names:
        for h in horizons:
            sel = [r for r in rows if r["variant"] == name and r["h"] == h]
            if not sel:
                continue
            lvl = np.exp(np.nanmean(np.abs(np.log([r["lvl_err"] for r in sel]))))
            m = {k: float(np.nanmean([r[k] for r in sel])) for k in ("auc", "cap", "cov50", "cov90")}
            print(f"  {name:16s} {h:2d} {len(sel):3d} {m['auc'] * 100:8.1f}% {_decile([r['auc'] for r in sel]) * 100:7.1f}% "
                  f"{m['cap'] * 100:8.1f}% {_decile([r['cap'] for r in sel]) * 100:7.1f}% {lvl:8.2f}x "
                  f"{m['cov50'] * 100:5.0f}% {m['cov90'] * 100:5.0f}%", flush=True)  # fmt: skip
    if len(names) > 1:
        print(f"\nPaired differences against {names[0]} (mean +- standard error over parks)")
        for name in names[1:]:
            for h in horizons:
                base = {r["park"]: r for r in rows if r["variant"] == names[0] and r["h"] == h}
                sel = [r for r in rows if r["variant"] == name and r["h"] == h and r["park"] in base]
                if len(sel) < 2:
                    continue
                parts = []
                for k in ("auc", "cap"):
                    d = np.array([r[k] - base[r["park"]][k] for r in sel])
                    parts.append(f"{k} {d.mean() * 100:+5.1f} +- {d.std(ddof=1) / np.sqrt(len(d)) * 100:4.1f} pts")
                print(f"  {name:16s} {h:2d} " + ", ".join(parts), flush=True)
    if out_json:
        Path(out_json).write_text(json.dumps(rows, indent=1, default=float))


def calibrate(n: int, horizon: int = 3) -> None:
    """Choose FLOOR_SD and UNSEARCHED_SD on ``n`` random parks by the coverage of the 50 % and 90 % intervals."""
    from riskmodel import uncertainty as U
    from riskmodel.shrinkage import unsearched_weight
    from riskmodel.truth import read_truth

    X, z2 = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, n + 1):
            arr = _random_park(Path(tmp), seed)
            n_train = arr.n_train(RANDOM_CUT)
            *_, meta = S.fit_predict(arr, n_train, horizon)
            mask = arr.mask
            w = unsearched_weight(arr.km[:n_train], mask, arr.cell_size_m, meta["sweep_km"])[mask]
            sd = meta["log_sd"][mask].astype(float)
            raw2 = np.maximum(sd**2 - U.FLOOR_SD**2 - (U.UNSEARCHED_SD * w) ** 2, 0.0) / U.MEMBER_FACTOR**2
            truth = read_truth(arr.folder, arr.grid).intensity_sum(arr.periods[n_train : n_train + horizon])[mask]
            z = np.log(truth + 1e-12) - meta["log_intensity"][mask]
            X.append(np.column_stack([raw2, np.ones_like(w), w**2]))
            z2.append(z**2)
            print(f"  park {seed}: mean z^2 {np.mean(z**2):.2f} (w > 0.5: {np.mean(z[w > 0.5] ** 2):.2f}, "
                  f"w <= 0.5: {np.mean(z[w <= 0.5] ** 2):.2f})", flush=True)  # fmt: skip
    X, z = np.vstack(X), np.sqrt(np.concatenate(z2))
    raw_sd, w = np.sqrt(X[:, 0]), np.sqrt(X[:, 2])
    best = None
    print("coverage of the 50 % / 90 % intervals per (FLOOR_SD, UNSEARCHED_SD), MEMBER_FACTOR = 1:")
    for floor in np.arange(0.5, 1.55, 0.05):
        for extra in np.arange(0.0, 1.05, 0.1):
            sd = np.sqrt(raw_sd**2 + floor**2 + (extra * w) ** 2)
            c50, c90 = np.mean(z <= 0.6745 * sd), np.mean(z <= 1.6449 * sd)
            unsr = w > 0.5
            u50, u90 = np.mean(z[unsr] <= 0.6745 * sd[unsr]), np.mean(z[unsr] <= 1.6449 * sd[unsr])
            err = max(abs(c50 - 0.5), abs(c90 - 0.9), abs(u50 - 0.5), abs(u90 - 0.9))
            if best is None or err < best[0]:
                best = (err, floor, extra, c50, c90, u50, u90)
    err, floor, extra, c50, c90, u50, u90 = best
    print(f"FLOOR_SD = {floor:.2f}\nUNSEARCHED_SD = {extra:.2f}")
    print(f"  coverage: all cells {c50:.0%} / {c90:.0%}, unsearched cells {u50:.0%} / {u90:.0%} (nominal 50 % / 90 %)")


def main() -> int:
    from simulator import BEHAVIOURS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--behaviours", default=",".join(BEHAVIOURS), help="comma-separated behaviours")
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="comma-separated demo seeds")
    p.add_argument("--cut-offs", default=",".join(CUT_OFFS), help="comma-separated training cut-off dates")
    p.add_argument("--skip-demo", action="store_true")
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument("--random", type=int, default=0, metavar="N", help="score N random parks (and the named ones)")
    p.add_argument("--horizons", default=",".join(map(str, HORIZONS)), help="horizons of --random (months)")
    p.add_argument("--no-named", action="store_true", help="--random without the named behaviours' parks")
    p.add_argument("--named-only", action="store_true", help="only the named behaviours' parks of --random")
    p.add_argument("--first-seed", type=int, default=1, help="seed of the first random park (default 1)")
    p.add_argument("--json", default=None, metavar="PATH", help="write --random's per-park rows to PATH")
    p.add_argument("--variants", default="", help=f"with --random: compare variants ({', '.join(VARIANTS)})")
    p.add_argument("--calibrate", type=int, default=0, metavar="N", help="fit the uncertainty constants on N parks")
    args = p.parse_args()
    ok = True
    if args.calibrate:
        calibrate(args.calibrate)
        return 0
    if args.variants:
        hs = [int(h) for h in args.horizons.split(",") if h]
        names = [v for v in args.variants.split(",") if v]
        unknown = [v for v in names if v not in VARIANTS]
        if unknown:
            p.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
        bench_variants(names, args.random or 10, hs, args.first_seed, args.json)
        return 0
    if args.random or args.named_only:
        hs = [int(h) for h in args.horizons.split(",") if h]
        ok &= bench_random(args.random, hs, named=not args.no_named, first_seed=args.first_seed, out_json=args.json)
    if not args.skip_scale:
        ok &= bench_scale()
    if not args.skip_demo:
        seeds = [int(x) for x in args.seeds.split(",") if x]
        cut_offs = [c for c in args.cut_offs.split(",") if c]
        ok &= bench_behaviours([b for b in args.behaviours.split(",") if b], seeds, cut_offs)
    print("\nall targets met" if ok else "\nsome targets not met (see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

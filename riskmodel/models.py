"""Risk estimators following the scikit-learn contract.

* :class:`KDEHotspot` -- the kernel-density hot-spot map of past found
  incidents that most parks use today (baseline).
* :class:`EffortBlindClassifier` -- gradient boosting on covariates and past
  finds, ignoring patrol effort (baseline).
* :class:`EffortAwareRisk` -- the recommended model.  It treats imperfect
  detection explicitly: the incidents found in a cell and period are
  ``Poisson(lambda(x) * d(e))`` with ``d(e) = 1 - exp(-s e / A)`` the shared
  detection model (``layers.defaults.detection_probability``), ``lambda`` the
  attack intensity and ``e / A`` the km walked per km2 of the cell.  A Poisson
  gradient-boosting model of ``lambda`` is fitted on ``y / d`` with weight
  ``d`` (the same likelihood as an offset ``log d``), so a cell-period with
  little effort and no find weighs little and one with no effort not at
  all.  The sweep width ``s`` is chosen by profile likelihood on held-out
  cells over a small grid around the default (parks differ), and a bootstrap
  over cells gives an ensemble whose spread is the uncertainty.  Each
  member's log-intensity is blended with that of a Poisson GLM fitted with
  the same likelihood on the predictors' quantile ranks (and their squared
  distance to the median): finds are rare, and the smooth log-linear model
  extrapolates to the unsearched cells (where the trees only repeat their
  nearest leaf) while the trees add interactions and local structure.

All three accept a :class:`pandas.DataFrame` (columns named as in
:mod:`riskmodel.table`) or a plain array with the role columns given as
integer positions.

References
----------
Gholami et al. (2018), Adversary models account for imperfect crime data:
forecasting and planning against real-world poachers. AAMAS.
Critchlow et al. (2015), Spatiotemporal trends of illegal activities from
ranger-collected data in a Ugandan national park. Conservation Biology.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import PoissonRegressor
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from layers.defaults import DETECTION_SWEEP_KM

from .binning import apply_bins as _apply_bins
from .binning import bin_edges as _bin_edges
from .binning import past_effort_layout
from .table import COL_COVERAGE, COL_EFFORT, COL_X, COL_Y

# Sweep widths (multiples of the default) tried by the profile likelihood.
SWEEP_GRID = (0.5, 1.0, 2.0)
# GLM weights tried when the blend is chosen on the last training periods (glm_weight="validate").
BLEND_GRID = tuple(np.round(np.linspace(0.3, 0.9, 7), 2))  # neither model is ever left out
VALIDATION_PERIODS = 3  # last training periods held out to choose the blend weight
TAIL_REF = 0.1  # share of the searched rows' distribution whose slope a GLM rank's linear tail continues
# Name fragments of the columns the effort-blind baseline leaves out.
EFFORT_PATTERNS = ("effort", "coverage", "rate")


def _resolve(est, spec, n_features, strict: bool = True) -> list[int]:
    """Column positions of ``spec`` (names, when fitted on a DataFrame, or ints); absent names are errors if ``strict``."""
    if spec is None:
        return []
    items = [spec] if isinstance(spec, (str, int, np.integer)) else list(spec)
    names = list(getattr(est, "feature_names_in_", []))
    out = []
    for item in items:
        if isinstance(item, (int, np.integer)):
            idx = int(item) % n_features if -n_features <= int(item) < n_features else None
            if idx is None:
                raise ValueError(f"column {item} is out of range for {n_features} features")
            out.append(idx)
        elif item in names:
            out.append(names.index(item))
        elif names and strict:
            raise ValueError(f"column {item!r} is not in X (columns: {', '.join(names[:8])}...)")
        # a named column on an unnamed array: absent, ignored
    return out


def _poisson_params(est) -> dict:
    return dict(
        loss="poisson",
        max_iter=est.max_iter,
        learning_rate=est.learning_rate,
        max_leaf_nodes=est.max_leaf_nodes,
        min_samples_leaf=est.min_samples_leaf,
        l2_regularization=est.l2_regularization,
        early_stopping=False,
        monotonic_cst=getattr(est, "monotonic_cst_", None),
    )


class KDEHotspot(RegressorMixin, BaseEstimator):
    """Kernel density of past found incidents (the usual hot-spot map).

    Parameters
    ----------
    bandwidth_km : float
        Standard deviation of the Gaussian kernel, km.
    coord_columns : pair of str or int
        Columns holding the cell centre in km (``x_km``, ``y_km``).

    Attributes
    ----------
    points_ : array (n, 2)
        Locations of past finds; ``weights_`` their counts.
    n_periods_ : float
        Rows per distinct location in the training data (periods), to
        express the density per period.

    Notes
    -----
    ``predict`` returns expected finds per km2 and period near each row.
    """

    def __init__(self, bandwidth_km: float = 1.5, coord_columns=(COL_X, COL_Y)):
        self.bandwidth_km = bandwidth_km
        self.coord_columns = coord_columns

    def fit(self, X, y):
        """Keep the locations of rows with finds (``y > 0``), weighted by ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite="allow-nan", y_numeric=True)
        if not self.bandwidth_km > 0:
            raise ValueError(f"bandwidth_km must be positive, got {self.bandwidth_km}")
        if X.shape[1] < 2:
            raise ValueError(f"KDEHotspot needs two coordinate columns; X has {X.shape[1]} feature(s)")
        self.coord_idx_ = _resolve(self, self.coord_columns, X.shape[1])[:2] or [0, 1]
        xy = np.nan_to_num(X[:, self.coord_idx_])
        w = np.clip(np.asarray(y, float), 0, None)
        keep = w > 0
        uniq, inverse = np.unique(xy[keep], axis=0, return_inverse=True)
        self.points_ = uniq
        self.weights_ = np.bincount(inverse.ravel(), weights=w[keep], minlength=len(uniq))
        self.n_periods_ = len(xy) / max(1, len(np.unique(xy, axis=0)))
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        xy = np.nan_to_num(X[:, self.coord_idx_])
        h = float(self.bandwidth_km)
        out = np.zeros(len(xy))
        if len(self.points_):
            pts = cKDTree(self.points_)
            query = cKDTree(xy)
            sdm = query.sparse_distance_matrix(pts, 4 * h, output_type="coo_matrix")
            k = np.exp(-0.5 * (sdm.data / h) ** 2) * self.weights_[sdm.col]
            out = np.bincount(sdm.row, weights=k, minlength=len(xy))
        return out / (2 * np.pi * h * h) / self.n_periods_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class EffortBlindClassifier(ClassifierMixin, BaseEstimator):
    """Gradient-boosted classifier of "found something" that ignores patrol effort.

    Parameters
    ----------
    drop_columns : list of str or int, optional
        Columns left out.  By default every column whose name mentions
        effort, coverage or an effort-corrected rate.
    max_iter, learning_rate : boosting settings.
    max_rows : int
        Rows kept for fitting: all positives and a weighted random share of
        the negatives beyond this.
    n_threads : int or None
        OpenMP threads of the boosting (None: every core).
    random_state : int or None
    """

    def __init__(
        self,
        drop_columns=None,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_rows: int = 300_000,
        n_threads: int | None = 1,
        random_state=0,
    ):
        self.drop_columns = drop_columns
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_rows = max_rows
        self.n_threads = n_threads
        self.random_state = random_state

    def _use(self, n_features):
        if self.drop_columns is None:
            names = list(getattr(self, "feature_names_in_", []))
            drop = [i for i, n in enumerate(names) if any(p in n for p in EFFORT_PATTERNS)]
        else:
            drop = _resolve(self, self.drop_columns, n_features)
        use = [i for i in range(n_features) if i not in set(drop)]
        if not use:
            raise ValueError("every column was dropped: nothing left to learn from")
        return use

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan")
        self.use_ = self._use(X.shape[1])
        rng = np.random.default_rng(self.random_state)
        weight = np.ones(len(y))
        if len(y) > self.max_rows:
            classes, counts = np.unique(y, return_counts=True)
            major = classes[np.argmax(counts)]
            neg = np.flatnonzero(y == major)
            n_keep = max(1, self.max_rows - (len(y) - len(neg)))
            if n_keep < len(neg):
                drop = rng.choice(neg, len(neg) - n_keep, replace=False)
                weight[neg] = len(neg) / n_keep
                keep = np.ones(len(y), bool)
                keep[drop] = False
                X, y, weight = X[keep], y[keep], weight[keep]
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self.model_ = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                early_stopping=False,
                random_state=self.random_state,
            ).fit(X[:, self.use_], y, sample_weight=weight)
        self.classes_ = self.model_.classes_
        self.n_iter_ = self.model_.n_iter_
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite="allow-nan")
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return self.model_.predict_proba(X[:, self.use_])

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class EffortAwareRisk(RegressorMixin, BaseEstimator):
    """Attack intensity under imperfect detection (the recommended model).

    Parameters
    ----------
    coverage_column : str or int
        km walked per km2 of cell in the row's period (the detection term).
    exclude_columns : list of str or int
        Other columns about the row's own period, never used as predictors
        (the effort of a future period is unknown).
    sweep_km : float or "profile"
        Sweep width ``s`` (km) of ``d = 1 - exp(-s * coverage)``; by default
        the shared detection model's.  ``"profile"`` picks it from
        ``SWEEP_GRID`` times the default by the likelihood of held-out cells
        (for parks whose detection differs; on the demo parks the likelihood
        is flat enough that the fixed default ranks better).
    n_members : int
        Bootstrap members (over cells when ``groups`` is given to ``fit``).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization :
        Settings of each member's ``HistGradientBoostingRegressor(loss="poisson")``.
        Finds are rare (a few per thousand cell-months), so the trees are
        small, slow-learning and need many rows per leaf.
    max_rows : int
        Searched rows (coverage > 0) used per member; a random subset beyond.
    glm_weight : float or "validate"
        Weight (0-1) of the Poisson GLM in the blend of log-intensities
        (0: trees only, 1: GLM only).  ``"validate"`` chooses it
        from ``BLEND_GRID`` by the Poisson likelihood of the finds of the
        last ``VALIDATION_PERIODS`` periods (``periods`` given to ``fit``;
        else a third of the ``groups``) under one tree model and one GLM
        fitted on the earlier rows, before every model is refitted on all
        rows: parks where the covariates explain the attacks lean on the
        GLM, parks where past finds do lean on the trees.  On the demo
        parks the choice is noisy (a few months of rare finds) and ranks no
        better than the fixed default.
    glm_alpha : float
        L2 penalty of the GLM (on 0-1 quantile ranks).
    tail_extent : float
        How far (in rank units) the GLM's ranks continue linearly beyond the
        range of the searched rows (0: flat, as the trees).
    past_effort : {"free", "monotone"}
        How the past-effort features (names starting ``effort_``: km walked
        in earlier periods) enter.  ``"free"``: as any predictor.
        ``"monotone"``: the trees may only lower the intensity as past effort
        rises (deterrence; ``monotonic_cst=-1``) and the GLM leaves them out,
        so that the zero past effort of unsearched ground cannot carry the
        level of "where rangers walk".  ``"deterrence"``: the trees as
        ``"monotone"``; the GLM keeps them as linear terms whose coefficients
        may only be negative (a term fitted positive is dropped and the GLM
        refitted), so ground nobody patrolled is rated as undeterred.
    n_threads : int or None
        OpenMP threads of the boosting (1 by default: on a shared machine
        more threads can be many times slower; None uses every core).
    random_state : int or None

    Attributes
    ----------
    members_ : list of fitted regressors
    glm_ : sklearn.linear_model.PoissonRegressor or None
        The GLM of the blend (None when the weight is 0).
    glm_weight_ : float
        The GLM weight used; ``blend_scores_`` the held-out log-likelihood
        per weight tried (empty unless ``glm_weight="validate"``).
    sweep_km_ : float
        The sweep width used.
    profile_ : dict
        Held-out Poisson log-likelihood per sweep width tried.
    use_ : list of int
        Predictor columns.
    """

    def __init__(
        self,
        coverage_column=COL_COVERAGE,
        exclude_columns=(COL_EFFORT,),
        sweep_km=DETECTION_SWEEP_KM,
        n_members: int = 4,
        max_iter: int = 100,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 500,
        l2_regularization: float = 1.0,
        max_rows: int = 250_000,
        glm_weight: float | str = 0.7,
        glm_alpha: float = 1e-5,
        tail_extent: float = 1.0,
        past_effort: str = "free",
        n_threads: int | None = 1,
        random_state=0,
    ):
        self.coverage_column = coverage_column
        self.exclude_columns = exclude_columns
        self.sweep_km = sweep_km
        self.n_members = n_members
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_rows = max_rows
        self.glm_weight = glm_weight
        self.glm_alpha = glm_alpha
        self.tail_extent = tail_extent
        self.past_effort = past_effort
        self.n_threads = n_threads
        self.random_state = random_state

    def _detection(self, coverage, s):
        return -np.expm1(-s * coverage)

    def fit(self, X, y, groups=None, periods=None, progress=None):
        """Fit on rows ``X`` with found counts ``y``.

        ``groups`` (cell ids) make the bootstrap spatial; ``periods`` (the
        row's period index) let ``glm_weight="validate"`` hold out the last
        periods; ``progress(fraction, message)``, when given, is told as each
        bootstrap member and the GLM are fitted (a fit of a large park takes minutes).
        """
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return self._fit(X, y, groups, periods, progress or (lambda f, m: None))

    def _fit(self, X, y, groups, periods, say):
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan", y_numeric=True)
        y = np.asarray(y, np.float64)
        if np.any(y < 0):
            raise ValueError("the found counts y must be non-negative")
        n_feat = X.shape[1]
        cov_idx = _resolve(self, self.coverage_column, n_feat)
        if not cov_idx:
            raise ValueError(f"coverage column {self.coverage_column!r} is not in X")
        self.coverage_idx_ = cov_idx[0]
        excluded = {self.coverage_idx_, *_resolve(self, self.exclude_columns, n_feat, strict=False)}
        self.use_ = [i for i in range(n_feat) if i not in excluded]
        if not self.use_:
            raise ValueError(f"no predictor column left besides the effort columns (X has {n_feat} feature(s))")
        self._set_past_effort()
        coverage = np.nan_to_num(X[:, self.coverage_idx_].astype(np.float64), nan=0.0)
        searched = np.flatnonzero(coverage > 1e-6)  # a metre or so walked: no information below
        if len(searched) == 0:
            raise ValueError("no row has patrol effort (coverage > 0): nothing can be learned about attacks")
        if y[searched].sum() == 0:
            raise ValueError("no incident was found where rangers walked: nothing to learn the attack intensity from")
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        if periods is not None and len(periods) != len(y):
            raise ValueError(f"periods has {len(periods)} values for {len(y)} rows")
        rng = np.random.default_rng(self.random_state)
        if len(searched) > self.max_rows * 2:  # thin very large tables once, before any fit
            searched = np.sort(rng.choice(searched, self.max_rows * 2, replace=False))
        Xs, ys, cs, gs = X[searched][:, self.use_], y[searched], coverage[searched], groups[searched]
        ps = None if periods is None else np.asarray(periods)[searched]
        self.bin_edges_ = _bin_edges(Xs, rng=rng)
        Xr, Xs = Xs, _apply_bins(Xs, self.bin_edges_)

        if self.sweep_km == "profile":
            self.profile_ = self._profile(Xs, ys, cs, gs, rng)
            self.sweep_km_ = max(self.profile_, key=self.profile_.get)
        else:
            if not float(self.sweep_km) > 0:
                raise ValueError(f"sweep_km must be positive or 'profile', got {self.sweep_km!r}")
            self.sweep_km_ = float(self.sweep_km)
            self.profile_ = {}
        d = self._detection(cs, self.sweep_km_)
        self.members_ = []
        uniq, inv = np.unique(gs, return_inverse=True)
        n_members = max(1, int(self.n_members))
        for k in range(n_members):
            say(0.9 * k / n_members, f"bootstrap member {k + 1} of {n_members}")
            if self.n_members > 1:
                mult = np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))[inv]
            else:
                mult = np.ones(len(ys))
            rows = np.flatnonzero(mult > 0)
            if len(rows) > self.max_rows:
                rows = rng.choice(rows, self.max_rows, replace=False)
            if ys[rows].sum() == 0:  # a resample without a find (very few finds): this member takes every row
                mult = np.ones(len(ys))
                rows = (
                    np.arange(len(ys))
                    if len(ys) <= self.max_rows
                    else rng.choice(len(ys), self.max_rows, replace=False)
                )
            reg = HistGradientBoostingRegressor(**_poisson_params(self), random_state=int(rng.integers(2**31)))
            reg.fit(Xs[rows], ys[rows] / d[rows], sample_weight=d[rows] * mult[rows])
            self.members_.append(reg)
        self.n_iter_ = max(m.n_iter_ for m in self.members_)
        self.glm_ = None
        self.blend_scores_ = {}
        if isinstance(self.glm_weight, str):
            if self.glm_weight != "validate":
                raise ValueError(f"glm_weight must be in [0, 1] or 'validate', got {self.glm_weight!r}")
            self.blend_scores_ = self._validate_blend(Xs, Xr, ys, d, gs, ps, rng)
            self.glm_weight_ = max(self.blend_scores_, key=self.blend_scores_.get)
        elif not 0.0 <= float(self.glm_weight) <= 1.0:
            raise ValueError(f"glm_weight must be in [0, 1] or 'validate', got {self.glm_weight}")
        else:
            self.glm_weight_ = float(self.glm_weight)
        if self.glm_weight_ > 0:
            say(0.9, "the log-linear model (GLM) that carries the map where nobody searched")
            rows = np.arange(len(ys))
            if len(rows) > self.max_rows:
                rows = rng.choice(rows, self.max_rows, replace=False)
            self.glm_ = self._fit_glm(Xs[rows], Xr[rows], ys[rows] / d[rows], d[rows])
        return self

    def _set_past_effort(self) -> None:
        """``monotonic_cst_`` of the trees and ``glm_cols_`` / ``glm_sq_cols_`` (positions in ``use_``) of the GLM."""
        names = list(getattr(self, "feature_names_in_", []))
        lay = past_effort_layout([names[i] for i in self.use_] if names else [], len(self.use_), self.past_effort)
        self.monotonic_cst_, self.glm_cols_, self.glm_sq_cols_, self.past_effort_cols_ = lay

    def _fit_glm(self, Xb, X, target, weight) -> PoissonRegressor:
        """The GLM of the blend; with ``past_effort="deterrence"`` refitted until no past-effort term is positive."""
        for _ in range(len(self.past_effort_cols_) + 1):
            glm = PoissonRegressor(alpha=self.glm_alpha, max_iter=300).fit(self._glm_design(Xb, X), target, weight)
            if self.past_effort != "deterrence":
                break
            positive = [k for i, k in enumerate(self.glm_cols_) if k in self.past_effort_cols_ and glm.coef_[i] > 0]
            if not positive:
                break
            self.glm_cols_ = [k for k in self.glm_cols_ if k not in positive]
        return glm

    def _validate_blend(self, Xs, Xr, ys, d, gs, ps, rng) -> dict:
        """Held-out Poisson log-likelihood of the finds per GLM weight in ``BLEND_GRID``.

        Validation rows are those of the last ``VALIDATION_PERIODS`` periods
        (their features only look further back, so no label leaks), or a
        third of the groups when no periods are given.
        """
        if ps is not None and len(np.unique(ps)) > VALIDATION_PERIODS:
            test = ps > np.unique(ps)[-VALIDATION_PERIODS - 1]
        else:
            uniq = np.unique(gs)
            test = np.isin(gs, rng.choice(uniq, max(1, len(uniq) // 3), replace=False))
        train, test = np.flatnonzero(~test), np.flatnonzero(test)
        if len(train) == 0 or len(test) == 0 or ys[train].sum() == 0:
            return {0.7: 0.0}  # nothing to validate on: the usual blend
        if len(train) > self.max_rows:
            train = rng.choice(train, self.max_rows, replace=False)
        reg = HistGradientBoostingRegressor(**_poisson_params(self), random_state=0)
        reg.fit(Xs[train], ys[train] / d[train], sample_weight=d[train])
        glm = PoissonRegressor(alpha=self.glm_alpha, max_iter=300)
        glm.fit(self._glm_design(Xs[train], Xr[train]), ys[train] / d[train], sample_weight=d[train])
        log_tree = np.log(np.clip(reg.predict(Xs[test]), 1e-12, None))
        log_glm = np.log(np.clip(glm.predict(self._glm_design(Xs[test], Xr[test])), 1e-12, None))
        yt, dt = ys[test], d[test]
        out = {}
        for w in BLEND_GRID:
            mu = np.clip(np.exp((1 - w) * log_tree + w * log_glm) * dt, 1e-12, None)
            out[float(w)] = float(np.sum(yt * np.log(mu) - mu))
        return out

    def _glm_design(self, Xb, X) -> np.ndarray:
        """Quantile ranks of the predictors (0-1, NaN at the middle) with linear tails, and their squared distance.

        ``Xb`` are the binned predictors, ``X`` the raw ones.  Beyond the
        searched rows' range a rank continues linearly, with the slope of the
        outer ``TAIL_REF`` of the distribution, up to ``tail_extent`` rank
        units past the end: the GLM's effect of a covariate carries on where
        nobody walked (the trees and the square only repeat their last value).
        """
        n_bins = np.array([max(len(e), 1) for e in self.bin_edges_], np.float32)
        z = np.nan_to_num(Xb / n_bins, nan=0.5).astype(np.float64)  # float64: predictions do not depend on the batch
        square = (z - 0.5) ** 2
        ext = float(self.tail_extent)
        if ext > 0:
            for j, e in enumerate(self.bin_edges_):
                if len(e) < 3:
                    continue
                k = max(1, int(round(TAIL_REF * len(e))))
                x = np.nan_to_num(X[:, j], nan=float(e[len(e) // 2]))
                lo_slope = TAIL_REF / max(float(e[k] - e[0]), 1e-9)  # rank units per unit of x
                hi_slope = TAIL_REF / max(float(e[-1] - e[-1 - k]), 1e-9)
                tail = np.where(x > e[-1], (x - e[-1]) * hi_slope, 0.0) - np.where(x < e[0], (e[0] - x) * lo_slope, 0.0)
                z[:, j] += np.clip(tail, -ext, ext)
        cols = getattr(self, "glm_cols_", None)
        if cols is not None:
            z, square = z[:, cols], square[:, self.glm_sq_cols_]
        return np.hstack([z, square])

    def _profile(self, Xs, ys, cs, gs, rng) -> dict:
        """Held-out Poisson log-likelihood of each candidate sweep width (spatial split on groups)."""
        uniq = np.unique(gs)
        test_groups = rng.choice(uniq, max(1, len(uniq) // 3), replace=False)
        test = np.isin(gs, test_groups)
        train = np.flatnonzero(~test)
        test = np.flatnonzero(test)
        if len(train) > self.max_rows // 2:
            train = rng.choice(train, self.max_rows // 2, replace=False)
        params = _poisson_params(self)
        params["max_iter"] = max(20, self.max_iter // 2)
        out = {}
        for f in SWEEP_GRID:
            s = DETECTION_SWEEP_KM * f
            d = self._detection(cs, s)
            reg = HistGradientBoostingRegressor(**params, random_state=0)
            reg.fit(Xs[train], ys[train] / d[train], sample_weight=d[train])
            mu = np.clip(reg.predict(Xs[test]) * d[test], 1e-12, None)
            out[s] = float(np.sum(ys[test] * np.log(mu) - mu))
        return out

    def predict_members(self, X) -> np.ndarray:
        """Attack intensity of each row by each member: (n_members, n_rows)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite="allow-nan")
        Xu = _apply_bins(X[:, self.use_], self.bin_edges_)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            out = np.stack([m.predict(Xu) for m in self.members_])
        if getattr(self, "glm_", None) is not None:
            w = float(self.glm_weight_)
            glm = np.log(np.clip(self.glm_.predict(self._glm_design(Xu, X[:, self.use_])), 1e-12, None))
            out = np.exp((1 - w) * np.log(np.clip(out, 1e-12, None)) + w * glm)
        return out

    def predict_glm(self, X) -> np.ndarray:
        """Attack intensity of each row by the GLM of the blend alone (the smooth covariate model)."""
        check_is_fitted(self)
        if getattr(self, "glm_", None) is None:
            raise ValueError("this model has no GLM (glm_weight=0)")
        X = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite="allow-nan")
        Xu = _apply_bins(X[:, self.use_], self.bin_edges_)
        return self.glm_.predict(self._glm_design(Xu, X[:, self.use_]))

    def predict(self, X):
        """Expected attacks per row (cell and period), found or not."""
        return self.predict_members(X).mean(axis=0)

    def predict_found(self, X):
        """Expected finds per row, using the row's own effort (coverage)."""
        check_is_fitted(self)
        lam = self.predict(X)
        Xa = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite="allow-nan")
        cov = np.nan_to_num(Xa[:, self.coverage_idx_].astype(float))
        return lam * self._detection(cov, self.sweep_km_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        tags.input_tags.allow_nan = True
        return tags


MODELS = {
    "effort-aware": EffortAwareRisk,
    "effort-blind": EffortBlindClassifier,
    "kde": KDEHotspot,
}
RECOMMENDED = "effort-aware"

"""Free-text labels of field data mapped onto the register's names (events, causes), shared by the register modules."""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["clean_text", "map_words", "norm_label"]


def norm_label(text) -> str:
    """Lower case, ``_`` and ``-`` as spaces, single spaces (``"Found_Guilty "`` -> ``"found guilty"``)."""
    return re.sub(r"\s+", " ", str(text).strip().lower().replace("_", " ").replace("-", " "))


def map_words(values: pd.Series, words: dict[str, tuple[str, ...]]) -> pd.Series:
    """Map free text onto the keys of ``words``: the first key named, or with one of its words in the text.

    Blank stays NA; text matching no key becomes ``None``.
    """
    uniques = pd.unique(values.dropna().astype(str))
    mapping = {}
    for u in uniques:
        low = norm_label(u)
        if not low or low in ("nan", "none"):
            mapping[u] = pd.NA
            continue
        mapping[u] = next((key for key, ws in words.items() if low == key or any(w in low for w in ws)), None)
    return values.astype(object).map(lambda v: pd.NA if pd.isna(v) else mapping.get(str(v)))


def clean_text(series: pd.Series) -> pd.Series:
    """Stripped text, NA for blanks (``""``, ``"nan"``, ``"None"``)."""
    s = series.astype("string").str.strip()
    return s.mask(s.isin(["", "nan", "None", "<NA>"])).astype(object)

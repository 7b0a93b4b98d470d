"""Park data: choose the park folder, read its load report, make a new park from uploaded files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from layers.fieldimport import import_uploads
from ui import common

st.title("Park data")


def known_parks() -> list[str]:
    """The demo park and every park made from uploads, as folder paths."""
    found = []
    if (common.DEFAULT_PARK / "park.toml").is_file():
        found.append(str(common.DEFAULT_PARK))
    root = common.parks_root()
    if root.is_dir():
        found += [str(p) for p in sorted(root.iterdir()) if (p / "park.toml").is_file()]
    current = common.park_dir()
    if current not in found:
        found.insert(0, current)
    return found


# --- choose a folder -------------------------------------------------------------------
st.subheader("Park folder")
parks = known_parks()
current = common.park_dir()
choice = st.selectbox("Open a park", parks, index=parks.index(current), key="data_park_choice")
typed = st.text_input("Or the path of another park folder", value="", key="data_park_path", placeholder="/path/to/park")
wanted = typed.strip() or choice
if wanted != current:
    common.set_park_dir(wanted)
    current = wanted

folder = Path(current)
if not folder.is_dir():
    st.error(f"Park folder {current!r} does not exist. Check the path, or build the demo park with `make demo`.")
else:
    try:
        park = common.load_park(current)
    except common.library_errors() as exc:
        common.show_error(exc, f"The park in {current} cannot be loaded")
        report = getattr(exc, "report", None)
        if report is not None:
            st.code(report.to_text())
    else:
        report = park.report
        st.success(f"Loaded **{park.name}** from `{current}`.")
        g = park.grid
        st.markdown(
            f"Area **{g.n_cells * g.cell_area_km2:,.0f} km²** · grid **{g.shape[0]} × {g.shape[1]} cells** of "
            f"{g.cell_size:.0f} m ({g.n_cells:,} cells inside the park) · **{len(park.incidents):,} incidents** · "
            f"**{len(park.tracks):,} GPS fixes** · CRS {park.crs.to_string()}"
        )
        st.markdown("**Layers loaded**")
        layers = pd.DataFrame([vars(s) for s in report.layers])
        if len(layers):
            layers = layers.rename(columns={"read": "records read", "kept": "records kept"})
        st.dataframe(layers, hide_index=True, width="stretch")
        problems = pd.DataFrame([vars(p) for p in report.problems])
        st.markdown(f"**Problems found** ({len(problems)} problems)")
        if len(problems):
            severities = st.multiselect(
                "Show severities",
                ["fatal", "error", "warning", "info"],
                default=["fatal", "error", "warning"],
                key="data_severities",
            )
            shown = problems[problems["severity"].isin(severities)]
            st.dataframe(
                shown[["severity", "layer", "file", "row", "message", "fix"]], hide_index=True, width="stretch"
            )
        else:
            st.write("No problem found.")
        st.download_button(
            "Download the load report (JSON)", report.to_json(), file_name="load-report.json", mime="application/json"
        )

# --- import field data into the open park -------------------------------------------------
st.subheader("Import field data")
if folder.is_dir() and folder.resolve() == Path(common.DEFAULT_PARK).resolve():
    st.info("The demo park is read-only. Make a park from your files below, then import its field data here.")
elif folder.is_dir():
    st.write(
        "SMART (patrol XML, observation CSV, tracks as GPX or shapefile), EarthRanger (CSV, JSON, Parquet), GPX, "
        "KML/KMZ, GeoJSON or CyberTracker CSV. Records go to the park's store (`store.gpkg`); the park's own "
        "files are not changed, and records already there are merged, not added twice."
    )
    field_files = st.file_uploader("Field exports", accept_multiple_files=True, key="data_import_files")
    as_kind = st.radio("Import as", ["what each file holds", "incidents", "patrols"], horizontal=True, key="data_as")
    dry = st.checkbox("Dry run (show what would change, write nothing)", key="data_import_dry")
    if st.button("Import", disabled=not field_files, key="data_import"):
        run = common.run_library(
            lambda: import_uploads(
                folder,
                {up.name: up.getvalue() for up in field_files},
                kind=None if as_kind.startswith("what") else as_kind,
                dry_run=dry,
            ),
            "The files could not be imported",
        )
        if run is not None:
            rows = [
                {
                    "file": f.file,
                    "as": f.kind,
                    "added": f.result.added if f.result else 0,
                    "merged": f.result.merged if f.result else 0,
                    "rejected": len(f.result.rejected) if f.result else 0,
                    "note": f.error or "; ".join(f.notes[:3]),
                }
                for f in run.files
            ]
            (st.info if dry else st.success)(
                f"{run.added:,} records added, {run.merged:,} merged with records already in the store, "
                f"{len(run.rejected):,} rows rejected" + (" (dry run: nothing written)" if dry else "")
            )
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if run.rejected:
                st.markdown("**Rejected rows**")
                st.dataframe(
                    pd.DataFrame(run.rejected, columns=["file", "row", "reason"]), hide_index=True, width="stretch"
                )
            if run.unmapped:
                st.markdown("**SMART categories kept as 'other'** (map them under `[categories]` in park.toml)")
                st.dataframe(
                    pd.DataFrame(sorted(run.unmapped.items()), columns=["category", "observations"]),
                    hide_index=True,
                    width="stretch",
                )

# --- a new park from uploads ------------------------------------------------------------
st.subheader("New park from files")
st.write(
    "Upload the park's files (boundary, incidents, GPS tracks, posts, roads, rivers, rasters...). "
    "They are saved in a new folder under `data/parks/` (nothing is overwritten) and a `park.toml` is drafted "
    "for you to check."
)
name = st.text_input("Park name", value="", key="data_new_name", placeholder="e.g. North Luangwa")
uploads = st.file_uploader("Park files", accept_multiple_files=True, key="data_uploads")
if st.button("Create the park", disabled=not (name.strip() and uploads), key="data_create"):
    result = common.run_library(
        lambda: common.create_park(name, {up.name: up.getvalue() for up in uploads}), "The park could not be created"
    )
    if result is not None:
        target, text = result
        st.session_state["data_new_folder"] = str(target)
        st.success(f"Saved {len(uploads)} files in `{target}`.")
        st.markdown("Drafted `park.toml` (check the roles, then open the park above):")
        st.code(text, language="toml")

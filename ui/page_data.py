"""Park data: choose the park folder, read its load report, make a new park from uploaded files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.manifest import read_manifest, save_manifest
from ui import common

st.title("Park data")


def known_parks() -> list[str]:
    """Every park the user may open: the demo, ``$PARK_DIR``, the parks made from uploads and those opened here."""
    found = []
    if (common.DEFAULT_PARK / "park.toml").is_file():
        found.append(str(common.DEFAULT_PARK))
    first = os.environ.get(common.PARK_ENV)
    if first and first not in found:
        found.append(first)
    root = common.parks_root()
    if root.is_dir():
        found += [str(p) for p in sorted(root.iterdir()) if (p / "park.toml").is_file() and str(p) not in found]
    for opened in st.session_state.get("opened_parks", []):
        if opened not in found and Path(opened).is_dir():
            found.append(opened)
    current = common.park_dir()
    if current not in found:
        found.insert(0, current)
    return found


def create_from_uploads() -> None:
    """The "Create the park" button's callback: runs before the page, so the new park is listed at once."""
    name = st.session_state.get("data_new_name", "")
    uploads = st.session_state.get("data_uploads") or []
    try:
        target, text = common.create_park(name, {up.name: up.getvalue() for up in uploads})
    except common.library_errors() as exc:
        st.session_state["data_created"] = {"error": str(exc)}
        return
    st.session_state["data_created"] = {"folder": str(target), "text": text, "files": len(uploads)}
    opened = st.session_state.setdefault("opened_parks", [])
    if str(target) not in opened:
        opened.append(str(target))


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

# --- the manifest, edited with validation ------------------------------------------------
if folder.is_dir():
    st.subheader("Manifest (park.toml)")
    manifest_path = folder / "park.toml"
    saved_text = manifest_path.read_text(encoding="utf-8") if manifest_path.is_file() else ""
    with st.expander("Edit park.toml", expanded=not manifest_path.is_file()):
        st.caption(
            "The load report's fixes say what to add here. **Check** validates the text without saving; "
            "**Save** validates it, keeps the old file as park.<time>.toml.bak and reloads the park."
        )
        edited = st.text_area("park.toml", value=saved_text, height=360, key=f"data_manifest_{folder}")
        left, right = st.columns(2)
        check = left.button("Check", key="data_manifest_check", width="stretch")
        save = right.button("Save", type="primary", key="data_manifest_save", width="stretch")
        if check or save:
            try:
                if save:
                    manifest, backup = save_manifest(folder, edited)
                else:
                    manifest, backup = read_manifest(folder, text=edited), None
            except common.library_errors() as exc:
                st.error(f"Not saved: {exc}" if save else str(exc))
            else:
                missing = manifest.missing_files()
                roles = ", ".join(sorted(manifest.all_files()))
                (st.warning if missing else st.success)(
                    ("Saved. " if save else "Valid. ")
                    + f"Layers named: {roles}."
                    + (
                        f" Files not found: {', '.join(f'{k} ({v.name})' for k, v in missing.items())}."
                        if missing
                        else ""
                    )
                    + (f" The old file is kept as {backup.name}." if backup else "")
                )
                if save:
                    st.rerun()

# --- a new park from uploads ------------------------------------------------------------
st.subheader("New park from files")
st.write(
    "Upload the park's files (boundary, incidents, GPS tracks, posts, roads, rivers, rasters...). "
    "They are saved in a new folder under `data/parks/` (nothing is overwritten) and a `park.toml` is drafted "
    "for you to check. A park with only its layers (no incidents or tracks yet) gets a prior risk map."
)
name = st.text_input("Park name", value="", key="data_new_name", placeholder="e.g. North Luangwa")
uploads = st.file_uploader("Park files", accept_multiple_files=True, key="data_uploads")
st.button("Create the park", disabled=not (name.strip() and uploads), key="data_create", on_click=create_from_uploads)
created = st.session_state.get("data_created")
if created and "error" in created:
    st.error(f"The park could not be created: {created['error']}")
elif created:
    st.success(f"Saved {created['files']} files in `{created['folder']}`; it is listed under **Open a park** above.")
    st.markdown("Drafted `park.toml` (check the roles, then open the park above and edit it there):")
    st.code(created["text"], language="toml")

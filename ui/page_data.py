"""Park data: choose the park folder, read its load report, make a new park from uploaded files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from access import guard, roles
from access.defaults import UPLOAD_MAX_MB, UPLOAD_TYPES
from access.exports import outside_export
from access.generalise import generalise_cell, sensitive_patterns
from layers.fieldimport import import_uploads
from layers.manifest import read_manifest, save_manifest
from ui import auth, common

st.title("Park data")
user = auth.user()


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


# --- choose a folder: only the configured parks this user may open ------------------------
st.subheader("Park folder")
parks = [str(p) for p in guard.allowed_parks(user, auth.known_parks())]
if not parks:
    st.error(f"{user.label} may open no park. Fix: a manager adds one (`python -m access set-access NAME --park ...`).")
    st.stop()
current = common.park_dir()
if current not in parks:
    common.set_park_dir(parks[0])
    current = parks[0]
choice = st.selectbox("Open a park", parks, index=parks.index(current), key="data_park_choice")
if choice != current:
    common.set_park_dir(choice)
    current = choice
if not roles.can(user, roles.PARK_DATA):
    st.caption(f"The {user.role} role does not see the load report or the park's layers.")
    st.stop()

share = None
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

        share = park  # offered below for sharing outside the park

# --- layers for people outside the park ------------------------------------------------------
if share is not None:
    st.subheader("Layers for people outside the park")
    cell = generalise_cell(share)
    st.write(
        f"A zip of the park's layers to share with partners. Sensitive layers ({', '.join(sensitive_patterns(share))}; "
        f"set by `[access] sensitive` in park.toml) are generalised to a {cell / 1000:g} km grid: points are counted "
        "per cell, rasters averaged over blocks. Every export is recorded in the park's audit log."
    )
    how = st.radio(
        "Sensitive layers",
        ["generalise", "drop", "exact"] if roles.can(user, roles.EXACT_EXPORT) else ["generalise", "drop"],
        format_func={
            "generalise": f"generalised to {cell / 1000:g} km",
            "drop": "left out",
            "exact": "exact locations (managers only, recorded with the reason)",
        }.get,
        horizontal=True,
        key="data_share_how",
    )
    reason = st.text_input("Reason (recorded)", key="data_share_reason") if how == "exact" else ""
    st.download_button(
        "Layers for sharing (zip)",
        data=lambda: outside_export(user, share, exact=how == "exact", drop=how == "drop", reason=reason),
        file_name="park-layers-shared.zip",
        mime="application/zip",
        on_click="ignore",
        key="dl_outside_export",
        disabled=how == "exact" and not reason.strip(),
    )

# --- import field data into the open park -------------------------------------------------
st.subheader("Import field data")
if folder.is_dir() and folder.resolve() == Path(common.DEFAULT_PARK).resolve():
    st.info("The demo park is read-only. Make a park from your files below, then import its field data here.")
elif folder.is_dir() and roles.can(user, roles.UPLOAD):
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
                f"{run.added:,} records added, {run.merged:,} merged (repeats of stored records or of earlier rows), "
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

# --- the manifest, edited with validation ------------------------------------------------
if folder.is_dir() and roles.can(user, roles.UPLOAD):
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
                named = ", ".join(sorted(manifest.all_files()))
                (st.warning if missing else st.success)(
                    ("Saved. " if save else "Valid. ")
                    + f"Layers named: {named}."
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
if not roles.can(user, roles.UPLOAD):
    st.stop()
st.subheader("New park from files")
st.write(
    "Upload the park's files (boundary, incidents, GPS tracks, posts, roads, rivers, rasters...). "
    "They are saved in a new folder under `data/parks/` (nothing is overwritten) and a `park.toml` is drafted "
    "for you to check. A park with only its layers (no incidents or tracks yet) gets a prior risk map."
)
name = st.text_input("Park name", value="", key="data_new_name", placeholder="e.g. North Luangwa")
uploads = st.file_uploader(
    "Park files",
    accept_multiple_files=True,
    type=[t.lstrip(".") for t in UPLOAD_TYPES],
    key="data_uploads",
    help=f"At most {UPLOAD_MAX_MB} MB per file; names are cleaned (letters, digits, . _ -).",
)
st.button("Create the park", disabled=not (name.strip() and uploads), key="data_create", on_click=create_from_uploads)
created = st.session_state.get("data_created")
if created and "error" in created:
    st.error(f"The park could not be created: {created['error']}")
elif created:
    st.success(f"Saved {created['files']} files in `{created['folder']}`; it is listed under **Open a park** above.")
    st.markdown("Drafted `park.toml` (check the roles, then open the park above and edit it there):")
    st.code(created["text"], language="toml")

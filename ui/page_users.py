"""Users and audit log (managers): who may sign in with which role, and who did what in this park."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from access import guard, roles
from access.audit import AuditLog
from access.users import UserStore
from ui import auth, common

st.title("Users and audit log")
user = auth.require(roles.USERS, "the user list")
store = UserStore()
users = common.run_library(lambda: guard.users_for(user, store), "The users file could not be read")
if users is not None:
    st.subheader(f"Users ({len(users)})")
    st.caption(f"From `{store.path}`. Change them with `python -m access add|remove|set-role|set-password|set-access`.")
    rows = []
    for u in users:
        status = store.status(u.name)
        rows.append(
            {
                "user": u.name,
                "role": u.role,
                "posts": ", ".join(u.posts),
                "parks": ", ".join(u.parks),
                "e-mail (OpenID Connect)": u.email,
                "locked until": status["locked_until"] or "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="users_table")

st.subheader("Audit log of this park")
folder = common.park_dir()
auth.require_park(user, light=True)
log = AuditLog(folder)
events = common.run_library(lambda: log.events(user), "The audit log could not be read")
if events is not None:
    st.caption(f"`{log.path}` · {len(events)} events, append-only.")
    kinds = sorted(set(events["event"]))
    chosen = st.multiselect("Events", kinds, default=kinds, key="audit_events")
    st.dataframe(events[events["event"].isin(chosen)].iloc[::-1], hide_index=True, width="stretch")

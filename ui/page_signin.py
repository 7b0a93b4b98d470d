"""Sign in: a name and password from the station's users file, or the park's OpenID Connect provider."""

from __future__ import annotations

import streamlit as st

from access.defaults import LOCKOUT_ATTEMPTS, LOCKOUT_MINUTES, SESSION_HOURS
from ui import auth

st.title("Sign in")
message = st.session_state.get(auth.MESSAGE_KEY)
if message:
    st.error(message)

providers = auth.oidc_providers()
if providers is not None:
    st.subheader("With the park's account")
    for name in providers or [None]:
        label = f"Sign in with {name}" if name else "Sign in with the park's identity provider"
        if st.button(label, key=f"signin_oidc_{name or 'default'}", type="primary"):
            try:
                st.login(name) if name else st.login()
            except Exception as exc:  # e.g. Authlib missing, or an incomplete [auth] section
                st.error(
                    f"OpenID Connect sign-in is not available: {exc}. Fix: install Authlib and check the [auth] "
                    "section of .streamlit/secrets.toml (see the README)"
                )
    st.subheader("Or with a station account")

with st.form("signin_form"):
    name = st.text_input("User name", key="signin_name")
    password = st.text_input("Password", type="password", key="signin_password")
    go = st.form_submit_button("Sign in", type="primary", key="signin_go")
if go:
    auth.sign_in(name, password)
    st.rerun()  # the pages of the signed-in role, or the refusal above the form
st.caption(
    f"Sessions last {SESSION_HOURS:g} hours. {LOCKOUT_ATTEMPTS} wrong passwords in a row lock the account for "
    f"{LOCKOUT_MINUTES} minutes. Station accounts are managed with `python -m access` (see the README)."
)

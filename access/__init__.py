"""Who may see what: users and sign-in, roles, protected locations, the audit log, private files.

No module here imports streamlit; the dashboard's sign-in page and role
checks call :mod:`access.users` and :mod:`access.guard`.
"""

"""Monitoring for managers: the register of incidents, seizures, arrests and cases; indicators with effort
beside them; PIKE; the effort-adjusted trend; the monthly report and the exports.

See :mod:`monitoring.register`, :mod:`monitoring.indicators`, :mod:`monitoring.trend`,
:mod:`monitoring.mike` and :mod:`monitoring.report`.
"""

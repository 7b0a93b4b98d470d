"""Monthly batch runs over many park folders on a Dask cluster.

``batch`` sits above the packages it drives (``layers``, ``riskmodel``,
``patrols`` and, where it is installed, ``monitoring``); nothing imports it.
:func:`batch.runner.run_batch` runs one task per park; :mod:`batch.task` is
what a worker does for one park; :mod:`batch.fingerprint` decides whether a
park has to run again.
"""

"""The supervisor wallboard at /supervisor and the queue gauges of /metrics.

figures.py computes every figure from plain rows (no database), rows.py reads those rows,
views.py serves the page and its JSON; app/admin/metrics.py turns the same figures into
Prometheus gauges, so the page, the JSON and the gauges can never disagree.
"""

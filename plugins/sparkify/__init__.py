"""Sparkify's Airflow building blocks: operators and the helpers they share.

Airflow puts the plugins folder on ``sys.path``, so DAGs import this package as ``sparkify``.
"""

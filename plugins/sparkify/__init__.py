"""Sparkify's Airflow building blocks: operators, and the parts they are made of.

Airflow puts the plugins folder on ``sys.path``, so DAGs import this package as ``sparkify``.

- ``operators``: the four operators of the DAG (and create_tables'), on one base;
- ``warehouse``, ``sql_templates``: the warehouse connection, and what SQL templates see;
- ``source``, ``staged_sources``: the objects a stage reads, and what it loaded last time;
- ``copying``: what a COPY is asked to do, handed to one of two backends with one entry point,
  ``redshift_copy`` (Redshift's own COPY) and ``postgres_copy`` (the PostgreSQL stand-in).
"""

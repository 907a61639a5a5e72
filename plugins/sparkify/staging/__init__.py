"""Staging: JSON objects from S3 (or local files) into a staging table, with COPY's semantics.

What ``StageToRedshiftOperator`` is made of:

- ``source``: the source root, its listing (keys, sizes, versions) and reading its objects;
  ``layout``: where the sample's logs and catalogue live under it;
- ``staged_sources``: what each stage last loaded, to keep what has not changed;
  ``retention``: pruning the rows of objects no run has used for a while;
- ``copy_options``, ``table_columns``: COPY's options, checked, and the target's columns;
- ``copy_target``: the interface of a COPY backend; ``backends``: which one a warehouse gets;
- ``redshift_copy``: Redshift runs ``COPY ... FROM 's3://...'`` itself;
  ``postgres_copy``: the stand-in on PostgreSQL, ``COPY ... FROM STDIN`` under COPY's rules.

Only ``backends`` imports a backend, and only when a stage runs.
"""

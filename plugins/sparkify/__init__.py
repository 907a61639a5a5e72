"""Sparkify's Airflow building blocks: operators, and the parts they are made of.

Airflow puts the plugins folder on ``sys.path``, so DAGs import this package as ``sparkify``.

- ``operators``: the DAGs' operators, on one base;
- ``staging``: what a stage reads (the source, its key layout), what it staged before, and the
  two COPY backends behind one interface (Redshift's own COPY, the PostgreSQL stand-in);
- ``warehouse``: the ``redshift`` connection, over a driver or the Redshift Data API;
- ``warehouse_admin``: what the admin DAG provisions and decides;
- ``sql_templates``, ``partitions``, ``identifiers``: what SQL templates see, the interval a
  run works on, quoting;
- ``assets``, ``lineage``, ``alerts``, ``daily_report_page``: what the pipeline tells the rest
  of Airflow and its people;
- ``aws_identities``, ``masking``, ``errors``, ``clock``: who does what on AWS, secrets kept out
  of messages, the errors a task fails with, the time.
"""

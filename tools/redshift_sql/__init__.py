"""``make redshift-sql``: what an hourly run sends to Redshift, listed without a cluster.

- ``__main__``: the command (``python -m tools.redshift_sql --at ... [--data-api]``);
- ``dry_run``: runs the hour's tasks against recording stand-ins and formats what they sent;
- ``recording``: a DB-API connection that records statements and answers as Redshift would
  (tests use it as their Redshift too);
- ``data_api_recording``: a Redshift Data API client that records calls, checking each
  against the API's documented shapes.
"""

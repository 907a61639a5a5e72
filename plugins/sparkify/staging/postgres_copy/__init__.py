"""Stage on PostgreSQL, standing in for Redshift: COPY's semantics, client-side.

PostgreSQL cannot read S3, so the objects are streamed from the source and bulk-loaded with
``COPY ... FROM STDIN``, following Redshift COPY's rules for JSON. Every piece of the stand-in
lives in this package:

- ``copy_from_stdin``: the backend's entry point, ``copy_objects``;
- ``client_copy``: streams the objects (small ones fetched in concurrent batches) into one
  ``COPY FROM STDIN`` at a time;
- ``columnar``: the fast path for large objects, parsed, checked and written as CSV in Arrow
  a block at a time, as long as it can vouch for a block;
- ``row_mapping``: Redshift's JSON mapping ('auto', 'auto ignorecase', JSONPaths) and data
  conversions, row by row, naming the object and line of any value Redshift would reject;
- ``json_records``: the streaming JSON reader that counts lines; ``jsonpaths``: JSONPath
  expressions; ``read_ahead``: an iterator a bounded number of items ahead, in a thread.
"""

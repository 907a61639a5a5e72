"""Stage on Amazon Redshift: Redshift runs ``COPY ... FROM 's3://...'`` itself.

- ``copy_from_s3``: the backend's entry point, ``copy_objects``: one COPY per exact object or
  per prefix, as the COPY role;
- ``statement``: the COPY statement, its credentials, and running it;
- ``load_errors``: what Redshift recorded of a failed load, bounded to that COPY.
"""

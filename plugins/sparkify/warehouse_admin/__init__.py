"""Provisioning the Redshift warehouse from Airflow, as the original notebook did by hand.

What the admin DAG creates, it tags (``created-by: sparkify_warehouse_admin``), and it deletes
only what carries that tag: the IAM role Redshift assumes to read the source bucket, the
security group that opens port 5439 to one CIDR, and the cluster or Serverless namespace and
workgroup. Each step looks before it acts, so creating twice and deleting what is already gone
both succeed. The modules: ``form`` (the form's values, checked against AWS's rules), ``names``
(names and tags), ``iam_role``, ``network``, ``cluster``, ``serverless`` (what is made), and
``pipeline_connections`` and ``airflow_connections`` (the connections a new warehouse needs,
printed or set through the REST API).
"""

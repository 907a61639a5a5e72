# The project's Airflow image: the official Airflow 3.3.2 image, this project's runtime
# dependencies at the versions in requirements.lock (not its test tools), and its DAG, plugins
# and SQL. docker-compose.yaml builds it; nothing is pip-installed when a container starts.
FROM apache/airflow:3.3.2-python3.11

COPY requirements.txt requirements.lock /opt/sparkify/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
      -r /opt/sparkify/requirements.txt -c /opt/sparkify/requirements.lock

COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include

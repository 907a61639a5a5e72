#!/usr/bin/env bash
# The stand-in's entrypoint, after the official postgres image's: on an empty PGDATA, initdb with
# POSTGRES_USER as superuser (password POSTGRES_PASSWORD, scram-sha-256 over TCP, trust on the
# local socket) and create POSTGRES_DB; then run the server as user postgres, listening on all
# interfaces. Commands other than `postgres` run as given.
set -euo pipefail

if [[ "${1:-}" != "postgres" ]]; then
    exec "$@"
fi

if [[ "$(id -u)" == "0" ]]; then
    mkdir -p "${PGDATA}"
    chown postgres:postgres "${PGDATA}"
    chmod 700 "${PGDATA}"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-${user}}"
if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
    if [[ -z "${POSTGRES_PASSWORD:-}" ]]; then
        echo "ERROR! POSTGRES_PASSWORD is not set." >&2
        exit 1
    fi
    initdb --username="${user}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    echo "host all all all scram-sha-256" >>"${PGDATA}/pg_hba.conf"
    echo "listen_addresses = '*'" >>"${PGDATA}/postgresql.conf"
    if [[ "${database}" != "postgres" ]]; then
        echo "CREATE DATABASE \"${database//\"/\"\"}\";" |
            postgres --single -D "${PGDATA}" postgres >/dev/null
    fi
    echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"

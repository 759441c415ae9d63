# Prometheus without a registry: Debian's prometheus (2.42) on the local Debian base, laid out like the official
# image (config /etc/prometheus/prometheus.yml, data /prometheus, user nobody, the binary as entrypoint).
# Build with --network=host (apt).
ARG BASE_IMAGE=gatekit/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends prometheus wget && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
VOLUME /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]

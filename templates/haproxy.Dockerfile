# HAProxy without a registry: Debian's haproxy (2.6) on the local Debian base, laid out like the official
# image (config at /usr/local/etc/haproxy/haproxy.cfg, non-root user haproxy). Build with --network=host (apt).
ARG BASE_IMAGE=gatekit/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends haproxy && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/etc/haproxy && cp /etc/haproxy/haproxy.cfg /usr/local/etc/haproxy/haproxy.cfg
USER haproxy
EXPOSE 4000 4001
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]

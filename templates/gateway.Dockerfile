# gatekit gateway image. Build from the repository root after `npm run build:gateway`:
#   docker build -f templates/gateway.Dockerfile -t gatekit/gateway:local .
# Air-gapped hosts and CI pass a locally made base with Node ≥ 20.18 (scripts/base-images.sh):
#   --build-arg BASE_IMAGE=gatekit/node-base:bookworm
ARG BASE_IMAGE=node:22-bookworm-slim

# Stage 1: check that the bundle starts on this base, then gather the few files the runtime needs: node, the
# shared libraries it links, a POSIX shell (health checks in shell form), CA certificates, the bundle.
FROM ${BASE_IMAGE} AS build
COPY dist/gateway/ /app/
RUN node /app/gateway.mjs --version
RUN set -eu; root=/rootfs; node="$(command -v node)"; \
    mkdir -p $root/usr/local/bin $root/bin $root/etc $root/tmp $root/app/config; chmod 1777 $root/tmp; \
    mkdir -p $root/var/lib/gatekit/spend-journal; chown -R 10001:10001 $root/var/lib/gatekit; chmod 700 $root/var/lib/gatekit/spend-journal; \
    cp "$node" $root/usr/local/bin/node; cp -L /bin/sh $root/bin/sh; \
    for lib in $(ldd "$node" /bin/sh | awk '/=>/ { print $3 } /^[ \t]*\/lib/ { print $1 }' | sort -u); do cp --parents -L "$lib" $root; done; \
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp --parents -L /etc/ssl/certs/ca-certificates.crt $root; fi; \
    echo 'root:x:0:0::/:/sbin/nologin' > $root/etc/passwd; echo 'gatekit:x:10001:10001::/app:/sbin/nologin' >> $root/etc/passwd; \
    printf 'root:x:0:\ngatekit:x:10001:\n' > $root/etc/group; echo 'hosts: files dns' > $root/etc/nsswitch.conf; \
    cp -r /app/gateway.mjs $root/app/

# Stage 2: the runtime, from nothing: no package manager, no build tools, no distribution — a non-root user.
FROM scratch
COPY --from=build /rootfs/ /
WORKDIR /app
ENV PATH=/usr/local/bin:/bin \
    NODE_ENV=production \
    LITELLM_MODE=PRODUCTION \
    SEPARATE_HEALTH_APP=1 \
    SEPARATE_HEALTH_PORT=4001
USER 10001:10001
EXPOSE 4000 4001
# The health app runs in the primary process: a busy worker never fails this probe. Node itself makes the
# request, so the image needs no curl. The root filesystem can be read-only; only /tmp must be writable, and
# the spend journal's folder, which the stacks mount a volume on (a new named volume copies its owner, 10001).
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SEPARATE_HEALTH_PORT||4001)+'/health/liveliness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/gateway.mjs"]
CMD ["--port", "4000", "--config", "/app/config/config.yaml"]

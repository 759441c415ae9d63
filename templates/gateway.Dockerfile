# gatekit gateway image. Build from the repository root after `npm run build:gateway`:
#   docker build -f templates/gateway.Dockerfile -t gatekit/gateway:local .
# Air-gapped hosts and CI pass a locally made base with Node ≥ 20.18 (scripts/base-images.sh):
#   --build-arg BASE_IMAGE=gatekit/node-base:bookworm
ARG BASE_IMAGE=node:22-bookworm-slim

# Stage 1: check that the bundle starts on this base before anything is shipped.
FROM ${BASE_IMAGE} AS verify
COPY dist/gateway/ /app/
RUN node /app/gateway.mjs --version

# Stage 2: the runtime: one bundled file, no package manager state, no build tools, a non-root user.
FROM ${BASE_IMAGE}
RUN (getent group gatekit || groupadd --system --gid 10001 gatekit) \
 && (getent passwd gatekit || useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin gatekit) \
 && mkdir -p /app && chown gatekit:gatekit /app
COPY --from=verify --chown=root:root /app/ /app/
WORKDIR /app
ENV NODE_ENV=production \
    LITELLM_MODE=PRODUCTION \
    SEPARATE_HEALTH_APP=1 \
    SEPARATE_HEALTH_PORT=4001
USER 10001:10001
EXPOSE 4000 4001
# The health app runs in the primary process: a busy worker never fails this probe. Node itself makes the
# request, so the image needs no curl. The root filesystem can be read-only; only /tmp must be writable.
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SEPARATE_HEALTH_PORT||4001)+'/health/liveliness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/gateway.mjs"]
CMD ["--port", "4000", "--config", "/app/config/config.yaml"]

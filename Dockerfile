# The actorwire engine image.
#
# Build it with `npm run docker:build`, which packs @actorwire/protocol and @actorwire/engine
# exactly as they are published (`npm pack`) into .pack/image/ and then runs `docker build`
# here. The image installs those tarballs, so it runs the same files a user gets from npm,
# with production dependencies only.
#
#   docker run --rm --network host -v actorwire-data:/data actorwire/engine:latest
#
# Configuration is by environment variable (ACTORWIRE_HOST, ACTORWIRE_PORT, ACTORWIRE_DATA_DIR,
# ACTORWIRE_ADMIN_TOKEN, ACTORWIRE_RUNNER_LOST_THRESHOLD_MS, ACTORWIRE_LOG_LEVEL) or by flags
# after the image name; `docker run actorwire/engine --help` lists them.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native module against Node's headers (in /usr/local/include in
# the official image), since a prebuilt binary cannot be assumed to be downloadable.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY .pack/image/ /build/
# package.json names the tarballs; extra-ca.pem is present only when the build machine reaches
# the npm registry through a TLS proxy with its own certificate authority.
RUN cp /build/package.json ./ \
 && if [ -f /build/extra-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/build/extra-ca.pem; fi \
 && npm install --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force >/dev/null 2>&1 \
 && node -e 'require("better-sqlite3")(":memory:").close()'

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    ACTORWIRE_HOST=0.0.0.0 \
    ACTORWIRE_PORT=6420 \
    ACTORWIRE_DATA_DIR=/data
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /app
VOLUME /data
EXPOSE 6420
# The slim image has no curl; Node's fetch asks the engine on the port it was told to use.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ACTORWIRE_PORT || 6420) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) closes runner sockets, the server and the database, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/node_modules/@actorwire/engine/bin/actorwire-engine.js"]

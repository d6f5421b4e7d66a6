# condod's image. Build it with `scripts/build-image [TAG]`, which also works when the engine
# cannot reach Docker Hub, or from the repository root with `docker build -t condo/condod .`.
# docs/container.md describes the image and how to run it.
#
# Stages, in this order because the legacy builder runs every stage up to `--target`:
#   runtime     the base and everything about running condod (volume, health check, signals ...)
#   host-built  runtime + an app built outside the engine. Used by scripts/build-image when the
#               engine cannot reach Docker Hub (`--target host-built`): its build context then
#               holds `pnpm deploy --prod` output in apps/condod. In a plain `docker build .` it is
#               never part of the result.
#   build       compiles the workspace and better-sqlite3; keeps production dependencies only
#   release     (the default) runtime + the output of build
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS runtime
ARG VERSION=dev
ARG SOURCE=
LABEL org.opencontainers.image.title="condod" \
      org.opencontainers.image.description="condo: a small, idempotent supervisor for Docker containers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
# condod also answers /healthz on this unix socket, inside this container: the HEALTHCHECK asks it,
# so during a self-update it always hears from its own condod, never from the old one holding the
# same port.
ENV CONDOD_HEALTH_SOCKET=/run/condod/health.sock
WORKDIR /app
# Spec files (*.edn, self.edn) and the state database live here, as in upstream's image.
VOLUME /var/lib/condo
EXPOSE 8080
# SIGTERM is a graceful shutdown that leaves every managed container running (as a kill -9
# would); the next condod adopts them. `docker stop` therefore never stops your services.
STOPSIGNAL SIGTERM
# Asks condod's own /healthz on its health socket (without one: on the port and address read from
# condod's command line). No curl in slim images: node does it.
HEALTHCHECK --interval=5s --timeout=4s --start-period=10s --retries=3 \
  CMD ["node", "/app/dist/self-healthcheck.js"]
# Root only because the Docker socket is root's: see docs/container.md for --user with the
# socket's group.
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--state", "/var/lib/condo/state.db", "--server", "8080", "--listen", "0.0.0.0", "/var/lib/condo"]

FROM runtime AS host-built
COPY apps/condod/ /app/

FROM ${BASE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first (a layer that survives source changes), then the sources.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN npm install -g --no-fund --no-audit \
    "pnpm@$(node -p 'require("./package.json").packageManager.split("@")[1]')" \
  && pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile \
  && pnpm exec tsc -b apps/condod \
  && pnpm deploy --filter @condo/condod --prod --legacy /out \
  && scripts/image-prune-app /out

FROM runtime AS release
COPY --from=build /out /app

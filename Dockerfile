# condod's image. Minimal for now: the self-update issue completes it (healthcheck, labels,
# non-root where possible). Build from the repository root: docker build -t condo/condod .
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* && npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile && pnpm exec tsc -b \
  && pnpm deploy --filter @condo/condod --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out /app
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--listen", "0.0.0.0", "--server", "8080", "/etc/condo/specs"]

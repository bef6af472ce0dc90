# syntax=docker/dockerfile:1
# One image for the controller and the agent (`args: [controller]` / `args: [agent]`):
#   docker build -t wise2c-ingress:dev .
# Build stage: every dependency and the TypeScript compiler, src/ → dist/. Runtime stage: production
# dependencies, dist/, nginx for the agent's nginx applier, a non-root user; no compiler, no sources.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# nginx-light: the agent runs its own nginx master as a child process, as the same non-root user, with
# every file under NGINX_CONF_DIR (the distribution's nginx service is never started).
# tini as PID 1 forwards signals to node and reaps nginx workers left over when a master dies.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 wise2c \
  && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin wise2c
WORKDIR /app
ENV NODE_ENV=production \
  NODE_OPTIONS=--enable-source-maps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /src/dist ./dist
# Numeric, so that Kubernetes can verify runAsNonRoot; deploy/ runs as the same uid and gid.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli.js"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# Fechatter in one image: the web client built by Node, embedded into a static Go binary that
# runs as an unprivileged user on a read-only root file system.
#
#   make docker                      (docker build --build-arg VERSION=$(git describe) -t fechatter .)
#   docker run --read-only -p 8080:8080 -v fechatter-data:/data fechatter
#
# /data (FECHATTER_DATA_DIR) is the only path the server writes: the SQLite database, the
# embedded NATS store and the generated JWT secret. Orchestrators: liveness GET /healthz,
# readiness GET /readyz (503 while draining); `fechatter healthcheck` does the same from inside
# the image, which has no shell or curl (see docs/operations.md).
# Every base image is pinned to a full version tag; the runtime is `scratch` (nothing to pin),
# with the CA bundle of the pinned Go image for TLS to PostgreSQL, NATS or Meilisearch.

ARG GO_IMAGE=golang:1.26.8-bookworm
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# 1. The web client: web/static/dist, from the locked dependencies only.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# 2. The server, with the client embedded and the version stamped.
FROM ${GO_IMAGE} AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/static/dist ./web/static/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/fechatter ./cmd/fechatter \
 && mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp

# 3. Runtime: the binary alone, no shell, no package manager, uid 65532.
FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="fechatter" org.opencontainers.image.version="${VERSION}"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build /out/fechatter /fechatter
COPY --from=build --chown=65532:65532 /out/data /data
ENV FECHATTER_ADDR=:8080 FECHATTER_DATA_DIR=/data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/fechatter", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/fechatter"]

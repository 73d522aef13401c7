# syntax=docker/dockerfile:1
# Build: a static leadbot binary (no cgo), with modules and build cache in cache mounts.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/leadbot ./cmd/leadbot

# Run: distroless static, non-root. In a container leadbot needs DATABASE_URL (the embedded
# PostgreSQL is for a developer's machine); see compose.yaml.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/leadbot /usr/local/bin/leadbot
ENV LEADBOT_HTTP_ADDR=0.0.0.0:8080 \
    LEADBOT_DATA_DIR=/var/lib/leadbot \
    LOG_FORMAT=json
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/leadbot"]
CMD ["serve"]

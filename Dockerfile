# syntax=docker/dockerfile:1
#
# Ballast's image: one static binary on distroless, as a non-root user.
#
# Releases do not use this file: `make image` builds the image without a
# container engine (hack/release, go-containerregistry), reproducibly, on
# an empty base with only a passwd entry for 65532, and attaches an SBOM.
# This Dockerfile builds the same binary (the same flags; a test keeps them
# equal) on distroless, which adds CA certificates and time zones, for
# those who build with Docker.
#
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=v0.1.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) \
#     -t ghcr.io/ballast-dev/ballast:v0.1.0 .
#
# `make docker-build` passes the same arguments. A release tags the image
# with its Git tag, the chart's appVersion, which the chart uses as the
# default image tag (docs/install.md#image).

ARG GO_VERSION=1.26.8

# Build on the builder's own platform and cross-compile: no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
# The module download is its own layer, reused until go.mod or go.sum
# change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
# A static binary (no cgo, so no libc to ship), without build paths, with
# the version stamped in for `ballast version`.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -buildid= \
        -X github.com/ballast-dev/ballast/internal/version.version=${VERSION} \
        -X github.com/ballast-dev/ballast/internal/version.commit=${COMMIT} \
        -X github.com/ballast-dev/ballast/internal/version.date=${DATE}" \
      -o /out/ballast ./cmd/ballast

# No shell, no package manager; CA certificates and tzdata only. The
# nonroot tag runs as 65532:65532, the user the chart's securityContext
# names.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="ballast" \
      org.opencontainers.image.description="Admission webhook that gives every tenant workload the reliability defaults an SRE would add by hand" \
      org.opencontainers.image.source="https://github.com/ballast-dev/ballast" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/ballast /ballast
USER 65532:65532
ENTRYPOINT ["/ballast"]

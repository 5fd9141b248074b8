#!/usr/bin/env bash
# module-crds.sh MODULE VERSION SUBDIR OUTDIR FILE...
#
# Copies CustomResourceDefinition files from a Go module, MODULE at VERSION,
# where they are in SUBDIR, into OUTDIR, for the tests to install into their
# API server: the Prometheus Operator's ServiceMonitor and PrometheusRule
# (make monitoring-crds, for test/chart) and the wgpolicyk8s.io
# PolicyReport that Kyverno's module ships (make policyreport-crds, for
# internal/policyreport). The script is idempotent: it does nothing when
# every file is already there. `go mod download` runs in a temporary
# directory, outside the repository's module, so go.mod and go.sum stay as
# they are; the files are written under temporary names and renamed into
# place, so an interrupted run never leaves a partial file.
set -euo pipefail

log() { printf 'module-crds: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 5 ]] || die "usage: $0 MODULE VERSION SUBDIR OUTDIR FILE..."
command -v go >/dev/null 2>&1 || die "go is not on PATH"
MODULE="$1" VERSION="$2" SUBDIR="$3"
shift 3
mkdir -p "$1"
OUTDIR="$(cd "$1" && pwd)"
shift
FILES=("$@")

missing=0
for f in "${FILES[@]}"; do
  [[ -s "$OUTDIR/$f" ]] || missing=1
done
if [[ $missing -eq 0 ]]; then
  log "$MODULE@$VERSION CRDs already in $OUTDIR"
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
JSON="$(cd "$TMP" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION")" ||
  die "go mod download $MODULE@$VERSION failed: $JSON"
DIR="$(printf '%s\n' "$JSON" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[[ -n "$DIR" && -d "$DIR" ]] || die "no module directory in: $JSON"

for f in "${FILES[@]}"; do
  src="$DIR/$SUBDIR/$f"
  [[ -s "$src" ]] || die "$src not found"
  cp "$src" "$OUTDIR/.$f.tmp"
  chmod 0644 "$OUTDIR/.$f.tmp"
  mv "$OUTDIR/.$f.tmp" "$OUTDIR/$f"
done
log "copied ${FILES[*]} of $MODULE@$VERSION into $OUTDIR"

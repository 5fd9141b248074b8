#!/usr/bin/env bash
# monitoring-crds.sh OUTDIR
#
# Copies the Prometheus Operator's ServiceMonitor and PrometheusRule
# CustomResourceDefinitions, from its Go module at
# $PROMETHEUS_OPERATOR_VERSION, into OUTDIR, for the chart tests
# (test/chart) to install into their API server. The script is idempotent:
# it does nothing when both files are already there. `go mod download` runs
# in a temporary directory, outside the repository's module, so go.mod and
# go.sum stay as they are; the files are written under temporary names and
# renamed into place, so an interrupted run never leaves a partial file.
set -euo pipefail

PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
MODULE="github.com/prometheus-operator/prometheus-operator"
FILES=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

log() { printf 'monitoring-crds: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
command -v go >/dev/null 2>&1 || die "go is not on PATH"

mkdir -p "$1"
OUTDIR="$(cd "$1" && pwd)"

missing=0
for f in "${FILES[@]}"; do
  [[ -s "$OUTDIR/$f" ]] || missing=1
done
if [[ $missing -eq 0 ]]; then
  log "$MODULE@$PROMETHEUS_OPERATOR_VERSION CRDs already in $OUTDIR"
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
JSON="$(cd "$TMP" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$MODULE@$PROMETHEUS_OPERATOR_VERSION")" ||
  die "go mod download $MODULE@$PROMETHEUS_OPERATOR_VERSION failed: $JSON"
DIR="$(printf '%s\n' "$JSON" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[[ -n "$DIR" && -d "$DIR" ]] || die "no module directory in: $JSON"

for f in "${FILES[@]}"; do
  src="$DIR/example/prometheus-operator-crd/$f"
  [[ -s "$src" ]] || die "$src not found"
  cp "$src" "$OUTDIR/.$f.tmp"
  chmod 0644 "$OUTDIR/.$f.tmp"
  mv "$OUTDIR/.$f.tmp" "$OUTDIR/$f"
done
log "copied the ServiceMonitor and PrometheusRule CRDs of $MODULE@$PROMETHEUS_OPERATOR_VERSION into $OUTDIR"

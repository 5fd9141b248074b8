#!/usr/bin/env bash
# helm.sh OUTDIR
#
# Installs helm into OUTDIR with `go install`, keyed by version: the binary is
# OUTDIR/helm-$HELM_VERSION and OUTDIR/helm is a symlink to it. The script is
# idempotent: it installs nothing when that version is already there, and it
# only repoints the symlink. The binary is built in a temporary GOBIN and then
# renamed into place, so an interrupted run never leaves a partial file.
#
# `go install` alone leaves helm without its release stamps, so its default
# Kubernetes version would be v1.20. The release build's -X flags are set here
# too: the Kubernetes version comes from the client-go version that helm's
# go.mod requires (major 0 -> 1, as helm's Makefile does).
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
HELM_MODULE="helm.sh/helm/v3"

log() { printf 'helm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
command -v go >/dev/null 2>&1 || die "go is not on PATH"

mkdir -p "$1"
OUTDIR="$(cd "$1" && pwd)"
BIN="helm-$HELM_VERSION"

export GOWORK=off GOFLAGS="-buildvcs=false -trimpath"

if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUTDIR/.helm.lock"
  flock 9
fi

if [[ -x "$OUTDIR/$BIN" ]]; then
  log "$BIN already in $OUTDIR"
else
  GOBIN_TMP="$(mktemp -d "$OUTDIR/.helm.tmp.XXXXXX")"
  trap 'rm -rf "$GOBIN_TMP"' EXIT
  trap 'exit 130' INT TERM
  start=$SECONDS

  ldflags="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
  ldflags+=" -X $HELM_MODULE/internal/version.gitTreeState=clean"
  # go mod download runs outside any module here (GOWORK=off, a temp dir).
  gomod="$(cd "$GOBIN_TMP" && go mod download -json "$HELM_MODULE@$HELM_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  clientgo="$(go mod edit -print "$gomod" | awk '$1 == "k8s.io/client-go" { print $2; exit }')"
  if [[ "$clientgo" =~ ^v0\.([0-9]+)\. ]]; then
    minor="${BASH_REMATCH[1]}"
    for p in pkg/lint/rules pkg/chartutil; do
      ldflags+=" -X $HELM_MODULE/$p.k8sVersionMajor=1 -X $HELM_MODULE/$p.k8sVersionMinor=$minor"
    done
    log "default Kubernetes version: v1.$minor (client-go $clientgo)"
  else
    log "warning: cannot read client-go's version from $gomod; helm defaults to Kubernetes v1.20"
  fi

  log "installing $HELM_MODULE/cmd/helm@$HELM_VERSION: once, about a minute and a half on 2 cores"
  (cd "$GOBIN_TMP" && GOBIN="$GOBIN_TMP" go install -ldflags "$ldflags" "$HELM_MODULE/cmd/helm@$HELM_VERSION")
  mv -f "$GOBIN_TMP/helm" "$OUTDIR/$BIN"
  log "installed $OUTDIR/$BIN in $((SECONDS - start))s"
fi

if [[ "$(readlink "$OUTDIR/helm" 2>/dev/null || true)" != "$BIN" ]]; then
  # A new link renamed over the old one: the switch is atomic.
  ln -sfn "$BIN" "$OUTDIR/.helm.link.$$"
  mv -f "$OUTDIR/.helm.link.$$" "$OUTDIR/helm"
  log "linked $OUTDIR/helm -> $BIN"
fi

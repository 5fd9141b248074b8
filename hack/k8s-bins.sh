#!/usr/bin/env bash
# k8s-bins.sh OUTDIR [NODE]
#
# Builds the control-plane binaries that the envtest-based tests run
# (kube-apiserver, kube-controller-manager and etcd) from Go modules into
# OUTDIR, e.g. bin/k8s/v1.37.2. With the word "node" as second argument it
# also builds what a node needs (kubelet, kube-proxy and kube-scheduler, for
# test/nodelab). Only Go and a reachable module proxy are needed: no Docker
# and no download site other than the Go module proxy.
#
# The script is idempotent: a binary that already exists in OUTDIR is skipped.
# Each binary is built under a temporary name inside OUTDIR and then renamed,
# so an interrupted build never leaves a partial file behind. Concurrent runs
# for the same OUTDIR are serialised with flock(1) when it is available.
set -euo pipefail

# Versions. K8S_STAGING_VERSION is the version at which k8s.io/kubernetes'
# staging modules (k8s.io/api, k8s.io/apiserver, ...) are published.
K8S_VERSION="${K8S_VERSION:-1.37.2}"
K8S_STAGING_VERSION="${K8S_STAGING_VERSION:-0.${K8S_VERSION#*.}}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"

log() { printf 'k8s-bins: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 1 || ( $# -eq 2 && "$2" == node ) ]] || die "usage: $0 OUTDIR [node]"
# The commands of k8s.io/kubernetes to build.
K8S_CMDS=(kube-apiserver kube-controller-manager)
[[ $# -eq 1 ]] || K8S_CMDS+=(kubelet kube-proxy kube-scheduler)
command -v go >/dev/null 2>&1 || die "go is not on PATH"

mkdir -p "$1"
OUTDIR="$(cd "$1" && pwd)"

# Builds happen outside the repository, so neither its go.mod nor a go.work
# may influence them. -trimpath keeps the binaries independent of the paths.
export GOWORK=off GOFLAGS="-buildvcs=false -trimpath"

LOCKED=""
if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUTDIR/.k8s-bins.lock"
  if ! flock -n 9; then
    log "waiting for another k8s-bins.sh run on $OUTDIR"
    flock 9
  fi
  LOCKED=1
fi

WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/ballast-k8s-bins.XXXXXX")"
TMPBINS=()
cleanup() {
  local f
  for f in "${TMPBINS[@]+"${TMPBINS[@]}"}"; do rm -f "$f"; done
  rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Leftovers of runs that were killed before their trap could run. Only under
# the lock, which guarantees that no other run is writing them.
[[ -z "$LOCKED" ]] || rm -f "$OUTDIR"/.*.tmp.*

have() { [[ -x "$OUTDIR/$1" && ! -d "$OUTDIR/$1" ]]; }

# build NAME DIR PKG LDFLAGS: go build PKG inside module DIR to OUTDIR/NAME.
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  local tmp="$OUTDIR/.$name.tmp.$$" start=$SECONDS
  TMPBINS+=("$tmp")
  log "building $name from $pkg"
  (cd "$dir" && go build -ldflags "$ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$OUTDIR/$name"
  log "built $OUTDIR/$name in $((SECONDS - start))s"
}

# staging_modules GOMOD prints the staging modules of k8s.io/kubernetes: the
# modules that its go.mod replaces with a ./staging/src/... directory (and
# requires at v0.0.0). Only Go's own formatter and awk are used to read it.
staging_modules() {
  go mod edit -print "$1" | awk '{
    for (i = 2; i < NF; i++)
      if ($i == "=>" && $(i + 1) ~ /^\.\/staging\//) print $(i - 1)
  }'
}

# kubernetes_module DIR prepares a throwaway module in DIR that requires
# k8s.io/kubernetes and replaces each of its staging modules by the published
# version of that module.
kubernetes_module() {
  local dir="$1" gomod staging m
  mkdir -p "$dir"
  cd "$dir"
  log "resolving k8s.io/kubernetes@v$K8S_VERSION in $dir"
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$gomod" ]] || die "go.mod of k8s.io/kubernetes@v$K8S_VERSION not found"
  staging="$(staging_modules "$gomod")"
  [[ -n "$staging" ]] || die "no staging modules found in $gomod"
  log "replacing $(wc -l <<<"$staging") staging modules with v$K8S_STAGING_VERSION:" $staging
  go mod init ballast.local/k8s-bins
  local args=(-require="k8s.io/kubernetes@v$K8S_VERSION")
  for m in $staging; do
    args+=(-replace="$m=$m@v$K8S_STAGING_VERSION")
  done
  go mod edit "${args[@]}"
  # Resolves every dependency of the commands and records their go.sum lines.
  local pkgs=()
  for m in "${K8S_CMDS[@]}"; do
    pkgs+=("k8s.io/kubernetes/cmd/$m@v$K8S_VERSION")
  done
  go get "${pkgs[@]}"
  cd - >/dev/null
}

# etcd_module DIR prepares a throwaway module in DIR whose main package runs
# the etcd server.
etcd_module() {
  local dir="$1"
  mkdir -p "$dir"
  cd "$dir"
  log "resolving go.etcd.io/etcd/server/v3@v$ETCD_VERSION in $dir"
  go mod init ballast.local/etcd
  cat >main.go <<'GO'
// Command etcd runs the etcd server, as the upstream etcd binary does.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go mod tidy
  cd - >/dev/null
}

# The version information that the Kubernetes release build stamps in, so
# that --version and the /version endpoint report v$K8S_VERSION.
K8S_LDFLAGS="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $p.gitVersion=v$K8S_VERSION"
  K8S_LDFLAGS+=" -X $p.gitMajor=${K8S_VERSION%%.*}"
  K8S_LDFLAGS+=" -X $p.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION")"
  K8S_LDFLAGS+=" -X $p.gitTreeState=clean"
done

total_start=$SECONDS
missing=()
for name in "${K8S_CMDS[@]}"; do
  have "$name" || missing+=("$name")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "${K8S_CMDS[*]} v$K8S_VERSION already in $OUTDIR"
else
  kdir="$WORKDIR/kubernetes"
  kubernetes_module "$kdir"
  for name in "${K8S_CMDS[@]}"; do
    if have "$name"; then
      log "$name already in $OUTDIR"
    else
      build "$name" "$kdir" "k8s.io/kubernetes/cmd/$name" "$K8S_LDFLAGS"
    fi
  done
fi

if have etcd; then
  log "etcd already in $OUTDIR"
else
  edir="$WORKDIR/etcd"
  etcd_module "$edir"
  build etcd "$edir" ballast.local/etcd "-s -w"
fi
log "done in $((SECONDS - total_start))s: $OUTDIR"

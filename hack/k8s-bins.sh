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
# Building from source takes long on a fresh machine (measured on 2 cores:
# kube-apiserver about 5 minutes, kube-controller-manager about 2, etcd
# about half a minute, besides the module downloads), so the script first
# looks for prebuilt binaries of the right version and copies them instead:
# in the directories of $PREBUILT_DIRS (colon-separated; the Makefile passes
# the KUBEBUILDER_ASSETS of your environment), then where controller-runtime's
# setup-envtest stores them (its bundles have etcd and kube-apiserver, not
# kube-controller-manager). kube-apiserver and kube-controller-manager must
# report v$K8S_VERSION, etcd the minor version of $ETCD_VERSION. While it
# builds, it prints how many packages it has compiled, and for how long.
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

# build NAME DIR PKG LDFLAGS: go build PKG inside module DIR to OUTDIR/NAME,
# printing its progress: the packages compiled so far (those the build cache
# holds are not compiled again), every 100 packages and at least every 30
# seconds, with the time spent.
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  local tmp="$OUTDIR/.$name.tmp.$$" start=$SECONDS total
  TMPBINS+=("$tmp")
  total="$(cd "$dir" && go list -deps "$pkg" | wc -l | tr -d ' ')"
  log "building $name from $pkg: $total packages, some of them perhaps in the build cache already"
  (cd "$dir" && go build -v -ldflags "$ldflags" -o "$tmp" "$pkg") 2>&1 | progress "$name" "$total"
  mv -f "$tmp" "$OUTDIR/$name"
  log "built $OUTDIR/$name in $((SECONDS - start))s"
}

# progress NAME TOTAL reads the output of go build -v: it counts the lines
# that name a package and passes every other line (the compiler's errors)
# through. A heartbeat shows that nothing hangs while one large package
# compiles.
progress() {
  local name="$1" total="$2" start=$SECONDS count=0 last=$SECONDS line
  while true; do
    if IFS= read -r -t 30 line; then
      if [[ "$line" =~ ^[^[:space:]:]+$ ]]; then
        count=$((count + 1))
        if ((count % 100 == 0 || SECONDS - last >= 30)); then
          log "$name: $count of $total packages compiled ($((SECONDS - start))s)"
          last=$SECONDS
        fi
      else
        printf '%s\n' "$line" >&2
      fi
    elif (($? > 128)); then
      log "$name: $count of $total packages compiled ($((SECONDS - start))s), still compiling"
      last=$SECONDS
    else
      break
    fi
  done
}

# version_ok NAME PATH reports whether the binary at PATH is the version
# this script would build.
version_ok() {
  local name="$1" path="$2" out
  # The whole output, then its first line: head would close the pipe early.
  out="$("$path" --version 2>/dev/null)" || return 1
  out="${out%%$'\n'*}"
  case "$name" in
    etcd) [[ "$out" =~ ^etcd\ Version:\ ([0-9]+\.[0-9]+)\. && "${BASH_REMATCH[1]}" == "${ETCD_VERSION%.*}" ]] ;;
    *) [[ "$out" == "Kubernetes v$K8S_VERSION" ]] ;;
  esac
}

# adopt NAME copies a prebuilt NAME of the right version into OUTDIR from
# the first directory that has one; it fails when none has.
adopt() {
  local name="$1" dir tmp version
  for dir in "${PREBUILT[@]+"${PREBUILT[@]}"}"; do
    [[ -x "$dir/$name" && ! -d "$dir/$name" ]] || continue
    if ! version_ok "$name" "$dir/$name"; then
      version="$("$dir/$name" --version 2>&1 || true)"
      log "not using $dir/$name: it reports \"${version%%$'\n'*}\", not the version wanted"
      continue
    fi
    tmp="$OUTDIR/.$name.tmp.$$"
    TMPBINS+=("$tmp")
    cp "$dir/$name" "$tmp"
    chmod 0755 "$tmp"
    mv -f "$tmp" "$OUTDIR/$name"
    log "copied the prebuilt $name from $dir"
    return 0
  done
  return 1
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

# Where prebuilt binaries may be: $PREBUILT_DIRS, then setup-envtest's
# store on Linux and on macOS. OUTDIR itself is left out.
PREBUILT=()
IFS=: read -r -a dirs <<<"${PREBUILT_DIRS:-}"
store="k8s/$K8S_VERSION-$(go env GOOS)-$(go env GOARCH)"
dirs+=("${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest/$store"
  "$HOME/Library/Application Support/io.kubebuilder.envtest/$store")
for d in "${dirs[@]}"; do
  if [[ -n "$d" && -d "$d" && "$(cd "$d" && pwd -P)" != "$(cd "$OUTDIR" && pwd -P)" ]]; then
    PREBUILT+=("$d")
  fi
done

total_start=$SECONDS
for name in etcd "${K8S_CMDS[@]}"; do
  have "$name" || adopt "$name" || true
done
missing=()
for name in "${K8S_CMDS[@]}"; do
  have "$name" || missing+=("$name")
done
building=()
have etcd || building+=(etcd)
building+=("${missing[@]+"${missing[@]}"}")
if [[ ${#building[@]} -gt 0 ]]; then
  log "building ${building[*]} from source, once: on 2 cores kube-apiserver takes about 5 minutes," \
    "kube-controller-manager about 2 and etcd about half a minute, besides the module downloads." \
    "To skip this, point KUBEBUILDER_ASSETS at a directory of v$K8S_VERSION binaries (setup-envtest use $K8S_VERSION -p path)."
fi

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

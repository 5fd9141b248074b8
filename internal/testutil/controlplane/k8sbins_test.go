package controlplane

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestK8sBinsTakesPrebuiltBinaries runs hack/k8s-bins.sh with binaries that
// only print their version, and a go that can do nothing but say where it
// runs: the binaries of the right version are copied instead of built,
// from $PREBUILT_DIRS (where the Makefile puts KUBEBUILDER_ASSETS) or from
// setup-envtest's store, and one of another version is not taken.
func TestK8sBinsTakesPrebuiltBinaries(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	const want = "Kubernetes v" + KubernetesVersion
	tests := map[string]struct {
		// prebuilt and store hold each binary's first line of --version,
		// in $PREBUILT_DIRS and in setup-envtest's store.
		prebuilt, store map[string]string
		// built are the binaries the script would still build (and so
		// fails, with this go).
		built []string
		// notUsed is in the log for a binary of another version.
		notUsed string
	}{
		"all from KUBEBUILDER_ASSETS": {
			prebuilt: map[string]string{"etcd": "etcd Version: 3.6.9", "kube-apiserver": want, "kube-controller-manager": want},
		},
		"etcd and kube-apiserver from setup-envtest's store": {
			prebuilt: map[string]string{"kube-controller-manager": want},
			store:    map[string]string{"etcd": "etcd Version: 3.6.4", "kube-apiserver": want},
		},
		"another Kubernetes version is built instead": {
			prebuilt: map[string]string{"etcd": "etcd Version: 3.6.9", "kube-apiserver": "Kubernetes v1.36.0", "kube-controller-manager": want},
			built:    []string{"kube-apiserver"},
			notUsed:  `kube-apiserver: it reports "Kubernetes v1.36.0"`,
		},
		"another etcd minor version is built instead": {
			prebuilt: map[string]string{"etcd": "etcd Version: 3.5.21", "kube-apiserver": want, "kube-controller-manager": want},
			built:    []string{"etcd"},
			notUsed:  `etcd: it reports "etcd Version: 3.5.21"`,
		},
		"nothing prebuilt": {
			built: []string{"etcd", "kube-apiserver", "kube-controller-manager"},
		},
	}
	script := filepath.Join(repoRoot(t), "hack", "k8s-bins.sh")
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out, prebuilt, home, data, path := filepath.Join(dir, "out"), filepath.Join(dir, "prebuilt"),
				filepath.Join(dir, "home"), filepath.Join(dir, "data"), filepath.Join(dir, "path")
			store := filepath.Join(data, "kubebuilder-envtest", "k8s", KubernetesVersion+"-testos-testarch")
			fake(t, path, "go", "case \"$1 $2\" in\n\"env GOOS\") echo testos;;\n\"env GOARCH\") echo testarch;;\n*) echo \"fake go: go $* is not allowed\" >&2; exit 1;;\nesac")
			for name, version := range tc.prebuilt {
				fake(t, prebuilt, name, "echo '"+version+"'")
			}
			for name, version := range tc.store {
				fake(t, store, name, "echo '"+version+"'")
			}
			require.NoError(t, os.MkdirAll(home, 0o700))

			cmd := exec.CommandContext(t.Context(), "bash", script, out)
			cmd.Env = []string{
				"PATH=" + path + ":/usr/bin:/bin", "HOME=" + home, "XDG_DATA_HOME=" + data,
				"PREBUILT_DIRS=" + filepath.Join(dir, "missing") + ":" + prebuilt, "K8S_VERSION=" + KubernetesVersion,
			}
			log, err := cmd.CombinedOutput()
			if len(tc.built) > 0 {
				require.Error(t, err, "the script builds with a go that cannot:\n%s", log)
				assert.Contains(t, string(log), "building "+strings.Join(tc.built, " ")+" from source")
				assert.Contains(t, string(log), "fake go: go mod", "it went on to build")
			} else {
				require.NoError(t, err, "%s", log)
			}
			if tc.notUsed != "" {
				assert.Contains(t, string(log), tc.notUsed)
			}
			all := maps.Clone(tc.prebuilt)
			if all == nil {
				all = map[string]string{}
			}
			maps.Copy(all, tc.store)
			for name, version := range all {
				if strings.Contains(tc.notUsed, name+":") {
					continue
				}
				got, err := exec.CommandContext(t.Context(), filepath.Join(out, name), "--version").Output()
				require.NoError(t, err, "%s was copied into the output directory:\n%s", name, log)
				assert.Equal(t, version+"\n", string(got))
			}
		})
	}
}

// fake writes an executable shell script name in dir.
func fake(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o700)) //nolint:gosec // an executable for the test
}

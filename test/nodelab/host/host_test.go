package host

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSysctlPath(t *testing.T) {
	tests := map[string]string{
		"kernel.panic":                       "/proc/sys/kernel/panic",
		"net.ipv4.conf.all.route_localnet":   "/proc/sys/net/ipv4/conf/all/route_localnet",
		"net.bridge.bridge-nf-call-iptables": "/proc/sys/net/bridge/bridge-nf-call-iptables",
	}
	for key, want := range tests {
		t.Run(key, func(t *testing.T) {
			assert.Equal(t, want, sysctlPath(key))
		})
	}
}

func TestUnescapeMountPoint(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":     {`/var/lib/ballast-node-lab/kubelet/pods`, `/var/lib/ballast-node-lab/kubelet/pods`},
		"space":     {`/mnt/a\040b`, `/mnt/a b`},
		"backslash": {`/mnt/a\134b`, `/mnt/a\b`},
		"tab":       {`/mnt/a\011b`, "/mnt/a\tb"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, unescapeMountPoint(tc.in))
		})
	}
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir", "host.json")
	s := &Snapshot{LabDir: "/var/lib/lab", Sysctls: map[string]string{"kernel.panic": "1"}, Ruleset: "table ip t {\n}\n",
		Absent: []string{"/var/lib/cni"}, BridgeExisted: true}
	require.NoError(t, s.Save(path))
	back, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, s, back)

	require.NoError(t, (&Snapshot{}).Save(path))
	_, err = Load(path)
	assert.ErrorContains(t, err, "names no lab directory")
	_, err = Load(filepath.Join(t.TempDir(), "missing.json"))
	assert.ErrorContains(t, err, "reading the host snapshot")
}

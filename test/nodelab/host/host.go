// Package host records the host settings that a node (containerd, the
// kubelet, kube-proxy, the CNI bridge) changes, and puts them back: the
// sysctls, the nftables ruleset (iptables-nft's rules included), the
// mounts, network namespaces, cgroups and directories it leaves behind, and
// the cni0 bridge. The record is a JSON file, so that a run killed before
// it could clean up is restored by the next one.
//
//	s, err := host.Take(labDir)
//	err = s.Save(path)
//	... run the node, stop every process ...
//	err = s.Restore()
package host

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Sysctls are the kernel settings a node changes: the kubelet's
// (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops), kube-proxy's
// (route_localnet, conntrack) and the bridge's (forwarding).
var Sysctls = []string{
	"vm.overcommit_memory",
	"kernel.panic",
	"kernel.panic_on_oops",
	"net.ipv4.ip_forward",
	"net.ipv4.conf.all.route_localnet",
	"net.ipv6.conf.all.forwarding",
	"net.bridge.bridge-nf-call-iptables",
	"net.netfilter.nf_conntrack_max",
	"net.netfilter.nf_conntrack_tcp_timeout_established",
	"net.netfilter.nf_conntrack_tcp_timeout_close_wait",
}

// FixedPaths are directories that the kubelet, containerd and the CNI
// plugins create at fixed places, whatever their configuration says.
var FixedPaths = []string{
	"/var/lib/kubelet",
	"/var/log/containers",
	"/var/log/pods",
	"/var/lib/cni",
	"/var/run/netns",
	"/run/containerd",
	"/etc/cni",
}

// Bridge is the CNI bridge the node lab's network uses.
const Bridge = "cni0"

// Snapshot is the state of the host before the node ran.
type Snapshot struct {
	// LabDir is the node's own directory: every mount under it is
	// unmounted and it is removed.
	LabDir string `json:"labDir"`
	// Sysctls maps each of Sysctls that exists to its value.
	Sysctls map[string]string `json:"sysctls"`
	// Ruleset is the output of `nft list ruleset`.
	Ruleset string `json:"ruleset"`
	// Absent lists the FixedPaths that did not exist.
	Absent []string `json:"absent"`
	// BridgeExisted tells whether Bridge existed.
	BridgeExisted bool `json:"bridgeExisted"`
}

// Take records the host's state.
func Take(labDir string) (*Snapshot, error) {
	s := &Snapshot{LabDir: labDir, Sysctls: map[string]string{}}
	for _, k := range Sysctls {
		v, err := os.ReadFile(sysctlPath(k))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading sysctl %s: %w", k, err)
		}
		s.Sysctls[k] = strings.TrimSpace(string(v))
	}
	out, err := exec.Command("nft", "list", "ruleset").Output()
	if err != nil {
		return nil, fmt.Errorf("nft list ruleset: %w", err)
	}
	s.Ruleset = string(out)
	for _, p := range FixedPaths {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			s.Absent = append(s.Absent, p)
		}
	}
	_, err = os.Stat(filepath.Join("/sys/class/net", Bridge))
	s.BridgeExisted = err == nil
	return s, nil
}

// Save writes the snapshot to path.
func (s *Snapshot) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the host snapshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the directory of %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("writing the host snapshot: %w", err)
	}
	return nil
}

// Load reads a snapshot that Save wrote.
func Load(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the host snapshot: %w", err)
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding the host snapshot %s: %w", path, err)
	}
	if s.LabDir == "" {
		return nil, fmt.Errorf("host snapshot %s names no lab directory", path)
	}
	return &s, nil
}

// Restore puts the host back as Take found it. Every process of the node
// must have stopped. It goes on after a failure and returns every one.
func (s *Snapshot) Restore() error {
	var errs []error
	// Mounts first: the network namespaces' files and the pods' volumes.
	errs = append(errs, unmountUnder(append([]string{s.LabDir, "/var/run/netns", "/run/netns", "/run/containerd", "/var/lib/kubelet"}, s.Absent...)))
	errs = append(errs, removeNetns())
	if !s.BridgeExisted {
		if _, err := os.Stat(filepath.Join("/sys/class/net", Bridge)); err == nil {
			if out, err := exec.Command("ip", "link", "delete", Bridge).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("ip link delete %s: %w: %s", Bridge, err, out))
			}
		}
	}
	errs = append(errs, s.restoreRuleset())
	for _, k := range Sysctls {
		v, ok := s.Sysctls[k]
		if !ok {
			continue
		}
		if err := os.WriteFile(sysctlPath(k), []byte(v+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("restoring sysctl %s=%s: %w", k, v, err))
		}
	}
	errs = append(errs, removeCgroups("kubepods"))
	for _, p := range append(slices.Clone(s.Absent), s.LabDir) {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// restoreRuleset replaces the nftables ruleset with the one recorded.
func (s *Snapshot) restoreRuleset() error {
	if out, err := exec.Command("nft", "flush", "ruleset").CombinedOutput(); err != nil {
		return fmt.Errorf("nft flush ruleset: %w: %s", err, out)
	}
	if strings.TrimSpace(s.Ruleset) == "" {
		return nil
	}
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(s.Ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restoring the nftables ruleset: %w: %s", err, out)
	}
	return nil
}

func sysctlPath(key string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}

// unmountUnder unmounts every mount point under one of the prefixes, the
// deepest first.
func unmountUnder(prefixes []string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("reading the mounts: %w", err)
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		point := unescapeMountPoint(fields[4])
		for _, p := range prefixes {
			if point == p || strings.HasPrefix(point, strings.TrimSuffix(p, "/")+"/") {
				points = append(points, point)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the mounts: %w", err)
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range slices.Compact(points) {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMountPoint undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPoint(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// removeNetns removes the network namespaces the CNI plugins named cni-*.
func removeNetns() error {
	var errs []error
	for _, dir := range []string{"/var/run/netns", "/run/netns"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "cni-*"))
		for _, m := range matches {
			if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("removing network namespace %s: %w", m, err))
			}
		}
	}
	return errors.Join(errs...)
}

// removeCgroups removes the cgroup named name, and the cgroups under it,
// from every cgroup v1 hierarchy and the v2 one.
func removeCgroups(name string) error {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if _, err := os.Stat("/sys/fs/cgroup/" + name); err == nil {
		roots = append(roots, "/sys/fs/cgroup/"+name)
	}
	var errs []error
	for _, root := range roots {
		var dirs []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("listing cgroup %s: %w", root, err))
			continue
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("removing cgroup %s: %w", dirs[i], err))
			}
		}
	}
	return errors.Join(errs...)
}

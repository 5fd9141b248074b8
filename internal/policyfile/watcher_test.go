package policyfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/policyfile"
)

// Policies as a ConfigMap would hold them.
const (
	warnPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: warn
`
	enforcePolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: enforce
`
	// brokenPolicy has two problems, both of which must be reported.
	brokenPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: enforcing
  podDefaults:
    preStop:
      sleepSeconds: 7200
`
)

// waitFor is how long a test waits for a change to be picked up. Events
// arrive within milliseconds; the margin is for a loaded CI machine.
const waitFor = 10 * time.Second

func TestNewFailsListingEveryProblem(t *testing.T) {
	path := writeFile(t, t.TempDir(), "policy.yaml", brokenPolicy)
	reg := prometheus.NewRegistry()

	w, err := policyfile.New(path, policyfile.Options{Metrics: metrics.NewRecorder(reg)})

	require.Error(t, err)
	assert.Nil(t, w)
	assert.ErrorContains(t, err, path)
	assert.ErrorContains(t, err, "spec.mode")
	assert.ErrorContains(t, err, "spec.podDefaults.preStop.sleepSeconds")
	var invalid *policy.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Len(t, invalid.Problems, 2)
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_reload_total", "failure"))
}

func TestNewFailsOnAMissingFile(t *testing.T) {
	_, err := policyfile.New(filepath.Join(t.TempDir(), "policy.yaml"), policyfile.Options{})
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "reading policy file")
}

func TestReloadsOnChange(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "policy.yaml", warnPolicy)
	w, reg := startWatcher(t, path, time.Hour) // events only: the poll never fires
	require.Equal(t, policy.ModeWarn, w.Policy().Spec.Mode)
	before := metricValue(t, reg, "ballast_policy_generation", "")

	replaceFile(t, path, enforcePolicy)

	waitForMode(t, w, policy.ModeEnforce)
	assert.Equal(t, 2.0, metricValue(t, reg, "ballast_policy_reload_total", "success"))
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_last_reload_success", ""))
	assert.NotEqual(t, before, metricValue(t, reg, "ballast_policy_generation", ""))
}

func TestIgnoresRewritesOfTheSameContent(t *testing.T) {
	path := writeFile(t, t.TempDir(), "policy.yaml", warnPolicy)
	w, reg := startWatcher(t, path, 20*time.Millisecond)
	first := w.Policy()

	replaceFile(t, path, warnPolicy)
	time.Sleep(300 * time.Millisecond) // several polls and the settle delay

	assert.Same(t, first, w.Policy())
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_reload_total", "success"))
}

func TestBrokenChangeKeepsTheLastGoodPolicyUntilFixed(t *testing.T) {
	path := writeFile(t, t.TempDir(), "policy.yaml", warnPolicy)
	w, reg := startWatcher(t, path, time.Hour)
	good := w.Policy()
	generation := metricValue(t, reg, "ballast_policy_generation", "")

	replaceFile(t, path, brokenPolicy)

	waitForMetric(t, reg, "ballast_policy_reload_total", "failure", 1)
	assert.Same(t, good, w.Policy(), "the last good policy stays in force")
	assert.Equal(t, 0.0, metricValue(t, reg, "ballast_policy_last_reload_success", ""))
	assert.Equal(t, generation, metricValue(t, reg, "ballast_policy_generation", ""))

	replaceFile(t, path, enforcePolicy)

	waitForMode(t, w, policy.ModeEnforce)
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_last_reload_success", ""))
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_reload_total", "failure"))
}

func TestRevertToThePolicyInForceAfterABrokenChange(t *testing.T) {
	path := writeFile(t, t.TempDir(), "policy.yaml", warnPolicy)
	w, reg := startWatcher(t, path, time.Hour)
	good := w.Policy()

	replaceFile(t, path, brokenPolicy)
	waitForMetric(t, reg, "ballast_policy_last_reload_success", "", 0)
	replaceFile(t, path, warnPolicy)

	waitForMetric(t, reg, "ballast_policy_last_reload_success", "", 1)
	assert.Same(t, good, w.Policy(), "the same content is not parsed again")
}

func TestRemovedFileKeepsTheLastGoodPolicy(t *testing.T) {
	path := writeFile(t, t.TempDir(), "policy.yaml", warnPolicy)
	w, reg := startWatcher(t, path, time.Hour)

	require.NoError(t, os.Remove(path))

	waitForMetric(t, reg, "ballast_policy_reload_total", "failure", 1)
	assert.Equal(t, policy.ModeWarn, w.Policy().Spec.Mode)

	writeFile(t, filepath.Dir(path), "policy.yaml", enforcePolicy)
	waitForMode(t, w, policy.ModeEnforce)
}

// TestConfigMapVolumeUpdate updates the file the way the kubelet updates a
// ConfigMap volume: the file is a symlink through the "..data" symlink,
// which is renamed over to point at a new directory, and nothing writes to
// the file's own path.
func TestConfigMapVolumeUpdate(t *testing.T) {
	dir := t.TempDir()
	cm := newConfigMapVolume(t, dir, "policy.yaml", warnPolicy)
	path := filepath.Join(dir, "policy.yaml")
	w, reg := startWatcher(t, path, time.Hour) // events only: the poll never fires

	cm.update(t, enforcePolicy)
	waitForMode(t, w, policy.ModeEnforce)

	cm.update(t, brokenPolicy)
	waitForMetric(t, reg, "ballast_policy_last_reload_success", "", 0)
	assert.Equal(t, policy.ModeEnforce, w.Policy().Spec.Mode)

	cm.update(t, warnPolicy)
	waitForMode(t, w, policy.ModeWarn)
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_policy_last_reload_success", ""))
}

// TestPollsWhenNoEventArrives changes the policy where the watched directory
// sees no event: the file is a symlink into another directory.
func TestPollsWhenNoEventArrives(t *testing.T) {
	target := writeFile(t, t.TempDir(), "real.yaml", warnPolicy)
	path := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.Symlink(target, path))
	w, _ := startWatcher(t, path, 50*time.Millisecond)

	replaceFile(t, target, enforcePolicy)

	waitForMode(t, w, policy.ModeEnforce)
}

func TestExemptionGaugesFollowTheClock(t *testing.T) {
	const withExemption = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  exemptions:
  - name: legacy
    namespaces: [legacy]
    rules: ["*"]
    reason: migrating
    expires: "2030-01-10T00:00:00Z"
`
	path := writeFile(t, t.TempDir(), "policy.yaml", withExemption)
	reg := prometheus.NewRegistry()
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }

	w, err := policyfile.New(path, policyfile.Options{
		Logger: testr.New(t), Metrics: metrics.NewRecorder(reg), Now: clock, PollInterval: 20 * time.Millisecond,
	})
	require.NoError(t, err)
	assert.Equal(t, 1.0, metricValue(t, reg, "ballast_exemptions", "active"))
	runWatcher(t, w)

	now.Store(time.Date(2030, 1, 5, 0, 0, 0, 0, time.UTC).Unix())
	waitForMetric(t, reg, "ballast_exemptions", "expiring_soon", 1)

	now.Store(time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC).Unix())
	waitForMetric(t, reg, "ballast_exemptions", "expired", 1)
	assert.Equal(t, 0.0, metricValue(t, reg, "ballast_exemptions", "active"))
}

// startWatcher creates a Watcher on path with its own metrics registry and
// runs it until the test ends.
func startWatcher(t *testing.T, path string, poll time.Duration) (*policyfile.Watcher, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	w, err := policyfile.New(path, policyfile.Options{
		PollInterval: poll,
		Logger:       testr.New(t),
		Metrics:      metrics.NewRecorder(reg),
	})
	require.NoError(t, err)
	runWatcher(t, w)
	return w, reg
}

// runWatcher runs w until the test ends, and waits for it to return before
// the test's logger goes away.
func runWatcher(t *testing.T, w *policyfile.Watcher) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- w.Start(t.Context()) }()
	t.Cleanup(func() { assert.NoError(t, <-done) })
	// Let Start add its watch before the test changes anything.
	time.Sleep(50 * time.Millisecond)
}

func waitForMode(t *testing.T, w *policyfile.Watcher, mode policy.Mode) {
	t.Helper()
	require.Eventually(t, func() bool { return w.Policy().Spec.Mode == mode },
		waitFor, 10*time.Millisecond, "policy mode never became %s", mode)
}

func waitForMetric(t *testing.T, reg *prometheus.Registry, name, label string, want float64) {
	t.Helper()
	require.Eventually(t, func() bool { return metricValue(t, reg, name, label) == want },
		waitFor, 10*time.Millisecond, "%s{%s} never became %v", name, label, want)
}

// metricValue returns the value of the counter or gauge name in reg; label,
// when not empty, is the value of the metric's only label.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label != "" && !hasLabelValue(m, label) {
				continue
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func hasLabelValue(m *dto.Metric, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetValue() == value {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// replaceFile replaces path's content atomically, as editors and most
// tools do: a new file renamed over the old one.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

// configMapVolume lays out a directory the way the kubelet's atomic writer
// lays out a ConfigMap volume:
//
//	dir/..2026_01_01_00_00_00.000000001/policy.yaml
//	dir/..data -> ..2026_01_01_00_00_00.000000001
//	dir/policy.yaml -> ..data/policy.yaml
type configMapVolume struct {
	dir, key string
	version  int
	current  string
}

func newConfigMapVolume(t *testing.T, dir, key, content string) *configMapVolume {
	t.Helper()
	v := &configMapVolume{dir: dir, key: key}
	v.update(t, content)
	require.NoError(t, os.Symlink(filepath.Join("..data", key), filepath.Join(dir, key)))
	return v
}

// update writes content into a new timestamped directory, swaps the
// "..data" symlink to it with a rename and removes the old directory.
func (v *configMapVolume) update(t *testing.T, content string) {
	t.Helper()
	v.version++
	ts := fmt.Sprintf("..2026_01_01_00_00_00.%09d", v.version)
	require.NoError(t, os.Mkdir(filepath.Join(v.dir, ts), 0o755))
	writeFile(t, filepath.Join(v.dir, ts), v.key, content)
	tmpLink := filepath.Join(v.dir, "..data_tmp")
	require.NoError(t, os.Symlink(ts, tmpLink))
	require.NoError(t, os.Rename(tmpLink, filepath.Join(v.dir, "..data")))
	if v.current != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(v.dir, v.current)))
	}
	v.current = ts
}

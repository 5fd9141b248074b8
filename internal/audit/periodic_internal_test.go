package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

// warnedObjects returns one warned Deployment per name, its UID its name.
func warnedObjects(names ...string) []warnedObject {
	out := make([]warnedObject, 0, len(names))
	for _, n := range names {
		out = append(out, warnedObject{
			ref: &metav1.PartialObjectMetadata{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: metav1.ObjectMeta{Namespace: "blog", Name: n, UID: types.UID(n)},
			},
			findings: []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny, Message: "runs 1 replica", Fix: "set spec.replicas: 2"}},
		})
	}
	return out
}

// recorder records the name of each Event's object.
type recorder struct{ names []string }

func (r *recorder) Eventf(regarding, _ runtime.Object, eventtype, reason, action, note string, args ...any) {
	m, _ := meta.Accessor(regarding)
	r.names = append(r.names, m.GetName())
}

// staticPolicy serves the default policy.
type staticPolicy struct{}

func (staticPolicy) Policy() *policy.Policy { return policy.Default() }

func TestRecordEvents(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	type run struct {
		after   time.Duration // since start
		objects []string
		sent    []string // the objects that get an Event, in order
		held    int
	}
	tests := map[string][]run{
		"at most one Event per object per interval": {
			{after: 0, objects: []string{"a", "b"}, sent: []string{"a", "b"}},
			{after: 10 * time.Minute, objects: []string{"a", "b"}},
			{after: time.Hour, objects: []string{"b", "a"}, sent: []string{"b", "a"}},
		},
		"the cap holds back the rest, who come first next time": {
			{after: 0, objects: []string{"a", "b", "c", "d"}, sent: []string{"a", "b"}, held: 2},
			{after: 10 * time.Minute, objects: []string{"a", "b", "c", "d"}, sent: []string{"c", "d"}},
			{after: 20 * time.Minute, objects: []string{"a", "b", "c", "d", "e"}, sent: []string{"e"}},
			{after: 70 * time.Minute, objects: []string{"e", "d", "c", "b", "a"}, sent: []string{"b", "a"}, held: 2},
		},
		"an object fixed and broken again gets an Event at once": {
			{after: 0, objects: []string{"a"}, sent: []string{"a"}},
			{after: 10 * time.Minute, objects: nil},
			{after: 20 * time.Minute, objects: []string{"a"}, sent: []string{"a"}},
		},
	}
	for name, runs := range tests {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			p, err := NewPeriodic(PeriodicOptions{
				Reader: fake.NewClientBuilder().Build(), Policy: staticPolicy{},
				Events: rec, EventInterval: time.Hour, MaxEventsPerRun: 2,
			})
			require.NoError(t, err)
			for i, r := range runs {
				rec.names = nil
				sent, held := p.recordEvents(warnedObjects(r.objects...), start.Add(r.after))
				assert.Equal(t, r.sent, rec.names, "run %d", i)
				assert.Equal(t, len(r.sent), sent, "run %d: sent", i)
				assert.Equal(t, r.held, held, "run %d: held back", i)
			}
		})
	}
}

func TestEventNote(t *testing.T) {
	note := eventNote([]validators.Finding{
		{Rule: "min-replicas", Action: policy.ActionDeny, Message: "runs 1 replica", Fix: "set spec.replicas: 2"},
		{Rule: "image-tag", Action: policy.ActionWarn, Message: "uses latest", Fix: "pin it"},
	})
	assert.Equal(t, "Admitted in warn mode with 2 Ballast policy violation(s); "+
		"min-replicas (denied in enforce mode): runs 1 replica. Fix: set spec.replicas: 2; "+
		"image-tag: uses latest. Fix: pin it", note)

	long := eventNote([]validators.Finding{{Rule: "spread", Action: policy.ActionWarn, Message: strings.Repeat("é", 600), Fix: "spread"}})
	assert.LessOrEqual(t, len(long), maxNoteLength)
	assert.True(t, strings.HasSuffix(long, "é..."), "cut on a rune boundary: %q", long[len(long)-8:])
}

func TestTruncate(t *testing.T) {
	tests := map[string]struct {
		in   string
		n    int
		want string
	}{
		"short enough": {in: "abc", n: 3, want: "abc"},
		"cut":          {in: "abcdef", n: 5, want: "ab..."},
		"on a rune":    {in: "aééé", n: 5, want: "a..."}, // the cut falls inside the first é, which is 2 bytes
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := truncate(tc.in, tc.n)
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, len(got), tc.n)
		})
	}
}

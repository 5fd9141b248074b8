// Package audittest seeds the control planes of the audit's tests with
// the objects of a manifest file, such as ../testdata/cluster.yaml, which
// both the periodic evaluator's tests and those of `ballast audit` use.
package audittest

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Apply creates, in order, every object of the multi-document YAML file at
// path, and fails the test at the first that cannot be read or created.
func Apply(t testing.TB, c client.Client, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, "reading %s", path)
		if len(obj.Object) == 0 {
			continue // an empty document
		}
		require.NoError(t, c.Create(t.Context(), obj), "creating %s %s/%s from %s",
			obj.GetKind(), obj.GetNamespace(), obj.GetName(), path)
	}
}

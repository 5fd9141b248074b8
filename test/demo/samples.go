package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/policy"
)

// storyAnnotation on a sample object says, in one sentence, what the object
// shows; the report prints it.
const storyAnnotation = "demo.ballast.dev/story"

// samples are the contents of the samples directory.
type samples struct {
	// policyFile is the file that holds the BallastPolicy, and policy is
	// what it loads to.
	policyFile string
	policy     *policy.Policy
	// manifests are the Kubernetes objects, in the order of the files
	// (sorted by name) and of the documents in them.
	manifests []manifest
}

// manifest is one object of the samples and where it came from.
type manifest struct {
	obj  client.Object
	file string
}

// loadSamples reads every .yaml file of dir. Exactly one document must be a
// BallastPolicy, alone in its file, which is loaded as `ballast serve`
// loads it; the others
// must be Kubernetes objects of the built-in API, decoded strictly, so that
// a misspelt field fails here instead of being dropped.
func loadSamples(dir string) (*samples, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .yaml file in %s", dir)
	}
	slices.Sort(files)
	decoder := serializer.NewCodecFactory(clientgoscheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

	s := &samples{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading sample: %w", err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: reading document %d: %w", file, i, err)
			}
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
			}
			switch meta.Kind {
			case "":
				continue // only comments
			case policy.Kind:
				if s.policyFile != "" {
					return nil, fmt.Errorf("%s: a second %s; the first is in %s", file, policy.Kind, s.policyFile)
				}
				// `ballast serve` reads the whole file: it must hold
				// the policy alone.
				if s.policy, err = policy.Load(file); err != nil {
					return nil, err
				}
				s.policyFile = file
				continue
			}
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
			}
			cobj, ok := obj.(client.Object)
			if !ok {
				return nil, fmt.Errorf("%s: document %d: a %s is not an object", file, i, meta.Kind)
			}
			s.manifests = append(s.manifests, manifest{obj: cobj, file: file})
		}
	}
	if s.policyFile == "" {
		return nil, fmt.Errorf("no %s in %s", policy.Kind, dir)
	}
	return s, nil
}

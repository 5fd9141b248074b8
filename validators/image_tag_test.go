package validators

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestParseImage(t *testing.T) {
	const digest = "sha256:4f1d6a2bc0b7c5d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a"
	tests := map[string]struct {
		image     string
		repo, tag string
		pinned    bool
	}{
		"a name alone":                      {image: "nginx", repo: "nginx"},
		"a version tag":                     {image: "nginx:1.27.3", repo: "nginx", tag: "1.27.3", pinned: true},
		"latest":                            {image: "nginx:latest", repo: "nginx", tag: "latest"},
		"a digest":                          {image: "nginx@" + digest, repo: "nginx", pinned: true},
		"a tag and a digest":                {image: "nginx:1.27@" + digest, repo: "nginx", tag: "1.27", pinned: true},
		"latest and a digest":               {image: "nginx:latest@" + digest, repo: "nginx", tag: "latest", pinned: true},
		"a registry port without a tag":     {image: "registry:5000/app", repo: "registry:5000/app"},
		"a registry port and a tag":         {image: "registry:5000/team/app:2.0", repo: "registry:5000/team/app", tag: "2.0", pinned: true},
		"a registry port and latest":        {image: "localhost:5000/app:latest", repo: "localhost:5000/app", tag: "latest"},
		"a registry port and a digest":      {image: "registry:5000/app@" + digest, repo: "registry:5000/app", pinned: true},
		"an empty tag":                      {image: "nginx:", repo: "nginx"},
		"a digest without an algorithm":     {image: "nginx@:abc", repo: "nginx"},
		"a digest without its encoded part": {image: "nginx@sha256:", repo: "nginx"},
		"a digest without a colon":          {image: "nginx:1.2@sha256", repo: "nginx", tag: "1.2", pinned: true},
		"a tag that only looks like latest": {image: "nginx:Latest", repo: "nginx", tag: "Latest", pinned: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			repo, tag, pinned := parseImage(tc.image)
			assert.Equal(t, tc.repo, repo, "repo")
			assert.Equal(t, tc.tag, tag, "tag")
			assert.Equal(t, tc.pinned, pinned, "pinned")
		})
	}
}

func TestImageTag(t *testing.T) {
	image := func(ref string) func(*corev1.Container) { return func(c *corev1.Container) { c.Image = ref } }
	noTag := func(name, list, i, repo string) Finding {
		return Finding{
			Rule:      policy.RuleImageTag,
			Container: name,
			Field:     "spec.template.spec." + list + "[" + i + "].image",
			Message:   `container "` + name + `" image has no tag, so it runs whatever latest is`,
			Fix:       "pin it: image: " + repo + ":<version> or " + repo + "@sha256:<digest>",
		}
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"pinned images pass": {
			target: newTarget(deployment(
				initContainers(container("proxy", sidecar, image("envoyproxy/envoy@sha256:0a1b2c"))),
				containers(container("web"), container("api", image("registry:5000/shop/api:3.1@sha256:0a1b2c"))),
			)),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"an image without a tag fails": {
			target: newTarget(deployment(containers(container("web", image("registry:5000/shop/web"))))),
			want:   []Finding{noTag("web", "containers", "0", "registry:5000/shop/web")},
		},
		"the latest tag fails": {
			target: newTarget(deployment(containers(container("web", image("nginx:latest"))))),
			want: []Finding{{
				Rule:      policy.RuleImageTag,
				Container: "web",
				Field:     "spec.template.spec.containers[0].image",
				Message:   `container "web" image uses the tag latest, which moves`,
				Fix:       "pin it: image: nginx:<version> or nginx@sha256:<digest>",
			}},
		},
		"init containers and native sidecars are judged too": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker, image("flyway/flyway")),
				container("proxy", sidecar, image("envoyproxy/envoy")),
			))),
			want: []Finding{
				noTag("migrate", "initContainers", "0", "flyway/flyway"),
				noTag("proxy", "initContainers", "1", "envoyproxy/envoy"),
			},
		},
		"an empty image is left to API validation": {
			target: newTarget(deployment(containers(container("web", image(""))))),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkImageTag(tc.target))
		})
	}
}

func FuzzParseImage(f *testing.F) {
	for _, seed := range []string{"nginx", "nginx:latest", "registry:5000/app", "app:1.2@sha256:0a1b", "a@", "@:", ":/:"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, image string) {
		repo, tag, pinned := parseImage(image)
		if !strings.HasPrefix(image, repo) {
			t.Fatalf("repo %q is not a prefix of %q", repo, image)
		}
		if tag != "" && !strings.HasPrefix(image[len(repo):], ":"+tag) {
			t.Fatalf("tag %q does not follow repo %q in %q", tag, repo, image)
		}
		if strings.Contains(tag, "/") {
			t.Fatalf("tag %q of %q holds a path", tag, image)
		}
		if pinned && !strings.Contains(image, "@") && (tag == "" || tag == "latest") {
			t.Fatalf("%q is pinned without a digest or a version tag", image)
		}
	})
}

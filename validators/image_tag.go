package validators

import (
	"strings"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
Every image is pinned, so that a restart, a rescheduled pod or a rollback
runs the code that was tested, not whatever the tag points to today.

**Checked Fields:**

spec.template.spec.containers[*].image
spec.template.spec.initContainers[*].image, native sidecars included.

**Allowed Values:**

a reference with a digest: app@sha256:..., app:1.2@sha256:...
a reference with a tag other than latest: app:1.2, registry:5000/app:1.2.
Not allowed: no tag (app, registry:5000/app: the port is not a tag), which
pulls latest, and the tag latest.

**Fix:**

image: app:1.2.3, or app@sha256:<digest> to pin the exact bytes.
*/

func imageTagRule() Rule {
	return Rule{
		ID:            policy.RuleImageTag,
		Summary:       "Every image is pinned to a version tag or a digest, never latest.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkImageTag,
	}
}

func checkImageTag(t *Target) []Finding {
	if t.Template.Spec == nil {
		return nil
	}
	var out []Finding
	for s, c := range everyContainer(t.Template.Spec) {
		repo, tag, pinned := parseImage(c.Image)
		if pinned || c.Image == "" {
			continue
		}
		message := " image has no tag, so it runs whatever latest is"
		if tag == "latest" {
			message = " image uses the tag latest, which moves"
		}
		out = append(out, t.containerFinding(policy.RuleImageTag, s, c, "image", containerLabel(c.Name)+message,
			"pin it: image: "+repo+":<version> or "+repo+"@sha256:<digest>"))
	}
	return out
}

// parseImage splits an image reference into its repository (with the
// registry) and tag, and reports whether it is pinned: it has a digest
// (ALGORITHM:ENCODED after @), or a tag other than latest. A registry port
// (registry:5000/app) is not a tag: the tag is in the last path component.
func parseImage(image string) (repo, tag string, pinned bool) {
	repo = image
	if i := strings.IndexByte(image, '@'); i >= 0 {
		repo = image[:i]
		if algorithm, encoded, ok := strings.Cut(image[i+1:], ":"); ok && algorithm != "" && encoded != "" {
			pinned = true
		}
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, pinned || tag != "" && tag != "latest"
}

package chart_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// chartYAML is what TestChartMetadata reads of Chart.yaml.
type chartYAML struct {
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion"`
	Home        string `json:"home"`
	Icon        string `json:"icon"`
	Maintainers []struct{ Name string }
	Annotations map[string]string `json:"annotations"`
}

// repoFileURL matches the addresses of the repository's own files on its
// main branch, raw or rendered, and captures the file's path.
var repoFileURL = regexp.MustCompile(`^https://(?:raw\.githubusercontent\.com/ballast-dev/ballast/main|github\.com/ballast-dev/ballast/blob/main)/(.+)$`)

// TestChartMetadata checks what Artifact Hub shows of the chart: the icon
// and the documents its links name are files of the repository, it has
// maintainers, the image it lists is the one the chart runs, and each
// change it announces is a line of CHANGELOG.md's section of the chart's
// version (or of Unreleased, before the release).
func TestChartMetadata(t *testing.T) {
	var chart chartYAML
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/Chart.yaml"), &chart))
	var values struct {
		Image struct{ Repository string }
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/values.yaml"), &values))

	repoFile := func(t *testing.T, url string) {
		t.Helper()
		m := repoFileURL.FindStringSubmatch(url)
		require.NotNil(t, m, "%s is not a file of the repository's main branch", url)
		_, err := os.Stat(filepath.Join(repoRoot(t), m[1]))
		assert.NoError(t, err, "%s", url)
	}
	t.Run("icon", func(t *testing.T) { repoFile(t, chart.Icon) })
	t.Run("maintainers", func(t *testing.T) {
		require.NotEmpty(t, chart.Maintainers)
		for _, m := range chart.Maintainers {
			assert.NotEmpty(t, m.Name)
		}
	})
	t.Run("links", func(t *testing.T) {
		var links []struct{ Name, URL string }
		require.NoError(t, yaml.Unmarshal([]byte(chart.Annotations["artifacthub.io/links"]), &links))
		require.NotEmpty(t, links)
		for _, l := range links {
			repoFile(t, l.URL)
		}
	})
	t.Run("images", func(t *testing.T) {
		var images []struct{ Name, Image string }
		require.NoError(t, yaml.Unmarshal([]byte(chart.Annotations["artifacthub.io/images"]), &images))
		require.Len(t, images, 1)
		assert.Equal(t, values.Image.Repository+":"+chart.AppVersion, images[0].Image,
			"the image the chart runs by default: image.repository at the appVersion")
	})
	t.Run("changes", func(t *testing.T) {
		var changes []struct{ Kind, Description string }
		require.NoError(t, yaml.Unmarshal([]byte(chart.Annotations["artifacthub.io/changes"]), &changes))
		require.NotEmpty(t, changes)
		section := changelogSection(t, chart.Version)
		for _, c := range changes {
			assert.Contains(t, []string{"added", "changed", "deprecated", "removed", "fixed", "security"}, c.Kind)
			assert.Contains(t, section, "- "+c.Description, "CHANGELOG.md has no such line under its %s", chart.Version)
		}
	})
}

// changelogSection returns the section of CHANGELOG.md for version, else
// the Unreleased one, with its lines joined as Markdown reads them (white
// space collapsed).
func changelogSection(t *testing.T, version string) string {
	t.Helper()
	text := string(readRepoFile(t, "CHANGELOG.md"))
	sections := strings.Split(text, "\n## ")
	i := slices.IndexFunc(sections, func(s string) bool { return strings.HasPrefix(s, "["+version+"]") })
	if i < 0 {
		i = slices.IndexFunc(sections, func(s string) bool { return strings.HasPrefix(s, "[Unreleased]") })
	}
	require.GreaterOrEqual(t, i, 0, "CHANGELOG.md has neither a section [%s] nor [Unreleased]", version)
	return strings.Join(strings.Fields(sections[i]), " ")
}

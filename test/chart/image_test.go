package chart_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/release/gobuild"
	"github.com/ballast-dev/ballast/internal/release/image"
	"github.com/ballast-dev/ballast/internal/version"
)

// dockerfile is the Dockerfile at the root of the repository, parsed into
// its stages. Continuation lines are joined and comments dropped, as
// Docker reads them; nothing else of Docker's syntax is interpreted.
type dockerfile struct {
	// args are the global ARGs (before the first FROM) and their defaults.
	args   map[string]string
	stages []dockerStage
}

// dockerStage is one FROM and the instructions after it.
type dockerStage struct {
	// from is the image, as written ("golang:${GO_VERSION}").
	from string
	// name is the stage's name (FROM ... AS name).
	name string
	// instructions are its instructions, as "RUN go build ...".
	instructions []string
}

// find returns the stage's instructions that start with the keyword kw.
func (s dockerStage) find(kw string) []string {
	var out []string
	for _, in := range s.instructions {
		if k, rest, _ := strings.Cut(in, " "); strings.EqualFold(k, kw) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, "Dockerfile")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, strings.Join(strings.Fields(cur.String()), " "))
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	require.Zero(t, cur.Len(), "the Dockerfile ends in a continuation line")

	df := dockerfile{args: map[string]string{}}
	for _, line := range lines {
		kw, rest, _ := strings.Cut(line, " ")
		switch {
		case strings.EqualFold(kw, "FROM"):
			fields := strings.Fields(rest)
			var st dockerStage
			for i := 0; i < len(fields); i++ {
				switch {
				case strings.HasPrefix(fields[i], "--"):
				case strings.EqualFold(fields[i], "AS") && i+1 < len(fields):
					st.name = fields[i+1]
					i++
				default:
					st.from = fields[i]
				}
			}
			df.stages = append(df.stages, st)
		case len(df.stages) == 0 && strings.EqualFold(kw, "ARG"):
			name, def, _ := strings.Cut(rest, "=")
			df.args[name] = def
		case len(df.stages) > 0:
			st := &df.stages[len(df.stages)-1]
			st.instructions = append(st.instructions, line)
		}
	}
	return df
}

// buildFlags is what the Dockerfile's build stage passes to go build.
type buildFlags struct {
	// run is the RUN instruction that runs go build.
	run string
	// rawLDFlags is its -ldflags argument, with ${ARG} references.
	rawLDFlags string
}

// ldflags returns the -ldflags argument with each ${ARG} replaced by
// values[ARG].
func (b buildFlags) ldflags(values map[string]string) string {
	return argRef.ReplaceAllStringFunc(b.rawLDFlags, func(ref string) string {
		return values[argRef.FindStringSubmatch(ref)[1]]
	})
}

var (
	// argRef matches a reference to a build argument: ${NAME} or $NAME.
	argRef = regexp.MustCompile(`\$\{?([A-Z_][A-Z0-9_]*)\}?`)
	// ldflagsArg matches the quoted -ldflags argument of a go build.
	ldflagsArg = regexp.MustCompile(`-ldflags\s+"([^"]*)"`)
	// stampFlag matches a -X flag of -ldflags: package, variable, value.
	stampFlag = regexp.MustCompile(`-X\s+(\S+)\.(\w+)=(\S+)`)
)

// dockerfileBuild returns the go build of the Dockerfile's build stage.
func dockerfileBuild(t *testing.T) buildFlags {
	t.Helper()
	for _, st := range parseDockerfile(t).stages {
		for _, run := range st.find("RUN") {
			if !strings.Contains(run, "go build") {
				continue
			}
			m := ldflagsArg.FindStringSubmatch(run)
			require.NotNil(t, m, "the go build of the Dockerfile has no quoted -ldflags: %s", run)
			return buildFlags{run: run, rawLDFlags: m[1]}
		}
	}
	require.Fail(t, "the Dockerfile runs no go build")
	return buildFlags{}
}

// TestDockerfile checks the image's build: a Go stage that builds a static
// binary without build paths and with the version stamped in, then a
// distroless, non-root stage that holds only the binary and runs it as the
// user the chart's securityContext names.
func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t)
	require.Len(t, df.stages, 2, "a build stage and the image")
	build, final := df.stages[0], df.stages[1]

	t.Run("build stage", func(t *testing.T) {
		assert.Equal(t, "build", build.name)
		image, tag, _ := strings.Cut(build.from, ":")
		assert.Equal(t, "golang", image)
		assert.Equal(t, "${GO_VERSION}", tag)
		goVersion := df.args["GO_VERSION"]
		modGo := goDirective(t)
		assert.True(t, sameMinor(goVersion, modGo), "GO_VERSION %s builds the module's go %s", goVersion, modGo)

		b := dockerfileBuild(t)
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/ballast"} {
			assert.Contains(t, b.run, want)
		}
		stamped := map[string]string{}
		for _, m := range stampFlag.FindAllStringSubmatch(b.rawLDFlags, -1) {
			assert.Equal(t, "github.com/ballast-dev/ballast/internal/version", m[1])
			stamped[m[2]] = m[3]
		}
		assert.Equal(t, map[string]string{"version": "${VERSION}", "commit": "${COMMIT}", "date": "${DATE}"}, stamped,
			"-X flags for every variable internal/version reads (TestImageVersionStamp checks that they take)")
		declared := map[string]bool{}
		for _, arg := range build.find("ARG") {
			for _, f := range strings.Fields(arg) {
				name, _, _ := strings.Cut(f, "=")
				declared[name] = true
			}
		}
		for arg := range stamp {
			assert.True(t, declared[arg], "the build stage declares the build argument %s", arg)
		}
	})

	t.Run("image", func(t *testing.T) {
		image, tag, _ := strings.Cut(final.from, ":")
		assert.True(t, strings.HasPrefix(image, "gcr.io/distroless/static"), "a distroless base without libc: %s", final.from)
		assert.Equal(t, "nonroot", tag)

		copies := final.find("COPY")
		require.Len(t, copies, 1, "the image holds the binary and nothing else")
		fields := strings.Fields(copies[0])
		require.Len(t, fields, 3)
		assert.Equal(t, "--from=build", fields[0])
		binary := fields[2]

		assert.Equal(t, []string{`["` + binary + `"]`}, final.find("ENTRYPOINT"), "the binary, in exec form")
		users := final.find("USER")
		require.Len(t, users, 1)
		var d appsv1.Deployment
		renderChart(t).object(t, "Deployment", releaseName, &d)
		sc := d.Spec.Template.Spec.SecurityContext
		require.NotNil(t, sc.RunAsUser)
		require.NotNil(t, sc.RunAsGroup)
		assert.Equal(t, users[0], strconv.FormatInt(*sc.RunAsUser, 10)+":"+strconv.FormatInt(*sc.RunAsGroup, 10),
			"the image's user is the one the chart runs it as")
		ctr := d.Spec.Template.Spec.Containers[0]
		assert.Empty(t, ctr.Command, "the chart keeps the image's ENTRYPOINT")
		assert.Equal(t, "serve", ctr.Args[0])
	})
}

// TestImageVersionStamp builds the binary with the Dockerfile's -ldflags
// and checks that `ballast version` prints what they stamp: a -X flag that
// names no variable is silently ignored by the linker.
func TestImageVersionStamp(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), ballastBinary(t), "version", "-o", "json").Output()
	require.NoError(t, err)
	var info version.Info
	require.NoError(t, json.Unmarshal(out, &info))
	assert.Equal(t, stamp["VERSION"], info.Version)
	assert.Equal(t, stamp["COMMIT"], info.Commit)
	assert.Equal(t, stamp["DATE"], info.Date)
}

// TestImageReference checks that the chart's default image is what a
// release publishes: the repository make docker-buildx pushes to, the one
// the image's source label links to GitHub, tagged with the appVersion,
// which is v followed by the chart's version.
func TestImageReference(t *testing.T) {
	var chart struct {
		Version    string `json:"version"`
		AppVersion string `json:"appVersion"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/Chart.yaml"), &chart))
	assert.Equal(t, "v"+chart.Version, chart.AppVersion, "a release vX.Y.Z publishes chart X.Y.Z and image tag vX.Y.Z")

	var values struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
		} `json:"image"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/values.yaml"), &values))
	assert.Empty(t, values.Image.Tag, "the tag defaults to the appVersion")

	mk := regexp.MustCompile(`(?m)^IMAGE_REPOSITORY\s*\?=\s*(\S+)$`).FindSubmatch(readRepoFile(t, "make/chart.mk"))
	require.NotNil(t, mk, "make/chart.mk sets IMAGE_REPOSITORY")
	assert.Equal(t, string(mk[1]), values.Image.Repository, "the chart pulls what make docker-buildx pushes")

	source := regexp.MustCompile(`org\.opencontainers\.image\.source="https://github\.com/([^"]+)"`).FindSubmatch(readRepoFile(t, "Dockerfile"))
	require.NotNil(t, source, "the image's source label")
	assert.Equal(t, "ghcr.io/"+string(source[1]), values.Image.Repository,
		"GitHub's registry links the image to the repository its source label names")

	var d appsv1.Deployment
	renderChart(t).object(t, "Deployment", releaseName, &d)
	assert.Equal(t, values.Image.Repository+":"+chart.AppVersion, d.Spec.Template.Spec.Containers[0].Image)

	var digest appsv1.Deployment
	pin := "sha256:" + strings.Repeat("ab", 32)
	renderChart(t, "--set", "image.digest="+pin).object(t, "Deployment", releaseName, &digest)
	assert.Equal(t, values.Image.Repository+"@"+pin, digest.Spec.Template.Spec.Containers[0].Image)
}

// TestDockerignore checks that the build context lets through every file
// go build reads for the binary, and keeps out the rest.
func TestDockerignore(t *testing.T) {
	var patterns []string
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, ".dockerignore")))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	require.NoError(t, sc.Err())

	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{range .GoFiles}}{{$.ImportPath}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$.ImportPath}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./cmd/ballast")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	require.NoError(t, err)
	files := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(out)) {
		files = append(files, strings.TrimPrefix(f, "github.com/ballast-dev/ballast/"))
	}
	require.Greater(t, len(files), 10)
	for _, f := range files {
		assert.False(t, dockerignored(patterns, f), "the build reads %s, which .dockerignore leaves out", f)
	}
	for _, f := range []string{"bin/helm", ".git/HEAD", "charts/ballast/values.yaml", "docs/install.md",
		"internal/engine/engine_test.go", "validators/testdata/readiness-probe/fail.yaml", "Dockerfile"} {
		assert.True(t, dockerignored(patterns, f), "%s is left out of the build context", f)
	}
}

// dockerignored reports whether .dockerignore's patterns leave out file:
// the last pattern that matches the file or a directory above it decides.
func dockerignored(patterns []string, file string) bool {
	ignored := false
	parts := strings.Split(file, "/")
	for _, p := range patterns {
		negated := strings.HasPrefix(p, "!")
		p = strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")
		for i := 1; i <= len(parts); i++ {
			if globMatch(p, parts[:i]) {
				ignored = !negated
				break
			}
		}
	}
	return ignored
}

// globMatch matches a .dockerignore pattern against a path given as its
// parts; a leading **/ matches any number of directories.
func globMatch(pattern string, parts []string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		for i := range parts {
			if globMatch(rest, parts[i:]) {
				return true
			}
		}
		return false
	}
	ok, err := path.Match(pattern, strings.Join(parts, "/"))
	return err == nil && ok
}

// goDirective returns the go directive of go.mod ("1.26.0").
func goDirective(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go\s+(\S+)$`).FindSubmatch(readRepoFile(t, "go.mod"))
	require.NotNil(t, m)
	return string(m[1])
}

// sameMinor reports whether the Go versions a and b ("1.26.8", "1.26.0")
// share their major and minor version, and a is not older than b.
func sameMinor(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	if len(as) != 3 || len(bs) != 3 || as[0] != bs[0] || as[1] != bs[1] {
		return false
	}
	ap, err1 := strconv.Atoi(as[2])
	bp, err2 := strconv.Atoi(bs[2])
	return err1 == nil && err2 == nil && ap >= bp
}

// TestDockerfileBuildsWhatMakeImageBuilds checks that the Dockerfile
// builds the binary `make image` builds (package gobuild): the same linker
// flags and stamped variables; and runs it the same way: the same user
// and entry point.
func TestDockerfileBuildsWhatMakeImageBuilds(t *testing.T) {
	split := func(ldflags string) (flags, stamped []string) {
		fields := strings.Fields(ldflags)
		for i := 0; i < len(fields); i++ {
			if fields[i] == "-X" && i+1 < len(fields) {
				name, _, _ := strings.Cut(fields[i+1], "=")
				stamped = append(stamped, name)
				i++
				continue
			}
			flags = append(flags, fields[i])
		}
		return flags, stamped
	}
	dfFlags, dfStamped := split(dockerfileBuild(t).rawLDFlags)
	mkFlags, mkStamped := split(gobuild.LDFlags(gobuild.Stamp{}))
	assert.Equal(t, mkFlags, dfFlags, "the linker flags")
	assert.Equal(t, mkStamped, dfStamped, "the variables stamped")

	stages := parseDockerfile(t).stages
	final := stages[len(stages)-1]
	assert.Equal(t, []string{image.User}, final.find("USER"))
	assert.Equal(t, []string{`["` + image.Entrypoint + `"]`}, final.find("ENTRYPOINT"))
}

// TestWorkflowsBuildWithTheDockerfilesGo checks that the GitHub Actions
// workflows set up the Go version the Dockerfile builds with: a release is
// reproducible only with the toolchain it was built with.
func TestWorkflowsBuildWithTheDockerfilesGo(t *testing.T) {
	goVersion := parseDockerfile(t).args["GO_VERSION"]
	require.NotEmpty(t, goVersion)
	for _, wf := range []string{".github/workflows/ci.yml", ".github/workflows/release.yml"} {
		var w struct {
			Jobs map[string]struct {
				Steps []struct {
					Uses string            `json:"uses"`
					With map[string]string `json:"with"`
				} `json:"steps"`
			} `json:"jobs"`
		}
		require.NoError(t, yaml.Unmarshal(readRepoFile(t, wf), &w), wf)
		setups := 0
		for name, job := range w.Jobs {
			for _, s := range job.Steps {
				if strings.HasPrefix(s.Uses, "actions/setup-go@") {
					setups++
					assert.Equal(t, goVersion, s.With["go-version"], "%s: job %s", wf, name)
				}
			}
		}
		assert.Positive(t, setups, "%s sets up Go", wf)
	}
}

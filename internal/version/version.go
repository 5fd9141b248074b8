// Package version tells which build of Ballast is running. The release
// build sets the variables below with the linker:
//
//	go build -ldflags "-X github.com/ballast-dev/ballast/internal/version.version=v1.2.3
//	  -X github.com/ballast-dev/ballast/internal/version.commit=$(git rev-parse HEAD)
//	  -X github.com/ballast-dev/ballast/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
//
// Without them, Get falls back to what the Go toolchain recorded in the
// binary (the module version of `go install`, the VCS revision and time of
// a build in a Git work tree), and else to "dev".
package version

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X at build time.
var (
	version = "dev"
	commit  = "dev"
	date    = "dev"
)

// Info describes a build.
type Info struct {
	// Version is the release, e.g. v1.2.3.
	Version string `json:"version"`
	// Commit is the Git commit it was built from.
	Commit string `json:"commit"`
	// Date is when it was built, in RFC 3339.
	Date string `json:"date"`
	// GoVersion is the Go toolchain that built it.
	GoVersion string `json:"goVersion"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// Get returns the running build's Info.
func Get() Info {
	info := Info{
		Version:   version,
		Commit:    commit,
		Date:      date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fromBuildInfo(&info, bi)
	}
	return info
}

// fromBuildInfo fills the fields the linker left at "dev" from what the
// toolchain recorded.
func fromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && info.Commit == "dev":
			info.Commit = s.Value
		case s.Key == "vcs.time" && info.Date == "dev":
			info.Date = s.Value
		}
	}
}

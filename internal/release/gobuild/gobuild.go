// Package gobuild builds the ballast binary for a release, reproducibly:
// static (no cgo), without build paths, VCS stamps or a build ID, with the
// version, commit and date stamped into internal/version. The same source,
// toolchain and Options give the same bytes on any machine.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// VersionPackage is the package whose variables -ldflags -X stamps.
const VersionPackage = "github.com/ballast-dev/ballast/internal/version"

// Stamp is what a build stamps into internal/version.
type Stamp struct {
	// Version is the release, such as v0.1.0.
	Version string
	// Commit is the Git commit.
	Commit string
	// Date is the build's time: the commit's, or SOURCE_DATE_EPOCH.
	Date time.Time
}

// LDFlags returns the linker flags of a release build: no symbol table or
// DWARF, no build ID, and the stamp in internal/version's variables.
func LDFlags(s Stamp) string {
	return strings.Join([]string{
		"-s", "-w", "-buildid=",
		"-X", VersionPackage + ".version=" + s.Version,
		"-X", VersionPackage + ".commit=" + s.Commit,
		"-X", VersionPackage + ".date=" + s.Date.UTC().Format(time.RFC3339),
	}, " ")
}

// Options say what to build.
type Options struct {
	// Go is the go command. Empty means "go".
	Go string
	// Dir is the module's root. Required.
	Dir string
	// Package is the main package, such as ./cmd/ballast. Required.
	Package string
	// OS and Arch are GOOS and GOARCH. Required.
	OS, Arch string
	// Stamp is stamped into the binary.
	Stamp Stamp
	// Out is the binary to write. Required.
	Out string
}

// Build runs go build for opts.
func Build(ctx context.Context, opts Options) error {
	if opts.Dir == "" || opts.Package == "" || opts.OS == "" || opts.Arch == "" || opts.Out == "" {
		return errors.New("a build needs a module directory, a package, an OS, an architecture and an output file")
	}
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", LDFlags(opts.Stamp), "-o", opts.Out, opts.Package}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = opts.Dir
	// GOFLAGS is cleared so that nothing of the caller's environment
	// changes the binary; the flags above say everything.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+opts.OS, "GOARCH="+opts.Arch, "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("GOOS=%s GOARCH=%s %s %s: %w: %s", opts.OS, opts.Arch, goCmd, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Command release builds what a Ballast release publishes, into dist/,
// without publishing it, and pushes the image it built. The Makefile runs
// it (make image, make release-dry-run); the release workflow too.
//
//	release image -version v0.1.0 -commit $(git rev-parse HEAD) -source-date-epoch $(git log -1 --format=%ct) -out dist
//	release dist  ... (the same flags)
//	release push  -out dist -version v0.1.0 -tag ghcr.io/ballast-dev/ballast:v0.1.0
//
// image builds the linux binaries and the image (an OCI layout in
// dist/image, its digest in dist/image.digest); dist builds every binary,
// archive, SBOM and the krew manifest besides, and checksums.txt; push
// pushes dist/image to a registry with each platform's SBOM attached and
// prints the image's reference by digest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ballast-dev/ballast/internal/release"
	"github.com/ballast-dev/ballast/internal/release/image"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: release image|dist|push [flags]")
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	var (
		o         release.Options
		commit    = fs.String("commit", "", "the Git commit stamped into the binaries")
		epoch     = fs.String("source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "the build time, in seconds since 1970 (SOURCE_DATE_EPOCH)")
		platforms = fs.String("platforms", "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64", "the binaries' platforms")
		imagePlat = fs.String("image-platforms", "linux/amd64,linux/arm64", "the image's platforms")
		tag       = fs.String("tag", "", "push: the image's tag, such as ghcr.io/ballast-dev/ballast:v0.1.0")
		insecure  = fs.Bool("plain-http", false, "push: talk to the registry over plain HTTP")
	)
	fs.StringVar(&o.Stamp.Version, "version", "", "the version stamped into the binaries and the image, such as v0.1.0")
	fs.StringVar(&o.Out, "out", "dist", "the output directory")
	fs.StringVar(&o.Go, "go", "go", "the go command that builds the binaries")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if o.Stamp.Version == "" {
		return errors.New("-version is required")
	}
	if cmd == "push" {
		return push(ctx, o, *tag, *insecure)
	}
	if *commit == "" || *epoch == "" {
		return errors.New("-commit and -source-date-epoch are required")
	}
	secs, err := strconv.ParseInt(*epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("-source-date-epoch %q: %w", *epoch, err)
	}
	o.Stamp.Commit, o.Stamp.Date = *commit, time.Unix(secs, 0).UTC()
	if o.Dir, err = os.Getwd(); err != nil {
		return err
	}
	o.Platforms, o.ImagePlatforms = split(*platforms), split(*imagePlat)
	start := time.Now()
	switch cmd {
	case "image":
		if err := release.Binaries(ctx, o, o.ImagePlatforms); err != nil {
			return err
		}
		if _, err := release.Image(o); err != nil {
			return err
		}
	case "dist":
		if err := release.Dist(ctx, o); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown command %q: want image, dist or push", cmd)
	}
	digest, err := os.ReadFile(filepath.Join(o.Out, release.ImageDigestFile))
	if err != nil {
		return err
	}
	fmt.Printf("built %s in %s: image %s (%s), layout %s\n", o.Stamp.Version, time.Since(start).Round(time.Second),
		strings.TrimSpace(string(digest)), strings.Join(o.ImagePlatforms, ", "), filepath.Join(o.Out, release.ImageDir))
	return nil
}

// push pushes the layout in o.Out to tag, with the credentials of the
// Docker config (docker login, or the workflow's login action).
func push(ctx context.Context, o release.Options, tag string, plainHTTP bool) error {
	var nameOpts []name.Option
	if plainHTTP {
		nameOpts = append(nameOpts, name.Insecure)
	}
	t, err := name.NewTag(tag, nameOpts...)
	if err != nil {
		return fmt.Errorf("-tag %q: %w", tag, err)
	}
	img, err := image.ReadLayout(filepath.Join(o.Out, release.ImageDir), o.Stamp.Version)
	if err != nil {
		return err
	}
	ref, err := img.Push(ctx, t, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	fmt.Println(ref)
	return nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

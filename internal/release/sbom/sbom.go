// Package sbom writes a software bill of materials for a Go binary, in SPDX
// 2.3 JSON, from the build information the Go toolchain embeds in every
// binary (what `go version -m` prints): the main module, every module
// linked in and the Go standard library, each with its package URL.
//
// It reads nothing but the binary, so the document is the same wherever
// and whenever it is made from the same binary and the same Options.
package sbom

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// MediaType is the media type of the documents SPDX writes.
const MediaType = "application/spdx+json"

// Options describe the document to write.
type Options struct {
	// Name is the document's name, such as "ballast-v0.1.0-linux-amd64".
	// Required.
	Name string
	// Namespace is the URI prefix of the document's namespace; the SHA-256
	// of the binary is appended, so that each binary's document has a
	// namespace of its own. Required.
	Namespace string
	// Version is the version of the main module, when the build info does
	// not carry one (a build from a work tree records "(devel)").
	Version string
	// Created is the document's creation time: the build's time (the
	// commit's, or SOURCE_DATE_EPOCH), so that a rebuild writes the same
	// document. Required.
	Created time.Time
	// Creator names the tool that writes the document, as SPDX's
	// "Tool: name-version".
	Creator string
}

// document is an SPDX 2.3 document, with the fields this package writes.
type document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	Packages          []pkg          `json:"packages"`
	Relationships     []relationship `json:"relationships"`
}

type creationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type pkg struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	Checksums        []checksum    `json:"checksums,omitempty"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
}

type checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// File writes the document of the Go binary at path.
func File(path string, opts Options) ([]byte, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the build info of %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return Generate(bi, hex.EncodeToString(sum[:]), opts)
}

// Generate writes the document of the binary whose build info is bi and
// whose SHA-256 is sha256Hex.
func Generate(bi *debug.BuildInfo, sha256Hex string, opts Options) ([]byte, error) {
	if opts.Name == "" || opts.Namespace == "" || opts.Created.IsZero() {
		return nil, errors.New("an SBOM needs a name, a namespace and a creation time")
	}
	if bi.Main.Path == "" {
		return nil, errors.New("the build info names no main module")
	}
	creators := []string{"Tool: " + opts.Creator}
	if opts.Creator == "" {
		creators = []string{"Tool: github.com/ballast-dev/ballast/internal/release/sbom"}
	}
	version := bi.Main.Version
	if version == "" || version == "(devel)" {
		version = opts.Version
	}
	const mainID = "SPDXRef-Package-main"
	doc := document{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              opts.Name,
		DocumentNamespace: strings.TrimSuffix(opts.Namespace, "/") + "/" + sha256Hex,
		CreationInfo: creationInfo{
			Created:  opts.Created.UTC().Format(time.RFC3339),
			Creators: creators,
		},
		Packages: []pkg{{
			Name:             bi.Main.Path,
			SPDXID:           mainID,
			VersionInfo:      version,
			DownloadLocation: downloadLocation(bi.Main.Path),
			Checksums:        []checksum{{Algorithm: "SHA256", Value: sha256Hex}},
			PrimaryPurpose:   "APPLICATION",
			ExternalRefs:     purlRef(bi.Main.Path, version),
		}},
		Relationships: []relationship{{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: mainID}},
	}
	// Scanners know the standard library as pkg:golang/stdlib@1.26.8.
	goVersion := strings.TrimPrefix(bi.GoVersion, "go")
	doc.addDependency(mainID, "SPDXRef-Package-stdlib", pkg{
		Name:             "stdlib",
		VersionInfo:      bi.GoVersion,
		DownloadLocation: "https://go.dev/dl/",
		ExternalRefs:     purlRef("stdlib", goVersion),
	})
	for i, dep := range bi.Deps {
		if dep.Replace != nil {
			dep = dep.Replace
		}
		doc.addDependency(mainID, fmt.Sprintf("SPDXRef-Package-%d", i+1), pkg{
			Name:             dep.Path,
			VersionInfo:      dep.Version,
			DownloadLocation: downloadLocation(dep.Path),
			ExternalRefs:     purlRef(dep.Path, dep.Version),
		})
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the SBOM: %w", err)
	}
	return append(out, '\n'), nil
}

// addDependency adds p, as id, and says that from depends on it.
func (d *document) addDependency(from, id string, p pkg) {
	p.SPDXID = id
	d.Packages = append(d.Packages, p)
	d.Relationships = append(d.Relationships, relationship{Element: from, Type: "DEPENDS_ON", Related: id})
}

// downloadLocation is where the Go module proxy serves the module path.
func downloadLocation(path string) string {
	return "https://proxy.golang.org/" + path
}

// purlRef is the package URL of a Go module (pkg:golang/path@version),
// the identifier vulnerability scanners match.
func purlRef(path, version string) []externalRef {
	purl := "pkg:golang/" + path
	if version != "" {
		purl += "@" + version
	}
	return []externalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl}}
}

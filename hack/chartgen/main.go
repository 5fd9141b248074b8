// Command chartgen writes the generated files of the Helm chart: the policy
// part of charts/ballast/values.schema.json, from the BallastPolicy Go types
// (internal/chartschema), and charts/ballast/README.md, from the comments of
// values.yaml (internal/chartreadme). `make generate` runs it from the
// repository's root; the chart tests fail when either file is not current.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ballast-dev/ballast/internal/chartreadme"
	"github.com/ballast-dev/ballast/internal/chartschema"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "chartgen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	chart := filepath.Join(root, "charts", "ballast")

	schemaPath := filepath.Join(chart, "values.schema.json")
	current, err := os.ReadFile(schemaPath)
	if err != nil {
		return fmt.Errorf("reading the values schema: %w", err)
	}
	policy, err := chartschema.Policy(root)
	if err != nil {
		return err
	}
	schema, err := chartschema.Splice(current, policy)
	if err != nil {
		return err
	}
	if err := write(schemaPath, schema); err != nil {
		return err
	}

	readme, err := chartreadme.Render(chart)
	if err != nil {
		return err
	}
	return write(filepath.Join(chart, "README.md"), readme)
}

// write replaces the file at path with data, through a temporary file, so
// that an interrupted run leaves the old file.
func write(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil { //nolint:gosec // a file of the repository, world-readable like the others
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Println("wrote", path)
	return nil
}

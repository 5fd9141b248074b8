package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes a whole report of `ballast check` or `ballast audit` as
// JSON indented by two spaces, the form docs/check.md and docs/audit.md
// document, so that both commands encode alike.
func WriteJSON(w io.Writer, report any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

package ci

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ballast-dev/ballast/internal/manifest"
)

// WriteGitHub writes r as GitHub Actions workflow commands, which the
// runner turns into annotations on the files of the pull request: for each
// finding, `::error` when it denies its object and `::warning` otherwise,
// at the object's first Location, titled with the rule and the object; for
// each input error, `::error` at its file and line; for each note,
// `::notice`. Other lines of the
// output stay plain log lines.
func WriteGitHub(w io.Writer, r *Report) error {
	var b strings.Builder
	for i := range r.Objects {
		o := &r.Objects[i]
		if !evaluated(o) {
			continue
		}
		var at manifest.Source
		if locs := Locations(o, r.ChartDir); len(locs) > 0 {
			at = locs[0]
		}
		for j := range o.Findings {
			f := &o.Findings[j]
			command := "warning"
			if Denies(o, f) {
				command = "error"
			}
			WriteCommand(&b, command, at, f.Rule+" ("+Title(o)+")",
				Title(o)+" ("+o.Source+"): "+f.Detail())
		}
	}
	for _, e := range r.Errors {
		WriteCommand(&b, "error", e.Source, "input error", e.Source.String()+": "+e.Message)
	}
	for _, e := range r.Notes {
		WriteCommand(&b, "notice", e.Source, "skipped", e.Source.String()+": "+e.Message)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write GitHub annotations: %w", err)
	}
	return nil
}

// WriteCommand writes one workflow command, `::command
// file=F,line=L,title=T::message`, escaped so that no value can end the
// command or start another. command is error, warning or notice; the file
// and line are left out when at has none.
func WriteCommand(b *strings.Builder, command string, at manifest.Source, title, message string) {
	var props []string
	if at.File != "" {
		props = append(props, "file="+escapeProperty(at.File))
		if at.Line > 0 {
			props = append(props, "line="+strconv.Itoa(at.Line))
		}
	}
	props = append(props, "title="+escapeProperty(title))
	fmt.Fprintf(b, "::%s %s::%s\n", command, strings.Join(props, ","), escapeData(message))
}

// escapeData escapes a command's message as the runner unescapes it, so
// that a newline or a % in a message cannot end the command or start
// another.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a command's property value: as data, and the
// separators of properties too.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

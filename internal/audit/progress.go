package audit

import (
	"fmt"
	"io"
	"time"
)

// progressInterval is the shortest time between two progress updates.
const progressInterval = 100 * time.Millisecond

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progress shows one line on a terminal, rewritten as the audit proceeds.
// The zero progress, without a writer, shows nothing.
type progress struct {
	w     io.Writer
	last  time.Time
	shown bool
}

// show replaces the line, at most every progressInterval. Progress is a
// courtesy: a failed write is not an error of the audit.
func (p *progress) showf(format string, args ...any) {
	if p.w == nil || time.Since(p.last) < progressInterval {
		return
	}
	p.last = time.Now()
	_, _ = fmt.Fprintf(p.w, clearLine+format, args...)
	p.shown = true
}

// clear erases the line, if any, so that what follows starts clean.
func (p *progress) clear() {
	if p.shown {
		_, _ = io.WriteString(p.w, clearLine)
		p.shown = false
	}
}

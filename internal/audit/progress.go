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
	start time.Time
	last  time.Time
	shown bool
}

// listed shows how far the lists have come: see listingLine.
func (p *progress) listed(resource string, kind, kinds, done, total, objects int) {
	if p.w == nil {
		return
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.showf("%s", listingLine(resource, kind, kinds, done, total, objects, time.Since(p.start)))
}

// listingLine says what is being listed, resource, the kind-th of kinds
// (from 0); how many namespaces of total are done with it (the lists of
// every namespace and of one namespace alike go through the namespaces in
// alphabetical order); how many of its objects were listed; and, once the
// audit has run for a second, an estimate of the time left from the time
// elapsed, assuming every kind and namespace costs alike.
func listingLine(resource string, kind, kinds, done, total, objects int, elapsed time.Duration) string {
	line := fmt.Sprintf("listing %s (kind %d of %d): %d of %d namespaces, %d objects", resource, kind+1, kinds, done, total, objects)
	if kinds == 0 || total == 0 || elapsed < time.Second {
		return line
	}
	f := (float64(kind) + float64(done)/float64(total)) / float64(kinds)
	if f <= 0 {
		return line
	}
	left := time.Duration(float64(elapsed) * (1 - f) / f)
	return line + ", about " + roughly(left) + " left"
}

// roughly rounds d for people: to the second under a minute, else to ten
// seconds.
func roughly(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(10 * time.Second).String()
}

// showf replaces the line, at most every progressInterval. Progress is a
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

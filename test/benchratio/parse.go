package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// result is one benchmark's line of `go test -bench -benchmem` output.
type result struct {
	nsPerOp     float64
	bytesPerOp  int64
	allocsPerOp int64
}

// parseResult finds the line of the benchmark name (as `go test` prints it:
// "BenchmarkBareFloor/pod", with or without its -GOMAXPROCS suffix) in
// out, and returns its ns/op, B/op and allocs/op. The line must have all
// three: the benchmarks run with -benchmem.
func parseResult(out []byte, name string) (result, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !isName(fields[0], name) {
			continue
		}
		return parseFields(name, fields[2:])
	}
	return result{}, fmt.Errorf("no result for %s in the output:\n%s", name, out)
}

// isName reports whether field, the first of a result line, names the
// benchmark name: name itself, or name-N where N is GOMAXPROCS.
func isName(field, name string) bool {
	rest, ok := strings.CutPrefix(field, name)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	n, ok := strings.CutPrefix(rest, "-")
	if !ok {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// parseFields reads the value-unit pairs after the iteration count.
func parseFields(name string, fields []string) (result, error) {
	var (
		r     result
		found int
	)
	for i := 0; i+1 < len(fields); i += 2 {
		value, unit := fields[i], fields[i+1]
		var err error
		switch unit {
		case "ns/op":
			r.nsPerOp, err = strconv.ParseFloat(value, 64)
		case "B/op":
			r.bytesPerOp, err = strconv.ParseInt(value, 10, 64)
		case "allocs/op":
			r.allocsPerOp, err = strconv.ParseInt(value, 10, 64)
		default:
			continue // MB/s and custom metrics
		}
		if err != nil {
			return result{}, fmt.Errorf("%s: parsing %s %s: %w", name, value, unit, err)
		}
		found++
	}
	if found != 3 {
		return result{}, fmt.Errorf("%s: want ns/op, B/op and allocs/op, got %q", name, strings.Join(fields, " "))
	}
	return r, nil
}

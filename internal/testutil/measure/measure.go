// Package measure holds what the measuring programs under test/ share:
// quantiles of a sample and the machine's load average, which they print
// beside every figure because the machine is shared.
package measure

import (
	"cmp"
	"math"
	"os"
	"slices"
	"strings"
)

// Percentile returns the p-quantile (0 < p <= 1) of sorted, which must be
// in ascending order, by the nearest-rank method; the zero value when
// sorted is empty.
func Percentile[T cmp.Ordered](sorted []T, p float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Summary is the median and the range of a sample.
type Summary[T cmp.Ordered] struct {
	Median, Min, Max T
}

// Summarize returns the median (nearest rank: for an even count, the lower
// of the two middle values, always one of the sample's), the minimum and
// the maximum of values, which it leaves as they are; the zero Summary
// when values is empty.
func Summarize[T cmp.Ordered](values []T) Summary[T] {
	if len(values) == 0 {
		return Summary[T]{}
	}
	sorted := slices.Sorted(slices.Values(values))
	return Summary[T]{Median: Percentile(sorted, 0.5), Min: sorted[0], Max: sorted[len(sorted)-1]}
}

// LoadAverage returns the 1, 5 and 15 minute load averages of the machine
// from /proc/loadavg, or "unknown".
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

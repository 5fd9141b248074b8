package main

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
)

// memoryLimitShare is the share of the container's memory limit that serve
// gives the Go runtime as its soft memory limit (GOMEMLIMIT). The rest is
// for what the runtime's limit does not cover or cannot hold: the binary
// and thread stacks outside the heap, and the heap growing faster than the
// garbage collector returns memory.
const memoryLimitShare = 0.9

// goMemoryLimit returns the soft memory limit of the Go runtime for a
// container memory limit of limit bytes: memoryLimitShare of it. It
// returns 0, and why it sets none, when GOMEMLIMIT is set (the runtime has
// applied it already, and an explicit setting wins) or limit is 0.
func goMemoryLimit(limit int64, getenv func(string) string) (int64, string) {
	if v := getenv("GOMEMLIMIT"); v != "" {
		return 0, "GOMEMLIMIT is set"
	}
	if limit <= 0 {
		return 0, "no --memory-limit"
	}
	return int64(float64(limit) * memoryLimitShare), ""
}

// bytesFlag is a flag of a number of bytes, written as a Kubernetes
// quantity ("7Mi", "268435456"), as a container's resources are.
type bytesFlag struct{ bytes *int64 }

func (f bytesFlag) String() string {
	if f.bytes == nil {
		return "0"
	}
	return resource.NewQuantity(*f.bytes, resource.BinarySI).String()
}

func (f bytesFlag) Set(s string) error {
	if s == "" {
		*f.bytes = 0
		return nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return fmt.Errorf("not a quantity of bytes such as 7Mi or 268435456: %w", err)
	}
	if q.Sign() < 0 {
		return errors.New("must not be negative")
	}
	*f.bytes = q.Value()
	return nil
}

func (bytesFlag) Type() string { return "bytes" }

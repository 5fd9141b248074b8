// Command ballast is Ballast's one binary: the admission webhook server
// (serve), the offline evaluator (check), the live-cluster audit (audit)
// and version.
package main

import (
	"os"
)

func main() {
	os.Exit(Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

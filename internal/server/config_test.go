package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/ballast-dev/ballast/internal/server"
)

func TestNewRefusesANegativeAuditUnreadyAfter(t *testing.T) {
	_, err := server.New(server.Config{
		RestConfig: &rest.Config{Host: "https://127.0.0.1:1"}, PolicyFile: "policy.yaml", CertDir: t.TempDir(),
		AuditUnreadyAfter: -1,
	})
	require.ErrorContains(t, err, "the audit's unready-after duration -1ns is negative")
}

package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/webhook"
)

func TestNewRefusesANegativeAuditUnreadyAfter(t *testing.T) {
	_, err := server.New(server.Config{
		RestConfig: &rest.Config{Host: "https://127.0.0.1:1"}, PolicyFile: "policy.yaml", CertDir: t.TempDir(),
		AuditUnreadyAfter: -1,
	})
	require.ErrorContains(t, err, "the audit's unready-after duration -1ns is negative")
}

func TestNewRefusesLimitsOutOfRange(t *testing.T) {
	_, err := server.New(server.Config{
		RestConfig: &rest.Config{Host: "https://127.0.0.1:1"}, PolicyFile: "policy.yaml", CertDir: t.TempDir(),
		Limits: webhook.Limits{MaxRequestBytes: 8 << 20},
	})
	require.ErrorContains(t, err, "webhook: invalid limits: the largest review, 8388608 bytes, must be positive and at most 7340032 bytes")
}

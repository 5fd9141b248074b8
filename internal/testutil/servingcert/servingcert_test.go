package servingcert_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
)

func TestInstallAndRotate(t *testing.T) {
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	dir := t.TempDir()

	first, err := ca.Install(dir, "127.0.0.1", "localhost")
	require.NoError(t, err)
	leaf := loadLeaf(t, dir)
	assert.Equal(t, first, leaf.SerialNumber.Int64())
	_, err = leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "127.0.0.1"})
	require.NoError(t, err, "the CA verifies the certificate for its IP address")
	_, err = leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "localhost"})
	require.NoError(t, err, "the CA verifies the certificate for its DNS name")

	second, err := ca.Install(dir, "127.0.0.1")
	require.NoError(t, err)
	assert.Greater(t, second, first)
	assert.Equal(t, second, loadLeaf(t, dir).SerialNumber.Int64(), "the rotated pair is in place")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Len(t, names, 4, "..data, one version and two links: %v", names)
}

func TestInstallRefusesForeignFiles(t *testing.T) {
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, servingcert.CertFile), []byte("x"), 0o600))

	_, err = ca.Install(dir, "127.0.0.1")
	require.ErrorContains(t, err, "is not a symlink")
}

func TestInstallNeedsAHost(t *testing.T) {
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(t.TempDir())
	require.ErrorContains(t, err, "at least one host")
}

func loadLeaf(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, servingcert.CertFile), filepath.Join(dir, servingcert.KeyFile))
	require.NoError(t, err, "the certificate and key match")
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	require.NoError(t, err)
	return leaf
}

// Package servingcert issues TLS serving certificates from a throwaway
// certificate authority and installs them the way a Kubernetes Secret volume
// does, so that a local Ballast can be served, trusted and rotated exactly as
// cert-manager does it in a cluster: the CA (the webhook configurations'
// caBundle) stays, the serving certificate and key are replaced together.
//
//	ca, err := servingcert.NewCA()
//	err = ca.Install(dir, "127.0.0.1", "localhost") // dir/tls.crt, dir/tls.key
//	pool := ca.Pool()                               // for clients
//	caBundle := ca.CertPEM()                        // for webhook configurations
//
// Only for tests, demos and load tests on one machine: the keys never leave
// memory and the temporary directory they are written to.
package servingcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The file names in a certificate directory, as kubernetes.io/tls Secrets
// and controller-runtime's webhook server name them.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
)

// dataLink is the symlink that an Install swaps atomically, as the kubelet
// does in Secret and ConfigMap volumes.
const dataLink = "..data"

// validity is how long issued certificates (and the CA) are valid: long
// enough for any test, short enough to be obviously throwaway.
const validity = 24 * time.Hour

// CA is a certificate authority that issues serving certificates. It is
// safe for concurrent use.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer

	mu     sync.Mutex
	serial int64 // of the last certificate issued
}

// NewCA creates a CA with a fresh ECDSA P-256 key.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ballast-local-ca"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-signing the CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the CA certificate: %w", err)
	}
	return &CA{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:     key,
		serial:  1,
	}, nil
}

// CertPEM returns the CA certificate in PEM form: the caBundle of webhook
// configurations.
func (ca *CA) CertPEM() []byte {
	return ca.certPEM
}

// Pool returns a certificate pool that holds only the CA, for clients.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return pool
}

// issue returns a new serving certificate for hosts (IP addresses or DNS
// names) and its key, both in PEM form, with a fresh key and the next
// serial number, which it also returns.
func (ca *CA) issue(hosts ...string) (certPEM, keyPEM []byte, serial int64, err error) {
	if len(hosts) == 0 {
		return nil, nil, 0, errors.New("a serving certificate needs at least one host")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("generating a serving key: %w", err)
	}
	ca.mu.Lock()
	ca.serial++
	serial = ca.serial
	ca.mu.Unlock()

	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("signing the serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("encoding the serving key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		serial, nil
}

// Install issues a serving certificate for hosts and puts it and its key
// in dir as CertFile and KeyFile, and returns the certificate's serial
// number. Like the kubelet updating a Secret volume, it writes both into a
// new hidden directory and then swaps one symlink, so a reader never sees
// a certificate with the other one's key; CertFile and KeyFile are
// symlinks through it. The previous version's directory is removed. dir
// must exist and hold nothing else named CertFile or KeyFile; Install may
// be called again at any time to rotate.
func (ca *CA) Install(dir string, hosts ...string) (int64, error) {
	certPEM, keyPEM, serial, err := ca.issue(hosts...)
	if err != nil {
		return 0, err
	}
	if err := swapIn(dir, map[string][]byte{CertFile: certPEM, KeyFile: keyPEM}); err != nil {
		return 0, fmt.Errorf("installing serving certificate %d in %s: %w", serial, dir, err)
	}
	return serial, nil
}

// swapIn writes files into a new version directory of dir and points dir's
// data link, and a symlink per file, at it.
func swapIn(dir string, files map[string][]byte) error {
	version, err := os.MkdirTemp(dir, "..version-")
	if err != nil {
		return fmt.Errorf("creating a version directory: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(version, name), data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}

	link := filepath.Join(dir, dataLink)
	old, err := os.Readlink(link)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", link, err)
	}
	tmp := link + ".tmp"
	if err := os.Symlink(filepath.Base(version), tmp); err != nil {
		return fmt.Errorf("creating %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		return fmt.Errorf("swapping %s: %w", link, err)
	}

	for name := range files {
		path := filepath.Join(dir, name)
		switch fi, err := os.Lstat(path); {
		case err == nil && fi.Mode()&os.ModeSymlink != 0:
			continue // through the data link, installed before
		case err == nil:
			return fmt.Errorf("%s exists and is not a symlink installed here", path)
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("checking %s: %w", path, err)
		}
		if err := os.Symlink(filepath.Join(dataLink, name), path); err != nil {
			return fmt.Errorf("linking %s: %w", name, err)
		}
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return fmt.Errorf("removing the previous version %s: %w", old, err)
		}
	}
	return nil
}

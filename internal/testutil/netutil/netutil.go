package netutil

import (
	"fmt"
	"net"
)

// FreeAddr returns host:port, with a port of host that nothing listens on.
func FreeAddr(host string) (string, error) {
	addr, err := freeTCPAddr(host)
	if err != nil {
		return "", err
	}
	return addr.String(), nil
}

// FreePort returns a port of host that nothing listens on.
func FreePort(host string) (int, error) {
	addr, err := freeTCPAddr(host)
	if err != nil {
		return 0, err
	}
	return addr.Port, nil
}

// freeTCPAddr listens on port 0 of host, for the kernel to pick a free
// port, and closes the listener.
func freeTCPAddr(host string) (*net.TCPAddr, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	if !ok {
		return nil, fmt.Errorf("finding a free port on %s: the listener's address %s is not TCP", host, l.Addr())
	}
	return addr, nil
}

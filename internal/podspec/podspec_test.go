package podspec

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
)

func TestPath(t *testing.T) {
	p := NewPath("spec", "template", "spec").Child("containers").Index(2).Child("lifecycle")
	assert.Equal(t, "spec.template.spec.containers[2].lifecycle", p.String())
	assert.Equal(t, "/spec/template/spec/containers/2/lifecycle", p.Pointer())

	a := NewPath("metadata", "annotations").Key("ballast.dev/injected")
	assert.Equal(t, "metadata.annotations[ballast.dev/injected]", a.String())
	assert.Equal(t, "/metadata/annotations/ballast.dev~1injected", a.Pointer(), "RFC 6901 escapes / as ~1")
	assert.Equal(t, "/a~0b", NewPath("a~b").Pointer(), "RFC 6901 escapes ~ as ~0")
}

func TestServingPort(t *testing.T) {
	tcp := func(name string, n int32) corev1.ContainerPort {
		return corev1.ContainerPort{Name: name, ContainerPort: n}
	}
	tests := map[string]struct {
		ports     []corev1.ContainerPort
		wantPort  int32
		wantIndex int
		wantOK    bool
	}{
		"no ports serve nothing":                           {wantIndex: -1},
		"an unnamed TCP port serves":                       {ports: []corev1.ContainerPort{tcp("", 8080)}, wantPort: 8080, wantOK: true},
		"the first serving port wins":                      {ports: []corev1.ContainerPort{tcp("http", 8080), tcp("grpc", 9090)}, wantPort: 8080, wantOK: true},
		"a metrics port is skipped":                        {ports: []corev1.ContainerPort{tcp("metrics", 9090), tcp("http", 8080)}, wantPort: 8080, wantIndex: 1, wantOK: true},
		"words are matched, not substrings":                {ports: []corev1.ContainerPort{tcp("promo-api", 8080)}, wantPort: 8080, wantOK: true},
		"http-metrics, http-healthz and debug are skipped": {ports: []corev1.ContainerPort{tcp("http-metrics", 1), tcp("http_healthz", 2), tcp("debug", 3)}, wantIndex: -1},
		"UDP ports do not serve probed traffic": {
			ports:     []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			wantIndex: -1,
		},
		"an explicit TCP protocol serves": {
			ports:    []corev1.ContainerPort{{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP}},
			wantPort: 53, wantOK: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &corev1.Container{Ports: tc.ports}
			port, i, ok := ServingPort(c)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantOK, ServesTraffic(c))
			assert.Equal(t, tc.wantIndex, i)
			assert.Equal(t, tc.wantPort, port.ContainerPort)
		})
	}
}

package version

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromBuildInfo(t *testing.T) {
	tests := map[string]struct {
		linked Info
		bi     debug.BuildInfo
		want   Info
	}{
		"without linker flags, the toolchain's record is used": {
			linked: Info{Version: "dev", Commit: "dev", Date: "dev"},
			bi: debug.BuildInfo{
				Main:     debug.Module{Version: "v1.2.3"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}},
			},
			want: Info{Version: "v1.2.3", Commit: "abc123", Date: "2026-01-02T03:04:05Z"},
		},
		"a development build outside Git stays dev": {
			linked: Info{Version: "dev", Commit: "dev", Date: "dev"},
			bi:     debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want:   Info{Version: "dev", Commit: "dev", Date: "dev"},
		},
		"linker flags win": {
			linked: Info{Version: "v2.0.0", Commit: "def456", Date: "2026-02-03T00:00:00Z"},
			bi: debug.BuildInfo{
				Main:     debug.Module{Version: "v1.2.3"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}},
			},
			want: Info{Version: "v2.0.0", Commit: "def456", Date: "2026-02-03T00:00:00Z"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.linked
			fromBuildInfo(&got, &tc.bi)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestGet(t *testing.T) {
	info := Get()
	assert.Equal(t, runtime.Version(), info.GoVersion)
	assert.Equal(t, runtime.GOOS+"/"+runtime.GOARCH, info.Platform)
	assert.NotEmpty(t, info.Version)
	assert.NotEmpty(t, info.Commit)
	assert.NotEmpty(t, info.Date)
}

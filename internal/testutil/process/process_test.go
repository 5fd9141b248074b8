package process

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStop(t *testing.T) {
	tests := map[string]struct {
		script  string
		wait    bool // until the process has exited by itself
		wantErr string
	}{
		"exits on SIGTERM":             {script: "exec sleep 30"},
		"ignores SIGTERM, gets killed": {script: "trap '' TERM; exec sleep 30", wantErr: "killed after 200ms without exiting on SIGTERM"},
		"exited before it was stopped": {script: "exit 3", wait: true, wantErr: "exited before it was stopped: exit status 3"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Start(exec.Command("sh", "-c", tc.script))
			require.NoError(t, err)
			assert.Positive(t, p.Pid())
			if tc.wait {
				<-p.Exited()
			} else {
				time.Sleep(100 * time.Millisecond) // for the trap to be set
			}
			err = p.Stop(200 * time.Millisecond)
			if tc.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, tc.wantErr)
			}
			select {
			case <-p.Exited():
			default:
				t.Fatal("Stop returned before the process exited")
			}
		})
	}
}

func TestStartFails(t *testing.T) {
	_, err := Start(exec.Command("/nonexistent/binary"))
	assert.ErrorContains(t, err, "starting /nonexistent/binary")
}

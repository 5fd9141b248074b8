package chartreadme

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestComment(t *testing.T) {
	tests := map[string]struct {
		comment string
		want    string
	}{
		"a paragraph is one line": {
			comment: "# Replicas of the webhook server. Keep\n# at least 2.",
			want:    "Replicas of the webhook server. Keep at least 2.",
		},
		"a numbered list, its items continued by their indented lines": {
			comment: "# Three steps:\n# 1. sleep, during which the\n#    endpoint goes.\n# 2. SIGTERM.\n# After them, exit.",
			want:    "Three steps:<br>1. sleep, during which the endpoint goes.<br>2. SIGTERM.<br>After them, exit.",
		},
		"terms, continued by the lines indented further": {
			comment: "# What happens:\n#   Ignore: it goes through\n#           unchecked.\n#   Fail:   it is rejected.",
			want:    "What happens:<br>Ignore: it goes through unchecked.<br>Fail:   it is rejected.",
		},
		"a YAML example, a line each": {
			comment: "# Such as:\n#   - name: a\n#     rules: [pdb]",
			want:    "Such as:<br>- name: a<br>rules: [pdb]",
		},
		"a pipe would end the cell": {
			comment: "# json | console",
			want:    `json \| console`,
		},
		"no comment": {comment: "", want: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, comment(tc.comment))
		})
	}
}

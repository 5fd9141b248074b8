{{/*
Fails the render on a policy that `ballast serve` would refuse at start-up,
for the rules that span fields and so are not in values.schema.json (whose
policy part is generated from the Go types: `make generate`). Each message
is the binary's own, with the values path policy.* for the policy file's
spec.*, so a refused install says what `ballast policy validate` would. The
chart tests run one table of bad policies through the binary and helm.
*/}}
{{- define "ballast.checkPolicy" -}}
{{- $p := .Values.policy }}
{{- $names := dict }}
{{- range $i, $e := $p.exemptions | default list }}
{{- $at := printf "policy.exemptions[%d]" $i }}
{{- with $e.name }}
{{- if hasKey $names . }}
{{- fail (printf "%s.name: Duplicate value: %q" $at .) }}
{{- end }}
{{- $_ := set $names . true }}
{{- end }}
{{- if and (empty $e.namespaces) (kindIs "invalid" $e.namespaceSelector) }}
{{- fail (printf "%s.namespaces: Required value: set namespaces, namespaceSelector or both, to say which namespaces are exempt" $at) }}
{{- end }}
{{- $selector := $e.namespaceSelector }}
{{- if and (kindIs "map" $selector) (empty $selector.matchLabels) (empty $selector.matchExpressions) }}
{{- fail (printf "%s.namespaceSelector: Invalid value: \"{}\": an empty selector matches every namespace; add matchLabels or matchExpressions, or set the rule's action to off instead" $at) }}
{{- end }}
{{- $workloadSelector := $e.workloadSelector }}
{{- if and (kindIs "map" $workloadSelector) (empty $workloadSelector.matchLabels) (empty $workloadSelector.matchExpressions) }}
{{- fail (printf "%s.workloadSelector: Invalid value: \"{}\": an empty selector matches every workload; add matchLabels or matchExpressions, or exempt the whole namespace without it" $at) }}
{{- end }}
{{- if and (or (not (empty $e.workloads)) (not (kindIs "invalid" $workloadSelector))) (not (empty $e.mode)) }}
{{- fail (printf "%s.mode: Invalid value: %q: a mode applies to whole namespaces: remove workloads and workloadSelector, or exempt rules (\"*\" for all) instead of setting a mode" $at $e.mode) }}
{{- end }}
{{- if and (empty $e.rules) (empty $e.mode) }}
{{- fail (printf "%s.rules: Required value: set rules (rule IDs, or \"*\" for all), mode, or both" $at) }}
{{- end }}
{{- with $e.expires }}
{{- /* The schema checks the shape; here, that the day and time exist.
toDate gives the zero time for what does not parse, and for the first
instant of year 1, which only these two spell. */}}
{{- if and (toDate "2006-01-02T15:04:05Z07:00" .).IsZero (toDate "2006-01-02" .).IsZero (not (has . (list "0001-01-01" "0001-01-01T00:00:00Z"))) }}
{{- fail (printf "%s.expires: Invalid value: %q: must be a date such as \"2026-12-31\" or an RFC 3339 time such as \"2026-12-31T18:00:00Z\"" $at .) }}
{{- end }}
{{- end }}
{{- end }}
{{- $profileNames := dict }}
{{- $patterns := dict }}
{{- range $i, $profile := $p.profiles | default list }}
{{- $at := printf "policy.profiles[%d]" $i }}
{{- with $profile.name }}
{{- if hasKey $profileNames . }}
{{- fail (printf "%s.name: Duplicate value: %q" $at .) }}
{{- end }}
{{- $_ := set $profileNames . true }}
{{- end }}
{{- if and (empty $profile.namespaces) (kindIs "invalid" $profile.namespaceSelector) }}
{{- fail (printf "%s.namespaces: Required value: set namespaces, namespaceSelector or both, to say which namespaces the profile is for" $at) }}
{{- end }}
{{- range $j, $ns := $profile.namespaces | default list }}
{{- $other := get $patterns $ns }}
{{- if and $other (ne $other $profile.name) }}
{{- fail (printf "%s.namespaces[%d]: Invalid value: %q: is also in profile %q: a namespace resolves to one profile; keep it in one of them" $at $j $ns $other) }}
{{- end }}
{{- $_ := set $patterns $ns ($profile.name | default "") }}
{{- end }}
{{- $selector := $profile.namespaceSelector }}
{{- if and (kindIs "map" $selector) (empty $selector.matchLabels) (empty $selector.matchExpressions) }}
{{- fail (printf "%s.namespaceSelector: Invalid value: \"{}\": an empty selector matches every namespace; change the policy's own values instead" $at) }}
{{- end }}
{{- end }}
{{- $preStop := (($p.podDefaults | default dict).preStop | default dict) }}
{{- include "ballast.checkMaxSleep" (dict "at" "policy.podDefaults" "preStop" $preStop) }}
{{- range $i, $profile := $p.profiles | default list }}
{{- /* A profile's namespaces are judged by the policy with its overrides. */}}
{{- $overrides := (($profile.podDefaults | default dict).preStop | default dict) }}
{{- if or (hasKey $overrides "sleepSeconds") (hasKey $overrides "maxSleepSeconds") }}
{{- include "ballast.checkMaxSleep" (dict "at" (printf "policy.profiles[%d].podDefaults" $i) "preStop" (merge (deepCopy $overrides) $preStop)) }}
{{- end }}
{{- end }}
{{- $admins := $p.namespaceAdmins | default dict }}
{{- if and (hasKey $p "namespaceAdmins") (empty $admins.users) (empty $admins.groups) }}
{{- fail "policy.namespaceAdmins: Required value: name at least one user or group: only they may set or change ballast.dev/ labels and annotations on namespaces, so with none nobody ever could" }}
{{- end }}
{{- end }}

{{/*
Fails the render when preStop.maxSleepSeconds is below preStop.sleepSeconds,
as `ballast serve` refuses it; at is the path of podDefaults, preStop the
values.
*/}}
{{- define "ballast.checkMaxSleep" -}}
{{- $s := .preStop }}
{{- if and (hasKey $s "sleepSeconds") (hasKey $s "maxSleepSeconds") }}
{{- if and (ge (int64 $s.sleepSeconds) 1) (le (int64 $s.sleepSeconds) 3600) (lt (int64 $s.maxSleepSeconds) (int64 $s.sleepSeconds)) }}
{{- fail (printf "%s.preStop.maxSleepSeconds: Invalid value: %v: must be between sleepSeconds (%v) and 3600: the longest sleep a pod template may ask for with the ballast.dev/prestop-sleep-seconds annotation" .at $s.maxSleepSeconds $s.sleepSeconds) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The chart's name, or nameOverride.
*/}}
{{- define "ballast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified app name, used for every object the chart creates. It is
cut to 50 characters so that the longest derived name ("<fullname>-selfsigned-ca"
and the like) stays a valid DNS label.
*/}}
{{- define "ballast.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "ballast.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "ballast.labels" -}}
helm.sh/chart: {{ include "ballast.chart" . }}
{{ include "ballast.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ballast
{{- end }}

{{/*
Labels that select the webhook's pods.
*/}}
{{- define "ballast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ballast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the pods run as.
*/}}
{{- define "ballast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ballast.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository, then @digest when set, else :tag (the
chart's appVersion by default).
*/}}
{{- define "ballast.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The Service's DNS names, the names the serving certificate must carry.
*/}}
{{- define "ballast.dnsNames" -}}
{{- $svc := include "ballast.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson }}
{{- end }}

{{/*
The Secret that holds the serving certificate and key: the user's in secret
mode, the chart's in the other modes.
*/}}
{{- define "ballast.tlsSecretName" -}}
{{- if eq .Values.tls.mode "secret" }}
{{- required "tls.secret.name is required when tls.mode is secret: name a kubernetes.io/tls Secret in the release namespace" .Values.tls.secret.name }}
{{- else }}
{{- printf "%s-tls" (include "ballast.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The serving Certificate of cert-manager mode, as namespace/name for the
cert-manager.io/inject-ca-from annotation.
*/}}
{{- define "ballast.servingCertificate" -}}
{{- printf "%s/%s-serving" .Release.Namespace (include "ballast.fullname" .) }}
{{- end }}

{{/*
The key pair of generate mode, as a dict with base64 "ca", "crt" and "key".
It is made once per render and shared by the Secret and the webhook
configurations, which must agree: an existing Secret is reused (lookup), so
the pair survives upgrades; otherwise a new CA and a certificate it signs are
generated. `helm template` cannot look up, so it generates a fresh pair each
time.
*/}}
{{- define "ballast.generatedTLS" -}}
{{- if not (hasKey .Values "__generatedTLS") }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "ballast.tlsSecretName" .) }}
{{- $pair := dict }}
{{- if and $secret (index ($secret.data | default dict) "tls.crt") (index ($secret.data | default dict) "tls.key") (index ($secret.data | default dict) "ca.crt") }}
{{- $pair = dict "ca" (index $secret.data "ca.crt") "crt" (index $secret.data "tls.crt") "key" (index $secret.data "tls.key") }}
{{- else }}
{{- $days := int .Values.tls.generate.validityDays }}
{{- $ca := genCA (printf "%s-ca" (include "ballast.fullname" .)) $days }}
{{- $dnsNames := include "ballast.dnsNames" . | fromJsonArray }}
{{- $cert := genSignedCert (index $dnsNames 2) nil $dnsNames $days $ca }}
{{- $pair = dict "ca" ($ca.Cert | b64enc) "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc) }}
{{- end }}
{{- $_ := set .Values "__generatedTLS" $pair }}
{{- end }}
{{- toJson (get .Values "__generatedTLS") }}
{{- end }}

{{/*
The caBundle of the webhook configurations: none in cert-manager mode, where
cainjector fills it in.
*/}}
{{- define "ballast.caBundle" -}}
{{- if eq .Values.tls.mode "secret" }}
{{- required "tls.secret.caBundle is required when tls.mode is secret: the base64-encoded PEM of the CA that signed the Secret's certificate" .Values.tls.secret.caBundle }}
{{- else if eq .Values.tls.mode "generate" }}
{{- (include "ballast.generatedTLS" . | fromJson).ca }}
{{- end }}
{{- end }}

{{/*
The clientConfig of a webhook; the path is the argument's "path".
*/}}
{{- define "ballast.clientConfig" -}}
{{- $root := .root -}}
clientConfig:
  service:
    name: {{ include "ballast.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ .path }}
    port: {{ $root.Values.service.port }}
  {{- with include "ballast.caBundle" $root }}
  caBundle: {{ . }}
  {{- end }}
{{- end }}

{{/*
The namespaces no webhook ever sees: the control plane's and Ballast's own.
*/}}
{{- define "ballast.systemNamespaces" -}}
{{- list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace | uniq | toJson }}
{{- end }}

{{/*
The namespaceSelector expressions of the Pod and workload webhooks, as JSON:
not the system namespaces, nor those of webhook.excludeNamespaces, nor those
labelled ballast.dev/mode=off (where the policy lets the label set the mode;
else the label means nothing and Ballast must see them), plus
webhook.namespaceSelector.matchExpressions.
*/}}
{{- define "ballast.workloadNamespaceExpressions" -}}
{{- $names := concat (include "ballast.systemNamespaces" . | fromJsonArray) .Values.webhook.excludeNamespaces | uniq }}
{{- $exprs := list (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" $names) }}
{{- if ne (toString .Values.policy.namespaceModeLabel) "false" }}
{{- $exprs = append $exprs (dict "key" "ballast.dev/mode" "operator" "NotIn" "values" (list "off")) }}
{{- end }}
{{- concat $exprs .Values.webhook.namespaceSelector.matchExpressions | toJson }}
{{- end }}

{{/*
The namespaceSelector of the Pod and workload webhooks.
*/}}
{{- define "ballast.workloadNamespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    {{- include "ballast.workloadNamespaceExpressions" . | fromJsonArray | toYaml | nindent 4 }}
{{- end }}

{{/*
The same selector in the label selector syntax of `ballast serve
--namespace-selector`, so that the PodDisruptionBudget reconciler works in
exactly the namespaces admission sees.
*/}}
{{- define "ballast.workloadNamespaceSelectorString" -}}
{{- $parts := list }}
{{- range include "ballast.workloadNamespaceExpressions" . | fromJsonArray }}
{{- $values := join "," (.values | default list) }}
{{- if eq .operator "In" }}
{{- $parts = append $parts (printf "%s in (%s)" .key $values) }}
{{- else if eq .operator "NotIn" }}
{{- $parts = append $parts (printf "%s notin (%s)" .key $values) }}
{{- else if eq .operator "Exists" }}
{{- $parts = append $parts .key }}
{{- else }}
{{- $parts = append $parts (printf "!%s" .key) }}
{{- end }}
{{- end }}
{{- join "," $parts }}
{{- end }}

{{/*
Fails the render when a webhook timeout is above the cap. A slow or dead
webhook holds every request it sees for its timeout; above 2 s (mutating)
and 3 s (validating) that has made control planes miss lease renewals.
*/}}
{{- define "ballast.checkTimeouts" -}}
{{- $t := .Values.webhook.timeoutSeconds }}
{{- if or (lt (int $t.mutating) 1) (gt (int $t.mutating) 2) }}
{{- fail (printf "webhook.timeoutSeconds.mutating is %v: it must be 1 or 2. The API server holds every Pod creation for the whole timeout when Ballast does not answer, and longer timeouts have made control planes miss their lease renewals." $t.mutating) }}
{{- end }}
{{- if or (lt (int $t.validating) 1) (gt (int $t.validating) 3) }}
{{- fail (printf "webhook.timeoutSeconds.validating is %v: it must be 1, 2 or 3. The API server holds every deploy and namespace change for the whole timeout when Ballast does not answer, and longer timeouts have made control planes miss their lease renewals." $t.validating) }}
{{- end }}
{{- end }}

{{/*
Fails the render when the graceful shutdown timeout cannot cover Ballast's
shutdown delay plus a review that arrives just before the listener closes
and takes the whole webhook timeout.
*/}}
{{- define "ballast.checkShutdown" -}}
{{- $s := .Values.shutdown }}
{{- $t := .Values.webhook.timeoutSeconds }}
{{- $review := max (int $t.mutating) (int $t.validating) }}
{{- if le (int $s.gracefulShutdownTimeoutSeconds) (add (int $s.delaySeconds) $review) }}
{{- fail (printf "shutdown.gracefulShutdownTimeoutSeconds is %v: it must exceed shutdown.delaySeconds (%v) plus the longest webhook timeout (%vs), or Ballast could be stopped before it has answered the reviews in flight." $s.gracefulShutdownTimeoutSeconds $s.delaySeconds $review) }}
{{- end }}
{{- end }}

{{/*
"true" when the chart's PodDisruptionBudget is enabled and allows at least
one eviction with replicaCount replicas: with minAvailable, a count below
replicaCount or a percentage that leaves at least one pod free (rounded up,
as the disruption controller rounds it); with maxUnavailable (at least 1 or
1%), more than one replica.
*/}}
{{- define "ballast.pdbAllowsDisruption" -}}
{{- $pdb := .Values.podDisruptionBudget }}
{{- $replicas := int .Values.replicaCount }}
{{- $allows := false }}
{{- if $pdb.enabled }}
{{- if kindIs "invalid" $pdb.minAvailable }}
{{- $allows = gt $replicas 1 }}
{{- else if kindIs "string" $pdb.minAvailable }}
{{- $percent := trimSuffix "%" $pdb.minAvailable | float64 }}
{{- $minPods := divf (mulf $replicas $percent) 100.0 | ceil | int }}
{{- $allows = gt $replicas $minPods }}
{{- else }}
{{- $allows = gt $replicas (int $pdb.minAvailable) }}
{{- end }}
{{- end }}
{{- $allows }}
{{- end }}

{{/*
The whole seconds of a Go duration such as "10m" or "1h30m" (units h, m, s
and ms, as values.schema.json allows them).
*/}}
{{- define "ballast.durationSeconds" -}}
{{- $seconds := 0.0 }}
{{- $units := dict "h" 3600.0 "m" 60.0 "s" 1.0 "ms" 0.001 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ms|h|m|s)" (toString .) -1 }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" . | float64 }}
{{- $unit := regexReplaceAll "^[0-9]+(\\.[0-9]+)?" . "" }}
{{- $seconds = addf $seconds (mulf $number (get $units $unit)) }}
{{- end }}
{{- $seconds | floor | int }}
{{- end }}

{{/*
The PromQL label matchers that select Ballast's own series in the alerts:
prometheusRule.seriesSelector, else the namespace and job labels that the
ServiceMonitor's scrape gives them (the job is the Service's name).
*/}}
{{- define "ballast.seriesSelector" -}}
{{- .Values.prometheusRule.seriesSelector | default (printf "namespace=%q,job=%q" .Release.Namespace (include "ballast.fullname" .)) }}
{{- end }}

{{/*
The severity of the alerts that mean the webhook does not answer: critical
when failurePolicy is Fail, since every deploy is then rejected; warning
when it is Ignore, since requests then pass unchecked.
*/}}
{{- define "ballast.outageSeverity" -}}
{{- if eq .Values.webhook.failurePolicy "Fail" }}critical{{ else }}warning{{ end }}
{{- end }}

{{/*
"true" when the periodic audit runs: audit.interval is a duration other
than zero ("0", "0s" and the like turn it off, as they do for serve).
*/}}
{{- define "ballast.auditEnabled" -}}
{{- regexMatch "[1-9]" (toString .Values.audit.interval) }}
{{- end }}

{{/*
A number of bytes for a flag: a quantity string ("7Mi") as it is, a number
without the exponent that Helm's floats would print ("7.34e+06").
*/}}
{{- define "ballast.bytes" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ int64 . }}{{ end }}
{{- end }}

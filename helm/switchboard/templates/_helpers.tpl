{{/* Names and labels. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" . }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- end }}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "switchboard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The Secret holding the URLs and TURN secrets: the user's (existingSecret) or the chart's.
*/}}
{{- define "switchboard.secretName" -}}
{{- default (include "switchboard.fullname" .) .Values.existingSecret.name }}
{{- end }}

{{/* Key names inside that Secret: the chart's own Secret uses the default names. */}}
{{- define "switchboard.secretKey" -}}
{{- $defaults := dict "databaseUrl" "DATABASE_URL" "redisUrl" "REDIS_URL" "turnSecret" "TURN_SECRET" "turnCredential" "TURN_CREDENTIAL" -}}
{{- if .root.Values.existingSecret.name }}
{{- index .root.Values.existingSecret.keys .key }}
{{- else }}
{{- index $defaults .key }}
{{- end }}
{{- end }}

{{/*
Inconsistent settings fail the render with a message instead of producing pods that
crash-loop or, worse, run one embedded single-node store per pod.
*/}}
{{- define "switchboard.validate" -}}
{{- if not .Values.existingSecret.name }}
{{- if not .Values.database.url }}
{{- fail "database.url is required (postgres://USER:PASSWORD@HOST:5432/DB), or set existingSecret.name" }}
{{- end }}
{{- if not .Values.redis.url }}
{{- fail "redis.url is required (redis://:PASSWORD@HOST:6379, Redis >= 7), or set existingSecret.name" }}
{{- end }}
{{- end }}
{{- $turn := .Values.ice.turn }}
{{- if and $turn.secret (or $turn.username $turn.credential) }}
{{- fail "ice.turn: set either secret (coturn use-auth-secret) or username+credential, not both" }}
{{- end }}
{{- if and (or $turn.secret $turn.username $turn.credential) (not $turn.urls) }}
{{- fail "ice.turn: credentials are set but ice.turn.urls is empty" }}
{{- end }}
{{- if and $turn.username (not $turn.credential) }}
{{- fail "ice.turn.username needs ice.turn.credential" }}
{{- end }}
{{- $grace := .Values.lifecycle.terminationGracePeriodSeconds }}
{{- if and (not (kindIs "invalid" $grace)) (lt (int $grace) (add .Values.lifecycle.preStopSleepSeconds .Values.config.drainTimeoutSeconds)) }}
{{- fail "lifecycle.terminationGracePeriodSeconds must cover lifecycle.preStopSleepSeconds + config.drainTimeoutSeconds, or the kubelet kills nodes mid-drain" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}

{{/* Grace period: preStop sleep + drain + margin for the process to exit. */}}
{{- define "switchboard.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.lifecycle.terminationGracePeriodSeconds }}
{{- add .Values.lifecycle.preStopSleepSeconds .Values.config.drainTimeoutSeconds 10 }}
{{- else }}
{{- .Values.lifecycle.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
Environment of every switchboard container (nodes and the migrations job): the ConfigMap
for settings, the Secret for URLs and credentials. `secretName` lets the migrations hook
point at its own copy of the Secret, which exists before the release's resources do.
*/}}
{{- define "switchboard.secretEnv" -}}
{{- $secret := .secretName -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "switchboard.secretKey" (dict "root" .root "key" "databaseUrl") }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "switchboard.secretKey" (dict "root" .root "key" "redisUrl") }}
{{- end }}

{{- define "switchboard.turnEnv" -}}
{{- $secret := include "switchboard.secretName" . -}}
{{- if or .Values.existingSecret.name .Values.ice.turn.secret }}
- name: SWITCHBOARD__ICE__TURN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "switchboard.secretKey" (dict "root" . "key" "turnSecret") }}
      optional: true
{{- end }}
{{- if or .Values.existingSecret.name .Values.ice.turn.credential }}
- name: SWITCHBOARD__ICE__TURN_CREDENTIAL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "switchboard.secretKey" (dict "root" . "key" "turnCredential") }}
      optional: true
{{- end }}
{{- end }}

{{- define "switchboard.podSecurity" -}}
{{- with .Values.podSecurityContext -}}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

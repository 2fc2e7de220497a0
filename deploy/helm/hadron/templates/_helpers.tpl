{{/* The chart's name, or nameOverride. */}}
{{- define "hadron.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's resource name: fullnameOverride, else release name and chart name. */}}
{{- define "hadron.fullname" -}}
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

{{- define "hadron.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hadron.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hadron.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hadron.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The image: the GPU or CPU variant unless a tag is given. */}}
{{- define "hadron.image" -}}
{{- $tag := .Values.image.tag | default (ternary "gpu" "cpu" .Values.gpu.enabled) -}}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/* Long enough for the shutdown delay, the drain, and unloading; a value too short is refused. */}}
{{- define "hadron.terminationGracePeriodSeconds" -}}
{{- $needed := add .Values.server.shutdownDelaySeconds .Values.server.shutdownTimeoutSeconds -}}
{{- if .Values.terminationGracePeriodSeconds -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $needed) -}}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed server.shutdownDelaySeconds + server.shutdownTimeoutSeconds (%v), or Kubernetes kills the pod in the middle of its drain" .Values.terminationGracePeriodSeconds $needed) -}}
{{- end -}}
{{- .Values.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add $needed 15 -}}
{{- end -}}
{{- end }}

{{- define "fechatter.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fechatter.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fechatter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fechatter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "fechatter.labels" -}}
{{ include "fechatter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "fechatter.secretName" -}}
{{- default (include "fechatter.fullname" .) .Values.secret.existingSecret -}}
{{- end -}}

{{/* The engines every node must share; installing without them fails with this message. */}}
{{- define "fechatter.requireEngines" -}}
{{- if not .Values.secret.existingSecret -}}
{{- required "database.url is required (postgres://…), or secret.existingSecret with a database-url key" .Values.database.url | quote | substr 0 0 -}}
{{- end -}}
{{- required "nats.url is required: nodes share live events through NATS (JetStream on)" .Values.nats.url | substr 0 0 -}}
{{- required "redis.url is required: nodes share presence and rate limits through Redis" .Values.redis.url | substr 0 0 -}}
{{- end -}}

{{/* Name of the chart, overridable. */}}
{{- define "edge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* release-chart, unless the release name already contains the chart name. */}}
{{- define "edge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "edge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "edge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "edge.labels" -}}
{{ include "edge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: store-edge
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "edge.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "edge.priorityClassName" -}}
{{- default (include "edge.fullname" .) .Values.priorityClass.name -}}
{{- end -}}

{{- define "edge.configSource" -}}
{{- if .Values.config.existingSecret -}}
secret:
  secretName: {{ .Values.config.existingSecret }}
{{- else -}}
configMap:
  name: {{ include "edge.fullname" . }}-config
{{- end -}}
{{- end -}}

{{/* Pod security: PodSecurity "restricted" in plugin mode; hostPath mode is privileged (opt-in)
and still runs as the unprivileged user. */}}
{{- define "edge.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
{{- with .Values.devices.supplementalGroups }}
supplementalGroups:
  {{- toYaml . | nindent 2 }}
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "edge.containerSecurityContext" -}}
readOnlyRootFilesystem: true
runAsNonRoot: true
{{- if eq .Values.devices.mode "hostPath" }}
privileged: true
allowPrivilegeEscalation: true
{{- else }}
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
{{- end -}}

{{/* With a TLS Secret: HTTPS for the API/console, MQTTS for readers. */}}
{{- define "edge.tls" -}}
{{- if .Values.tls.existingSecret }}true{{ end }}
{{- end }}

{{/* Plain MQTT is offered when the broker is on and TLS is not configured, or kept on purpose. */}}
{{- define "edge.plainMqtt" -}}
{{- if and (gt (int .Values.mqttPort) 0) (or (not .Values.tls.existingSecret) .Values.tls.plainMqtt) }}true{{ end }}
{{- end }}

{{/* MQTTS is offered when the broker is on and TLS is configured. */}}
{{- define "edge.mqtts" -}}
{{- if and (gt (int .Values.mqttPort) 0) .Values.tls.existingSecret }}true{{ end }}
{{- end }}

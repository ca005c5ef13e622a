{{/* Name of the chart, overridable. */}}
{{- define "cloud.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* release-chart, unless the release name already contains the chart name. */}}
{{- define "cloud.fullname" -}}
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

{{- define "cloud.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cloud.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cloud.labels" -}}
{{ include "cloud.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: store-edge
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cloud.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "cloud.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cloud.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* PodSecurity "restricted": non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */}}
{{- define "cloud.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "cloud.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .Values.containerSecurityContext.readOnlyRootFilesystem }}
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Settings shared by the service and the migration Job; secrets only by reference. */}}
{{- define "cloud.env" -}}
- name: STORE_EDGE_MYSQL_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.existingSecret is required" .Values.secrets.existingSecret }}
      key: {{ .Values.secrets.mysqlUrlKey }}
- name: STORE_EDGE_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: {{ .Values.secrets.adminTokenKey }}
- name: STORE_EDGE_CLOUD_PORT
  value: {{ .Values.containerPort | quote }}
- name: STORE_EDGE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: STORE_EDGE_OFFLINE_AFTER_SECONDS
  value: {{ .Values.offlineAfterSeconds | quote }}
- name: STORE_EDGE_REPLENISH_MAX_LAG_MINUTES
  value: {{ .Values.replenish.maxLagMinutes | quote }}
- name: NODE_ENV
  value: production
{{- with .Values.oidc }}
{{- if .issuer }}
- name: STORE_EDGE_OIDC_ISSUER
  value: {{ .issuer | quote }}
- name: STORE_EDGE_OIDC_AUDIENCE
  value: {{ required "oidc.audience is required with oidc.issuer" .audience | quote }}
- name: STORE_EDGE_OIDC_CLIENT_ID
  value: {{ required "oidc.clientId is required with oidc.issuer" .clientId | quote }}
- name: STORE_EDGE_OIDC_TENANT_CLAIM
  value: {{ .claims.tenant | quote }}
- name: STORE_EDGE_OIDC_ROLES_CLAIM
  value: {{ .claims.roles | quote }}
- name: STORE_EDGE_OIDC_STORES_CLAIM
  value: {{ .claims.stores | quote }}
- name: STORE_EDGE_OIDC_CLOCK_SKEW_SECONDS
  value: {{ .clockSkewSeconds | quote }}
- name: STORE_EDGE_OIDC_JWKS_COOLDOWN_SECONDS
  value: {{ .jwksCooldownSeconds | quote }}
- name: STORE_EDGE_OIDC_CONSOLE_SCOPES
  value: {{ .console.scopes | quote }}
- name: STORE_EDGE_OIDC_CONSOLE_AUDIENCE_PARAM
  value: {{ .console.audienceParam | quote }}
{{- end }}
{{- end }}
- name: STORE_EDGE_RATE_LIMIT_PER_STORE
  value: {{ .Values.rateLimits.perStore | quote }}
- name: STORE_EDGE_RATE_LIMIT_PER_TENANT
  value: {{ .Values.rateLimits.perTenant | quote }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

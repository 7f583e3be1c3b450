{{/*
Shared helpers of the Meridian chart. Every service is rendered by `meridian.workload` from one
entry of `.Values.services`, called with (dict "root" $ "name" <service> "svc" <values>).
*/}}

{{- define "meridian.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart>, or the release name alone when it already contains the chart name. */}}
{{- define "meridian.fullname" -}}
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

{{- define "meridian.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object of the release. */}}
{{- define "meridian.commonLabels" -}}
helm.sh/chart: {{ include "meridian.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meridian
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Resource name of one service: <fullname>-<service>. (dict "root" $ "name" <service>) */}}
{{- define "meridian.serviceName" -}}
{{- printf "%s-%s" (include "meridian.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "meridian.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels of one service's objects: the release labels with its selector labels. */}}
{{- define "meridian.labels" -}}
helm.sh/chart: {{ include "meridian.chart" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: meridian
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "meridian.selectorLabels" . }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/*
Image reference: <registry>/<repository>@sha256:... when a digest is set, else :<tag or appVersion>.
(dict "root" $ "image" <image values>)
*/}}
{{- define "meridian.image" -}}
{{- $registry := .root.Values.global.image.registry -}}
{{- $repository := .image.repository -}}
{{- if not (or (hasPrefix "/" $repository) (contains "." (first (splitList "/" $repository)))) -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" $registry) $repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repository .image.digest -}}
{{- else -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if eq $tag "latest" -}}
{{- fail (printf "image %s: the tag latest is not allowed; set a version tag or a digest" $repository) -}}
{{- end -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* A test image (dict "root" $ "image" <tests.x>): a full repository path, digest first. */}}
{{- define "meridian.testImage" -}}
{{- if .image.digest -}}
{{- printf "%s:%s@%s" .image.repository .image.tag .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository .image.tag -}}
{{- end -}}
{{- end -}}

{{/* Where the projected Vault token is mounted (VAULT_K8S_JWT_PATH). */}}
{{- define "meridian.vaultTokenDir" -}}/var/run/secrets/vault{{- end -}}

{{/* The ConfigMap data (env) of one service: connection settings from dependsOn, then svc.env. */}}
{{- define "meridian.env" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $env := dict
  "SERVICE_NAME" .name
  "LOG_LEVEL" $root.Values.global.logLevel
  "METRICS_PORT" (toString $root.Values.opsPort)
  "MERIDIAN_REGION" $root.Values.global.region
  "MERIDIAN_REGION_ROLE" $root.Values.global.regionRole
  "MERIDIAN_ENVIRONMENT" $root.Values.global.environment
  "NODE_ENV" "production"
-}}
{{- if $root.Values.global.otlpEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $root.Values.global.otlpEndpoint -}}
{{- end -}}
{{- if $svc.grpc.enabled -}}
{{- $_ := set $env "GRPC_HOST" "0.0.0.0" -}}
{{- $_ := set $env "GRPC_PORT" (toString $svc.grpc.port) -}}
{{- end -}}
{{- if has "kafka" $svc.dependsOn -}}
{{- $_ := set $env "KAFKA_BROKERS" $root.Values.kafka.bootstrapServers -}}
{{- $_ := set $env "KAFKA_CLIENT_ID" .name -}}
{{- end -}}
{{- if has "postgres" $svc.dependsOn -}}
{{- $_ := set $env "PGHOST" $root.Values.postgres.host -}}
{{- $_ := set $env "PGPORT" (toString $root.Values.postgres.port) -}}
{{- $_ := set $env "PGDATABASE" $root.Values.postgres.database -}}
{{- end -}}
{{- if has "redis" $svc.dependsOn -}}
{{- $_ := set $env "REDIS_URL" $root.Values.redis.url -}}
{{- end -}}
{{- if $svc.vault.enabled -}}
{{- $_ := set $env "SECRETS_PROVIDER" "vault" -}}
{{- $_ := set $env "VAULT_ADDR" $root.Values.vault.address -}}
{{- $_ := set $env "VAULT_AUTH" "kubernetes" -}}
{{- $_ := set $env "VAULT_ROLE" (required (printf "services.%s.vault.role is required when vault.enabled" .name) $svc.vault.role) -}}
{{- $_ := set $env "VAULT_K8S_MOUNT" $root.Values.vault.authMount -}}
{{- $_ := set $env "VAULT_K8S_JWT_PATH" (printf "%s/token" (include "meridian.vaultTokenDir" .)) -}}
{{- $_ := set $env "VAULT_KV_MOUNT" $root.Values.vault.kvMount -}}
{{- $_ := set $env "VAULT_DB_MOUNT" $root.Values.vault.databaseMount -}}
{{- if $svc.vault.databaseRole -}}
{{- $_ := set $env "VAULT_DB_ROLE" $svc.vault.databaseRole -}}
{{- end -}}
{{- end -}}
{{- range $target := $svc.callsServices -}}
{{- if not (index $root.Values.services $target).grpc.enabled -}}
{{- fail (printf "services.%s.callsServices: %s serves no gRPC" $.name $target) -}}
{{- end -}}
{{- end -}}
{{- /* Values may reference the release, e.g. another service's name: they go through tpl. */ -}}
{{- range $key, $value := $svc.env -}}
{{- $_ := set $env $key (tpl (toString $value) $root) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* Hardened pod and container security contexts. */}}
{{- define "meridian.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "meridian.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* NetworkPolicy egress rules to one infrastructure namespace on the given ports. */}}
{{- define "meridian.egressTo" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .namespace }}
  ports:
  {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
  {{- end }}
{{- end -}}

{{/*
meridian.workload: every object of one service. (dict "root" $ "name" <service> "svc" <values>)
ServiceAccount, ConfigMap, Service, Deployment, HPA, PDB, NetworkPolicy, ServiceMonitor.
*/}}
{{- define "meridian.workload" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
{{- $fullName := include "meridian.serviceName" . -}}
{{- $ctx := . -}}
{{- $env := include "meridian.env" . -}}
{{- $gsa := default (printf "%s@%s.iam.gserviceaccount.com" $name $root.Values.global.gcpProject) $svc.serviceAccount.gcpServiceAccount -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  # The bare service name: Vault's Kubernetes auth roles and the Workload Identity bindings
  # (k8s/base/vault/configure.sh, terraform) name this account `<namespace>/<service>`.
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
  annotations:
    iam.gke.io/gcp-service-account: {{ $gsa }}
# No API token in the pod: services that log in to Vault get a projected token with audience vault.
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
data:
  {{- $env | nindent 2 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "meridian.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- if $svc.grpc.enabled }}
    - name: grpc
      port: {{ $svc.grpc.port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    {{- end }}
    - name: ops
      port: {{ $root.Values.opsPort }}
      targetPort: ops
      protocol: TCP
      appProtocol: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "meridian.selectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "meridian.labels" $ctx | nindent 8 }}
        meridian.io/region: {{ $root.Values.global.region | quote }}
        {{- with $root.Values.global.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ $env | sha256sum }}
        kubectl.kubernetes.io/default-container: {{ $name }}
        {{- with $root.Values.global.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $root.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "meridian.podSecurityContext" $root | nindent 8 }}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      topologySpreadConstraints:
        - topologyKey: topology.kubernetes.io/zone
          maxSkew: {{ $root.Values.topologySpread.zone.maxSkew }}
          whenUnsatisfiable: {{ $root.Values.topologySpread.zone.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "meridian.selectorLabels" $ctx | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
        - topologyKey: kubernetes.io/hostname
          maxSkew: {{ $root.Values.topologySpread.hostname.maxSkew }}
          whenUnsatisfiable: {{ $root.Values.topologySpread.hostname.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "meridian.selectorLabels" $ctx | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
      containers:
        - name: {{ $name }}
          image: {{ include "meridian.image" (dict "root" $root "image" $svc.image) }}
          imagePullPolicy: {{ $root.Values.global.image.pullPolicy }}
          securityContext:
            {{- include "meridian.containerSecurityContext" $root | nindent 12 }}
          ports:
            {{- if $svc.grpc.enabled }}
            - name: grpc
              containerPort: {{ $svc.grpc.port }}
              protocol: TCP
            {{- end }}
            - name: ops
              containerPort: {{ $root.Values.opsPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $fullName }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          {{- if $svc.grpc.enabled }}
          startupProbe:
            grpc:
              port: {{ $svc.grpc.port }}
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          {{- else }}
          startupProbe:
            httpGet:
              path: /health/live
              port: ops
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          {{- end }}
          livenessProbe:
            httpGet:
              path: /health/live
              port: ops
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /health/ready
              port: ops
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- range $svc.writableDirs }}
            - name: {{ .name }}
              mountPath: {{ .mountPath }}
            {{- end }}
            {{- if $svc.vault.enabled }}
            - name: vault-token
              mountPath: {{ include "meridian.vaultTokenDir" $ctx }}
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
        {{- range $svc.writableDirs }}
        - name: {{ .name }}
          emptyDir:
            sizeLimit: {{ .sizeLimit }}
        {{- end }}
        {{- if $svc.vault.enabled }}
        # Vault Kubernetes auth (ADR 0011): a short-lived token only Vault accepts, not the API token.
        - name: vault-token
          projected:
            sources:
              - serviceAccountToken:
                  audience: {{ $root.Values.vault.tokenAudience }}
                  expirationSeconds: {{ $root.Values.vault.tokenExpirationSeconds }}
                  path: token
        {{- end }}
{{- if $svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $fullName }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
spec:
  {{- if hasKey $svc.podDisruptionBudget "minAvailable" }}
  minAvailable: {{ $svc.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $svc.podDisruptionBudget.maxUnavailable }}
  {{- end }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "meridian.selectorLabels" $ctx | nindent 6 }}
{{- if $root.Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "meridian.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # Prometheus scrapes the ops port.
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $root.Values.networkPolicy.prometheusNamespace }}
      ports:
        - protocol: TCP
          port: ops
    # The release's own pods (other services, helm tests) reach the ops and gRPC ports.
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: meridian
              app.kubernetes.io/instance: {{ $root.Release.Name }}
      ports:
        - protocol: TCP
          port: ops
        {{- if $svc.grpc.enabled }}
        - protocol: TCP
          port: grpc
        {{- end }}
    {{- if and $svc.grpc.enabled $svc.extraIngressFrom }}
    - from:
        {{- toYaml $svc.extraIngressFrom | nindent 8 }}
      ports:
        - protocol: TCP
          port: grpc
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $root.Values.networkPolicy.dnsNamespace }}
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
    {{- if has "kafka" $svc.dependsOn }}
    {{- include "meridian.egressTo" (dict "namespace" $root.Values.kafka.namespace "ports" $root.Values.kafka.ports) | nindent 4 }}
    {{- end }}
    {{- if has "postgres" $svc.dependsOn }}
    {{- include "meridian.egressTo" (dict "namespace" $root.Values.postgres.namespace "ports" (list $root.Values.postgres.port)) | nindent 4 }}
    {{- end }}
    {{- if has "redis" $svc.dependsOn }}
    {{- include "meridian.egressTo" (dict "namespace" $root.Values.redis.namespace "ports" (list $root.Values.redis.port)) | nindent 4 }}
    {{- end }}
    {{- if $svc.vault.enabled }}
    {{- include "meridian.egressTo" (dict "namespace" $root.Values.vault.namespace "ports" (list $root.Values.vault.port)) | nindent 4 }}
    {{- end }}
    {{- if $root.Values.global.otlpEndpoint }}
    {{- include "meridian.egressTo" (dict "namespace" $root.Values.networkPolicy.otelNamespace "ports" (list 4317)) | nindent 4 }}
    {{- end }}
    {{- range $target := $svc.callsServices }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "meridian.selectorLabels" (dict "root" $root "name" $target) | nindent 14 }}
      ports:
        - protocol: TCP
          port: {{ (index $root.Values.services $target).grpc.port }}
    {{- end }}
{{- end }}
{{- if $root.Values.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "meridian.labels" $ctx | nindent 4 }}
    {{- with $root.Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "meridian.selectorLabels" $ctx | nindent 6 }}
  namespaceSelector:
    matchNames: [{{ $root.Release.Namespace }}]
  endpoints:
    - port: ops
      path: /metrics
      interval: {{ $root.Values.serviceMonitor.interval }}
      relabelings:
        - targetLabel: region
          replacement: {{ $root.Values.global.region | quote }}
{{- end }}
{{- end -}}

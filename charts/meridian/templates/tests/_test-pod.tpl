{{/* Shared spec of a `helm test` pod: hardened, no token, no restarts. (root) */}}
{{- define "meridian.testPodSpec" -}}
restartPolicy: Never
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "meridian.podSecurityContext" . | nindent 2 }}
{{- end -}}

{{- define "meridian.testContainerBase" -}}
securityContext:
  {{- include "meridian.containerSecurityContext" . | nindent 2 }}
resources:
  requests: { cpu: 10m, memory: 16Mi }
  limits: { cpu: 100m, memory: 64Mi }
{{- end -}}

{{/* Whether a service has pods to test: enabled and not scaled to zero. (svc) */}}
{{- define "meridian.running" -}}
{{- if and .enabled (or .autoscaling.enabled (gt (int .replicas) 0)) -}}true{{- end -}}
{{- end -}}

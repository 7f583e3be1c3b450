package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type HelmVersion struct {
	Version   string
	GitCommit string
	GoVersion string
}

type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion HelmVersion
}

// The built-in API groups of a current cluster (Helm's default set, group/version level).
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1",
	"policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

func newCapabilities(kubeVersion string, extra []string) (*Capabilities, error) {
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("invalid --kube-version %q: %w", kubeVersion, err)
	}
	apis := append(VersionSet{}, defaultAPIVersions...)
	apis = append(apis, extra...)
	return &Capabilities{
		APIVersions: apis,
		KubeVersion: KubeVersion{
			Version: "v" + v.String(),
			Major:   fmt.Sprint(v.Major()),
			Minor:   fmt.Sprint(v.Minor()),
		},
		HelmVersion: HelmVersion{Version: "v3.16.0", GitCommit: "chart-render", GoVersion: "go1.19"},
	}, nil
}

type renderOptions struct {
	releaseName string
	namespace   string
	userValues  map[string]interface{}
	caps        *Capabilities
}

type document struct {
	source  string
	kind    string
	content string
	isTest  bool
	isHook  bool
}

type rendered struct {
	docs  []document
	notes string
}

// Helm's install order; kinds not listed follow, in alphabetical order.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
	"Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

func (r *rendered) manifest(skipTests bool) string {
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i
	}
	order := func(kind string) (int, string) {
		if i, ok := rank[kind]; ok {
			return i, ""
		}
		return len(installOrder), kind
	}
	var main, hooks []document
	for _, d := range r.docs {
		if d.isHook {
			if !(skipTests && d.isTest) {
				hooks = append(hooks, d)
			}
		} else {
			main = append(main, d)
		}
	}
	sort.SliceStable(main, func(i, j int) bool {
		ri, ki := order(main[i].kind)
		rj, kj := order(main[j].kind)
		if ri != rj {
			return ri < rj
		}
		return ki < kj
	})
	var b strings.Builder
	for _, d := range append(main, hooks...) {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", d.source, d.content)
	}
	return b.String()
}

var docSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

type docHead struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

func render(c *Chart, o renderOptions) (*rendered, error) {
	if c.Metadata.Type == "library" {
		return nil, fmt.Errorf("library charts are not installable")
	}
	if c.Metadata.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.Metadata.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("Chart.yaml kubeVersion %q is invalid: %w", c.Metadata.KubeVersion, err)
		}
		kv, _ := semver.NewVersion(o.caps.KubeVersion.Version)
		if !constraint.Check(kv) {
			return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
				c.Metadata.KubeVersion, o.caps.KubeVersion.Version)
		}
	}
	values := coalesce(c.Values, o.userValues)
	if err := validateSchema(c.Metadata.Name, c.Schema, values); err != nil {
		return nil, err
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name":      o.releaseName,
			"Namespace": o.namespace,
			"IsInstall": true,
			"IsUpgrade": false,
			"Revision":  1,
			"Service":   "Helm",
		},
		"Chart":        c.Metadata,
		"Capabilities": o.caps,
		"Files":        c.Files,
		"Subcharts":    map[string]interface{}{},
	}
	basePath := c.Metadata.Name + "/templates"

	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	for _, tf := range c.Templates {
		if _, err := root.New(tf.name).Parse(string(tf.data)); err != nil {
			return nil, cleanupParseError(err)
		}
	}
	out := &rendered{}
	for _, tf := range c.Templates {
		base := tf.name[strings.LastIndex(tf.name, "/")+1:]
		if strings.HasPrefix(base, "_") {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": tf.name, "BasePath": basePath}
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, tf.name, vals); err != nil {
			return nil, cleanupExecError(tf.name, err)
		}
		text := strings.ReplaceAll(b.String(), "<no value>", "")
		if base == "NOTES.txt" {
			if tf.name == basePath+"/NOTES.txt" {
				out.notes = text
			}
			continue
		}
		isTest := strings.HasPrefix(tf.name, basePath+"/tests/")
		for _, doc := range docSeparator.Split(text, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			doc = strings.TrimSpace(doc)
			var head docHead
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %w", tf.name, err)
			}
			if head.Kind == "" {
				return nil, fmt.Errorf("%s: a document has no kind:\n%s", tf.name, doc)
			}
			hook, isHook := head.Metadata.Annotations["helm.sh/hook"]
			out.docs = append(out.docs, document{
				source:  tf.name,
				kind:    head.Kind,
				content: doc,
				isHook:  isHook,
				isTest:  isTest || strings.Contains(hook, "test"),
			})
		}
	}
	return out, nil
}

const recursionMax = 1000

func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	included := map[string]int{}
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"include": func(name string, data interface{}) (string, error) {
			if included[name] > recursionMax {
				return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
			}
			included[name]++
			defer func() { included[name]-- }()
			var b strings.Builder
			err := root.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"tpl": func(text string, data interface{}) (string, error) {
			clone, err := root.Clone()
			if err != nil {
				return "", err
			}
			t, err := clone.New("tpl").Parse(text)
			if err != nil {
				return "", fmt.Errorf("cannot parse template %q: %w", text, err)
			}
			var b strings.Builder
			if err := t.Execute(&b, data); err != nil {
				return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
			}
			return strings.ReplaceAll(b.String(), "<no value>", ""), nil
		},
		"required": func(message string, value interface{}) (interface{}, error) {
			if value == nil {
				return nil, errors.New(message)
			}
			if s, ok := value.(string); ok && s == "" {
				return nil, errors.New(message)
			}
			return value, nil
		},
		"fail": func(message string) (string, error) { return "", errors.New(message) },
		// There is no cluster: lookup finds nothing, as in `helm template`.
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

var execErrorCall = regexp.MustCompile(`^template: (.*?): executing .*? error calling (?:required|fail|tpl|include): (.*)$`)

// cleanupExecError turns text/template's wrapping of required/fail into Helm's message.
func cleanupExecError(name string, err error) error {
	msg := err.Error()
	for {
		m := execErrorCall.FindStringSubmatch(msg)
		if m == nil {
			break
		}
		location, inner := m[1], m[2]
		if !execErrorCall.MatchString(inner) {
			return fmt.Errorf("execution error at (%s): %s", location, inner)
		}
		msg = inner
	}
	return fmt.Errorf("rendering %s: %s", name, msg)
}

func cleanupParseError(err error) error {
	return fmt.Errorf("parse error: %s", err)
}

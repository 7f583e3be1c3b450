package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"
)

// Metadata is Chart.yaml, with the field names templates see as .Chart.* (Helm's chart.Metadata).
type Metadata struct {
	Name         string            `json:"name"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []Maintainer      `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type templateFile struct {
	name string // e.g. meridian/templates/deployment.yaml
	data []byte
}

type Chart struct {
	Metadata  *Metadata
	Values    map[string]interface{}
	Schema    []byte
	Templates []templateFile
	Files     Files
}

// loadChart reads a chart directory the way Helm's loader sorts its files: Chart.yaml,
// values.yaml, values.schema.json, templates/ and everything else (.Files), minus .helmignore.
func loadChart(dir string) (*Chart, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a chart directory (packaged charts are not supported)", dir)
	}
	ignore, err := readHelmignore(filepath.Join(dir, ".helmignore"))
	if err != nil {
		return nil, err
	}
	raw := map[string][]byte{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignore.ignored(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		raw[rel] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := &Chart{Values: map[string]interface{}{}, Files: Files{}}
	chartYaml, ok := raw["Chart.yaml"]
	if !ok {
		return nil, fmt.Errorf("Chart.yaml file is missing in %s", dir)
	}
	c.Metadata = &Metadata{}
	if err := yaml.Unmarshal(chartYaml, c.Metadata); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	if err := validateMetadata(c.Metadata); err != nil {
		return nil, fmt.Errorf("validation: chart.metadata %w", err)
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data := raw[name]
		switch {
		case name == "Chart.yaml":
		case name == "values.yaml":
			values, err := readValues(data)
			if err != nil {
				return nil, fmt.Errorf("cannot load values.yaml: %w", err)
			}
			c.Values = values
		case name == "values.schema.json":
			c.Schema = data
		case strings.HasPrefix(name, "templates/"):
			c.Templates = append(c.Templates, templateFile{name: c.Metadata.Name + "/" + name, data: data})
		case strings.HasPrefix(name, "charts/"):
			return nil, fmt.Errorf("%s: subcharts are not supported by chart-render", name)
		default:
			c.Files[name] = data
		}
	}
	return c, nil
}

func validateMetadata(m *Metadata) error {
	if m.APIVersion != "v2" {
		return fmt.Errorf("apiVersion must be v2, got %q", m.APIVersion)
	}
	if m.Name == "" {
		return fmt.Errorf("name is required")
	}
	if m.Version == "" {
		return fmt.Errorf("version is required")
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		return fmt.Errorf("version %q is invalid", m.Version)
	}
	if m.Type != "" && m.Type != "application" && m.Type != "library" {
		return fmt.Errorf("type must be application or library, got %q", m.Type)
	}
	if len(m.Dependencies) > 0 {
		return fmt.Errorf("dependencies are not supported by chart-render")
	}
	return nil
}

// Files is .Files: every chart file outside templates/, Chart.yaml, values.yaml and the schema.
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string      { return string(f[name]) }

// Glob returns the files whose path matches a gobwas-style pattern ('*' stops at '/', '**' not).
func (f Files) Glob(pattern string) Files {
	re, err := globRegexp(pattern)
	out := Files{}
	if err != nil {
		return out
	}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

// AsConfig is the files as ConfigMap data: base name to content.
func (f Files) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// AsSecrets is the files as Secret data: base name to base64 content.
func (f Files) AsSecrets() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}

func (f Files) Lines(name string) []string {
	data, ok := f[name]
	if !ok {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	inClass := false
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case inClass:
			if ch == ']' {
				inClass = false
			}
			if ch == '!' && pattern[i-1] == '[' {
				b.WriteByte('^')
			} else {
				b.WriteByte(ch)
			}
		case ch == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case ch == '*':
			b.WriteString("[^/]*")
		case ch == '?':
			b.WriteString("[^/]")
		case ch == '[':
			inClass = true
			b.WriteByte('[')
		case ch == '{':
			b.WriteString("(?:")
		case ch == '}':
			b.WriteString(")")
		case ch == ',':
			b.WriteString("|")
		case ch == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(string(pattern[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

type ignoreRule struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
	base    bool // pattern without '/': matched against the base name
}

type ignoreRules []ignoreRule

func readHelmignore(file string) (ignoreRules, error) {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rules ignoreRules
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(line, "!") {
			r.negate = true
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			r.dirOnly = true
			line = strings.TrimSuffix(line, "/")
		}
		line = strings.TrimPrefix(line, "/")
		r.base = !strings.Contains(line, "/")
		re, err := globRegexp(line)
		if err != nil {
			return nil, fmt.Errorf(".helmignore: bad pattern %q: %w", line, err)
		}
		r.re = re
		rules = append(rules, r)
	}
	return rules, sc.Err()
}

func (rules ignoreRules) ignored(rel string, isDir bool) bool {
	ignored := false
	for _, r := range rules {
		if r.dirOnly && !isDir {
			continue
		}
		subject := rel
		if r.base {
			subject = path.Base(rel)
		}
		if r.re.MatchString(subject) {
			ignored = !r.negate
		}
	}
	return ignored
}

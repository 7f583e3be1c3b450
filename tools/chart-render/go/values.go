package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// readValues parses YAML like Helm does (through JSON: numbers become float64).
func readValues(data []byte) (map[string]interface{}, error) {
	var m map[string]interface{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// userSuppliedValues merges the -f files in order, then applies --set and --set-string.
func userSuppliedValues(files, sets, setStrings []string) (map[string]interface{}, error) {
	base := map[string]interface{}{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		current, err := readValues(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", file, err)
		}
		base = mergeMaps(base, current)
	}
	for _, s := range sets {
		if err := parseSetInto(s, base, false); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, s := range setStrings {
		if err := parseSetInto(s, base, true); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	return base, nil
}

// mergeMaps merges b into a copy of a; maps merge recursively, anything else in b replaces.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce lays user values over the chart's defaults; a null user value deletes the default.
func coalesce(defaults, user map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	for k, uv := range user {
		if uv == nil {
			delete(out, k)
			continue
		}
		if um, ok := uv.(map[string]interface{}); ok {
			if dm, ok := out[k].(map[string]interface{}); ok {
				out[k] = coalesce(dm, um)
				continue
			}
		}
		out[k] = uv
	}
	return out
}

// validateSchema checks the final values against values.schema.json, reporting like Helm.
func validateSchema(chartName string, schema []byte, values map[string]interface{}) error {
	if len(schema) == 0 {
		return nil
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("values.schema.json of %s cannot be used: %w", chartName, err)
	}
	if result.Valid() {
		return nil
	}
	problems := make([]string, 0, len(result.Errors()))
	for _, e := range result.Errors() {
		problems = append(problems, fmt.Sprintf("- %s", e))
	}
	sort.Strings(problems)
	return fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s",
		chartName, strings.Join(problems, "\n"))
}

// --set parsing, after Helm's strvals: a.b=c,list[0]=x,l={a,b}, with \ escaping , . = [.

type step struct {
	key     string
	index   int
	isIndex bool
}

const maxIndex = 65536

func parseSetInto(s string, dest map[string]interface{}, asString bool) error {
	for _, pair := range splitUnescaped(s, ',', true) {
		if pair == "" {
			continue
		}
		eq := indexUnescaped(pair, '=')
		if eq < 0 {
			return fmt.Errorf("key %q has no value", unescape(pair))
		}
		steps, err := parseKey(pair[:eq])
		if err != nil {
			return err
		}
		raw := pair[eq+1:]
		var value interface{}
		if !asString && strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			items := []interface{}{}
			for _, item := range splitUnescaped(raw[1:len(raw)-1], ',', false) {
				items = append(items, typedVal(unescape(item), false))
			}
			value = items
		} else {
			value = typedVal(unescape(raw), asString)
		}
		if _, err := assign(dest, steps, value); err != nil {
			return fmt.Errorf("%s: %w", pair[:eq], err)
		}
	}
	return nil
}

// splitUnescaped splits on sep outside backslash escapes (and outside {...} when braces).
func splitUnescaped(s string, sep byte, braces bool) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case braces && s[i] == '{':
			depth++
		case braces && s[i] == '}' && depth > 0:
			depth--
		case s[i] == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func indexUnescaped(s string, ch byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == ch {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func parseKey(key string) ([]step, error) {
	if key == "" {
		return nil, fmt.Errorf("empty key")
	}
	var steps []step
	for _, segment := range splitUnescaped(key, '.', false) {
		name := segment
		var indexes []int
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndex(name, "[")
			if open < 0 {
				return nil, fmt.Errorf("key %q has an unmatched ]", key)
			}
			n, err := strconv.Atoi(name[open+1 : len(name)-1])
			if err != nil || n < 0 || n > maxIndex {
				return nil, fmt.Errorf("key %q has a bad list index %q", key, name[open+1:len(name)-1])
			}
			indexes = append([]int{n}, indexes...)
			name = name[:open]
		}
		if name == "" && len(steps) == 0 {
			return nil, fmt.Errorf("key %q starts with a list index", key)
		}
		if name != "" {
			steps = append(steps, step{key: unescape(name)})
		}
		for _, n := range indexes {
			steps = append(steps, step{index: n, isIndex: true})
		}
	}
	return steps, nil
}

func assign(current interface{}, steps []step, value interface{}) (interface{}, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	if s.isIndex {
		list, _ := current.([]interface{})
		for len(list) <= s.index {
			list = append(list, nil)
		}
		v, err := assign(list[s.index], steps[1:], value)
		if err != nil {
			return nil, err
		}
		list[s.index] = v
		return list, nil
	}
	m, ok := current.(map[string]interface{})
	if !ok {
		m = map[string]interface{}{}
	}
	v, err := assign(m[s.key], steps[1:], value)
	if err != nil {
		return nil, err
	}
	m[s.key] = v
	return m, nil
}

func typedVal(val string, asString bool) interface{} {
	if asString {
		return val
	}
	switch {
	case strings.EqualFold(val, "true"):
		return true
	case strings.EqualFold(val, "false"):
		return false
	case strings.EqualFold(val, "null"):
		return nil
	case val == "0":
		return int64(0)
	}
	if val != "" && val[0] != '0' {
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			return n
		}
	}
	return val
}

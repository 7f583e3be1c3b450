// chart-render renders a Helm chart the way `helm template` does, offline, for the chart checks
// of tools/chart-render (helm itself is not installable on CI machines; the GitHub workflow runs
// the real `helm lint`/`helm template`). It implements the parts of Helm's semantics the Meridian
// chart uses: Chart.yaml, values.yaml coalesced with -f files and --set/--set-string, the
// values.schema.json check, .Values/.Release/.Chart/.Capabilities/.Files/.Template, Sprig plus
// Helm's own template functions, NOTES.txt and templates/tests. Subcharts are refused.
//
// Usage: chart-render [--release-name N] [--namespace NS] [-f values.yaml]... [--set k=v]...
//
//	[--set-string k=v]... [--kube-version v1.30.0] [--api-versions g/v]... [--skip-tests]
//	[--notes-out FILE] CHART_DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("chart-render", flag.ContinueOnError)
	var valuesFiles, sets, setStrings, apiVersions multiFlag
	releaseName := fs.String("release-name", "release-name", "release name (.Release.Name)")
	namespace := fs.String("namespace", "default", "release namespace (.Release.Namespace)")
	kubeVersion := fs.String("kube-version", "v1.30.0", "Kubernetes version for .Capabilities")
	notesOut := fs.String("notes-out", "", "write the rendered NOTES.txt to this file")
	skipTests := fs.Bool("skip-tests", false, "leave templates/tests out of the output")
	fs.Var(&valuesFiles, "f", "values file (repeatable, later wins)")
	fs.Var(&valuesFiles, "values", "values file (repeatable, later wins)")
	fs.Var(&sets, "set", "set values on the command line (a.b=c,d[0]=e)")
	fs.Var(&setStrings, "set-string", "set STRING values on the command line")
	fs.Var(&apiVersions, "api-versions", "extra API versions for .Capabilities.APIVersions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("expected exactly one chart directory argument, got %d", fs.NArg())
	}
	chart, err := loadChart(fs.Arg(0))
	if err != nil {
		return err
	}
	userValues, err := userSuppliedValues(valuesFiles, sets, setStrings)
	if err != nil {
		return err
	}
	caps, err := newCapabilities(*kubeVersion, apiVersions)
	if err != nil {
		return err
	}
	out, err := render(chart, renderOptions{
		releaseName: *releaseName,
		namespace:   *namespace,
		userValues:  userValues,
		caps:        caps,
	})
	if err != nil {
		return err
	}
	if *notesOut != "" {
		if err := os.WriteFile(*notesOut, []byte(out.notes), 0o644); err != nil {
			return err
		}
	}
	_, err = os.Stdout.WriteString(out.manifest(*skipTests))
	return err
}

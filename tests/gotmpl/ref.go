// ref.go - the reference for tests/integration/t_gotmpl_go.sh: Go's own
// text/template over the same documents, with Docker's template helpers
// (docker/cli templates.basicFunctions) and the same output framing as
// tests/helpers/gotmpl_run.c. Standard library only.
//
// JSON numbers that are integers (strconv.ParseInt succeeds) become int,
// others float64: the C engine makes the same choice (see gotmpl.h).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
)

func formatJSON(v interface{}) string {
	buf := &bytes.Buffer{}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(buf.String())
}

// join over []interface{} of strings too: the C engine's documented choice.
func join(v interface{}, sep string) (string, error) {
	switch a := v.(type) {
	case []string:
		return strings.Join(a, sep), nil
	case []interface{}:
		s := make([]string, len(a))
		for i, e := range a {
			t, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("join: element %d is not a string", i)
			}
			s[i] = t
		}
		return strings.Join(s, sep), nil
	}
	return "", fmt.Errorf("join: %T is not a list of strings", v)
}

var funcs = template.FuncMap{
	"json":  formatJSON,
	"split": strings.Split,
	"join":  join,
	"title": strings.Title,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(source string, prefix, suffix int) string {
		if source == "" {
			return source
		}
		return strings.Repeat(" ", prefix) + source + strings.Repeat(" ", suffix)
	},
	"truncate": func(source string, length int) string {
		if len(source) < length {
			return source
		}
		return source[:length]
	},
}

func convert(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(i)
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = convert(e)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = convert(e)
		}
	}
	return v
}

// docker/cli formatter.HeaderFunctions: a header gives back its argument.
var headerFuncs = template.FuncMap{
	"json":     func(v string) string { return v },
	"split":    func(v string, _ string) string { return v },
	"join":     func(v string, _ string) string { return v },
	"title":    func(v string) string { return v },
	"lower":    func(v string) string { return v },
	"upper":    func(v string) string { return v },
	"truncate": func(v string, _ int) string { return v },
}

var headers = map[string]string{
	"ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE",
	"Command": "COMMAND", "Status": "STATUS", "State": "STATE",
	"Ports": "PORTS", "RunningFor": "CREATED",
}

// docker/cli formatter.Context.Write: preFormat, rows, then for a table
// the header and everything through a tabwriter(10, 1, 3, ' ', 0).
func docker(format string, rows []interface{}, out *bufio.Writer) {
	table := strings.HasPrefix(format, "table")
	if table {
		format = format[len("table"):]
	}
	format = strings.Trim(format, " ")
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("").Funcs(funcs).Parse(format)
	if err != nil {
		fmt.Fprintf(out, "ERROR: %s\n", err)
		return
	}
	var buffer bytes.Buffer
	for _, row := range rows {
		if err := tmpl.Execute(&buffer, row); err != nil {
			fmt.Fprintf(out, "ERROR: %s\n", err)
			return
		}
		buffer.WriteString("\n")
	}
	if !table {
		out.Write(buffer.Bytes())
		return
	}
	t := tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)
	tmpl.Funcs(headerFuncs).Execute(t, headers)
	t.Write([]byte("\n"))
	buffer.WriteTo(t)
	t.Flush()
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "--docker" {
		raw, _ := os.ReadFile(os.Args[3])
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var rows []interface{}
		if err := dec.Decode(&rows); err != nil {
			panic(err)
		}
		for i := range rows {
			rows[i] = convert(rows[i])
		}
		formats, _ := os.ReadFile(os.Args[2])
		out := bufio.NewWriter(os.Stdout)
		defer out.Flush()
		for i, f := range strings.Split(strings.TrimRight(string(formats), "\n"), "\n") {
			fmt.Fprintf(out, "=== %d\n", i)
			docker(f, rows, out)
		}
		return
	}
	if len(os.Args) == 2 && os.Args[1] == "--tab" {
		w := tabwriter.NewWriter(os.Stdout, 10, 1, 3, ' ', 0)
		in, _ := os.ReadFile("/dev/stdin")
		w.Write(in)
		w.Flush()
		return
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var docs []interface{}
	if err := dec.Decode(&docs); err != nil {
		panic(err)
	}
	for i := range docs {
		docs[i] = convert(docs[i])
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	ti := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		line = strings.ReplaceAll(line, "\u23ce", "\n")
		t, perr := template.New("").Funcs(funcs).Parse(line)
		for d, doc := range docs {
			fmt.Fprintf(out, "=== %d %d\n", ti, d)
			if perr != nil {
				fmt.Fprintf(out, "ERROR: %s\n", perr)
				continue
			}
			var b bytes.Buffer
			xerr := t.Execute(&b, doc)
			out.Write(b.Bytes())
			if xerr != nil {
				fmt.Fprintf(out, "\nERROR: %s", xerr)
			}
			fmt.Fprintln(out)
		}
		ti++
	}
}

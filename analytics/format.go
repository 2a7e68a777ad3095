package analytics

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Formats are the ways a Table renders.
var Formats = []string{"table", "csv", "json", "html"}

// Write renders t to w in the given format: table (aligned text), csv,
// json (an array of objects, numbers as numbers) or html (a
// self-contained page with an SVG chart, no external resources).
func (t *Table) Write(w io.Writer, format string) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.Columns, "\t"))
		for _, r := range t.Rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.Columns)
		cw.WriteAll(t.Rows)
		return cw.Error()
	case "json":
		out := make([]map[string]any, 0, len(t.Rows))
		for _, r := range t.Rows {
			m := make(map[string]any, len(r))
			for i, v := range r {
				if i >= len(t.Columns) {
					break
				}
				if _, err := strconv.ParseFloat(v, 64); err == nil {
					m[t.Columns[i]] = json.Number(v)
				} else if v == "" {
					m[t.Columns[i]] = nil
				} else {
					m[t.Columns[i]] = v
				}
			}
			out = append(out, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "html":
		return WriteHTML(w, "callsight: "+t.Name, []*Table{t})
	}
	return fmt.Errorf("analytics: format %q: want %s", format, strings.Join(Formats, ", "))
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#f4f4f4}td:first-child{text-align:left}svg text{font:11px sans-serif}
</style></head><body><h1>{{.Title}}</h1>
{{range .Tables}}<section><h2>{{.Name}}</h2>
{{.Chart}}
<table><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></section>
{{end}}</body></html>
`))

// WriteHTML writes one self-contained page with a chart and a table per
// report.
func WriteHTML(w io.Writer, title string, tables []*Table) error {
	type sec struct {
		*Table
		Chart template.HTML
	}
	var secs []sec
	for _, t := range tables {
		secs = append(secs, sec{t, template.HTML(barChart(t))})
	}
	return pageTmpl.Execute(w, struct {
		Title  string
		Tables []sec
	}{title, secs})
}

// barChart draws the table's value column (a ratio if there is one, else
// the last numeric column) as horizontal bars labelled by its text
// columns. It returns "" when nothing is numeric.
func barChart(t *Table) string {
	if len(t.Rows) == 0 {
		return "<p>no rows</p>"
	}
	val := -1
	var labels []int
	for i := range t.Columns {
		numeric := true
		for _, r := range t.Rows {
			if i < len(r) && r[i] != "" {
				if _, err := strconv.ParseFloat(r[i], 64); err != nil {
					numeric = false
					break
				}
			}
		}
		if !numeric || i == 0 {
			labels = append(labels, i)
			continue
		}
		val = i
	}
	for i, c := range t.Columns {
		if c == "asr" || c == "ner" || c == "rate" || c == "share" || c == "avg_ms" || c == "acd_s" {
			val = i
			break
		}
	}
	if val < 0 {
		return ""
	}
	rows := t.Rows
	if len(rows) > 40 {
		rows = rows[:40]
	}
	maxv := 0.0
	for _, r := range rows {
		f, _ := strconv.ParseFloat(r[val], 64)
		maxv = max(maxv, f)
	}
	const lw, bw, bh = 260, 420, 16
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`,
		lw+bw+80, len(rows)*(bh+4)+24, template.HTMLEscapeString(t.Columns[val]))
	fmt.Fprintf(&b, `<text x="%d" y="12">%s</text>`, lw, template.HTMLEscapeString(t.Columns[val]))
	for i, r := range rows {
		var parts []string
		for _, l := range labels {
			if l < len(r) && l != val && r[l] != "" {
				parts = append(parts, r[l])
			}
		}
		f, _ := strconv.ParseFloat(r[val], 64)
		width := 0.0
		if maxv > 0 {
			width = f / maxv * bw
		}
		y := 20 + i*(bh+4)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, lw-6, y+12, template.HTMLEscapeString(strings.Join(parts, " · ")))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#4a7fb5"/>`, lw, y, width, bh)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`, float64(lw)+width+4, y+12, template.HTMLEscapeString(r[val]))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callsight/callsight/analytics"
)

// cmdReport runs one of the analysts' reports (or all of them) on a store.
func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", "embedded", "store: embedded[:DIR] | clickhouse://user:pass@host:9000/db")
	since := fs.String("since", "", "first call start time, RFC 3339 or YYYY-MM-DD (default: the beginning)")
	until := fs.String("until", "", "end of the range, exclusive, RFC 3339 or YYYY-MM-DD (default: no end)")
	tenant := fs.String("tenant", "", "only this tenant's calls")
	campaign := fs.String("campaign", "", "only this campaign's calls")
	format := fs.String("format", "table", "output: "+strings.Join(analytics.Formats, " | "))
	showSQL := fs.Bool("sql", false, "print the SQL instead of running it")
	fs.String("config", "", "JSON file of flag values")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: callsight report [flags] NAME|all\n\nreports: %s\n\nflags:\n", strings.Join(analytics.Reports(), ", "))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{fmt.Errorf("want one report name (%s) or all", strings.Join(analytics.Reports(), ", "))}
	}
	var p analytics.ReportParams
	var err error
	if p.Since, err = parseWhen(*since); err != nil {
		return usageError{fmt.Errorf("--since: %w", err)}
	}
	if p.Until, err = parseWhen(*until); err != nil {
		return usageError{fmt.Errorf("--until: %w", err)}
	}
	p.Tenant, p.Campaign = *tenant, *campaign
	names := []string{fs.Arg(0)}
	if fs.Arg(0) == "all" {
		names = analytics.Reports()
	}
	valid := false
	for _, f := range analytics.Formats {
		valid = valid || f == *format
	}
	if !valid {
		return usageError{fmt.Errorf("--format %q: want %s", *format, strings.Join(analytics.Formats, ", "))}
	}
	// A report name is checked before any store is opened.
	var sqls []string
	for _, n := range names {
		q, err := analytics.ReportSQL(n, p)
		if err != nil {
			return usageError{err}
		}
		sqls = append(sqls, q)
	}
	if *showSQL {
		for _, q := range sqls {
			fmt.Fprintln(stdout, q)
		}
		return nil
	}
	ctx := context.Background()
	var tables []*analytics.Table
	for _, n := range names {
		t, err := analytics.Report(ctx, *store, n, p)
		if err != nil {
			return err
		}
		tables = append(tables, t)
	}
	if *format == "html" {
		return analytics.WriteHTML(stdout, "callsight reports", tables)
	}
	for i, t := range tables {
		if len(tables) > 1 && *format == "table" {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "== %s\n", t.Name)
		}
		if err := t.Write(stdout, *format); err != nil {
			return err
		}
	}
	return nil
}

// parseWhen reads an RFC 3339 time or a UTC date; "" is the zero time.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

package analytics

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// ReportParams narrow a report to a time range and labels.
type ReportParams struct {
	// Since and Until bound the call start time, [Since, Until). Zero
	// values mean unbounded.
	Since, Until time.Time
	// Tenant and Campaign, when set, keep only their calls.
	Tenant, Campaign string
	// LibCHDB is where libchdb.so is, if not in a standard place.
	LibCHDB string
	// Server overrides connection settings for a clickhouse:// spec.
	DialTimeout, QueryTimeout time.Duration
}

// Table is a report's result: column names and rows of values rendered as
// text, NULL as the empty string.
type Table struct {
	Name    string
	Columns []string
	Rows    [][]string
}

// Reports lists the report names, sorted.
func Reports() []string {
	names, _ := fs.Glob(sqlFiles, "sql/reports/*.sql")
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.TrimSuffix(path.Base(n), ".sql"))
	}
	sort.Strings(out)
	return out
}

// ReportSQL returns a report's SQL with its parameters substituted, as it
// is sent to the store.
func ReportSQL(name string, p ReportParams) (string, error) {
	b, err := sqlFiles.ReadFile("sql/reports/" + name + ".sql")
	if err != nil || strings.ContainsAny(name, "/.") {
		return "", fmt.Errorf("analytics: report %q: unknown (have %s)", name, strings.Join(Reports(), ", "))
	}
	since, until := p.Since, p.Until
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	if until.IsZero() {
		until = time.Date(2105, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r := strings.NewReplacer(
		"{since}", timeLiteral(since),
		"{until}", timeLiteral(until),
		"{tenant}", quote(p.Tenant),
		"{campaign}", quote(p.Campaign),
	)
	return r.Replace(string(b)), nil
}

func timeLiteral(t time.Time) string {
	return "toDateTime('" + t.UTC().Format("2006-01-02 15:04:05") + "', 'UTC')"
}

// quote makes a ClickHouse string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Report runs the named report on the store named by spec ("embedded[:DIR]"
// or a clickhouse:// DSN).
func Report(ctx context.Context, spec string, name string, p ReportParams) (*Table, error) {
	q, err := ReportSQL(name, p)
	if err != nil {
		return nil, err
	}
	be, err := openForQuery(ctx, spec, p)
	if err != nil {
		return nil, err
	}
	defer be.close()
	t, err := be.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("analytics: report %s: %w", name, err)
	}
	t.Name = name
	return t, nil
}

// Query runs one SQL statement on the store named by spec, for tests and
// ad-hoc use.
func Query(ctx context.Context, spec string, q string, p ReportParams) (*Table, error) {
	be, err := openForQuery(ctx, spec, p)
	if err != nil {
		return nil, err
	}
	defer be.close()
	return be.query(ctx, q)
}

func openForQuery(ctx context.Context, spec string, p ReportParams) (backend, error) {
	kind, arg, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	cfg := DefaultConfig()
	cfg.LibCHDB = p.LibCHDB
	if p.DialTimeout > 0 {
		cfg.DialTimeout = p.DialTimeout
	}
	if p.QueryTimeout > 0 {
		cfg.QueryTimeout = p.QueryTimeout
	}
	var be backend
	switch kind {
	case "none":
		return nil, fmt.Errorf("analytics: store none keeps no calls to report on")
	case "embedded":
		be, err = openEmbedded(arg, cfg)
	default:
		be, err = openServer(ctx, arg, cfg)
	}
	if err != nil {
		return nil, err
	}
	// The tables exist even before the first call, so a report on an empty
	// store is empty rather than an error.
	if err := createSchema(ctx, be, cfg); err != nil {
		be.close()
		return nil, err
	}
	return be, nil
}

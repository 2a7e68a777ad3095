package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/analytics"
)

// `callsight report`'s own options: times as RFC 3339 or dates, a format
// or report it does not know is a usage error, and --sql shows the
// filters in the SQL without a store. (The reports and formats
// themselves run on real stores in analytics' tests.)
func TestReportCommand(t *testing.T) {
	for in, want := range map[string]time.Time{
		"":                          {},
		"2026-03-01":                time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00Z":      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00+03:00": time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC),
	} {
		if got, err := parseWhen(in); err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"--format", "pdf", "asr"}, {"nosuch"}, {"--since", "yesterday", "asr"}, {"asr", "ner"},
	} {
		out.Reset()
		err := cmdReport(args, &out, &errb)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("report %q: %v, want a usage error", args, err)
		}
	}
	out.Reset()
	if err := cmdReport([]string{"--sql", "--since", "2026-03-01", "--until", "2026-04-01", "--campaign", "spring", "asr"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-03-01 00:00:00", "2026-04-01 00:00:00", "'spring'", "FROM calls FINAL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report --sql: no %q in\n%s", want, out.String())
		}
	}
}

// Without libchdb.so, the default embedded store says how to get it (or
// how to point at a server) and replay goes on without storing; an
// embedded store asked for explicitly fails with the same advice.
func TestStoreWithoutLibCHDB(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no ~/.cache/callsight/libchdb.so
	t.Setenv("CHDB_LIB_PATH", "")
	if p, ok := analytics.LibCHDBAvailable(""); ok {
		t.Skipf("libchdb.so is installed system-wide (%s): cannot test its absence", p)
	}
	var logb bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logb, nil))
	w, err := openStore("embedded", false, "", analytics.Labels{}, log, &logb)
	if w != nil || err != nil {
		t.Fatalf("default store without libchdb: %v, %v; want no store and no error", w, err)
	}
	for _, want := range []string{"libchdb.so", "make libchdb", "CHDB_LIB_PATH", "--store clickhouse://"} {
		if !strings.Contains(logb.String(), want) {
			t.Errorf("the warning does not say %q: %s", want, logb.String())
		}
	}
	_, err = openStore("embedded:"+t.TempDir(), true, "", analytics.Labels{}, log, &logb)
	if err == nil || !errors.Is(err, analytics.ErrNoLibCHDB) || !strings.Contains(err.Error(), "make libchdb") {
		t.Errorf("explicit embedded store without libchdb: %v, want ErrNoLibCHDB saying how to get it", err)
	}
}

// `callsight schema` prints the DDL the writer runs: for a cluster and a
// database, every table qualified and ON CLUSTER; a name that is not an
// identifier, or an unknown version, is a usage error.
func TestSchemaCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := cmdSchema([]string{"--cluster", "c1", "--database", "calls_db", "--server-version", "18.16"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	ddl := out.String()
	for _, want := range []string{"CREATE TABLE IF NOT EXISTS calls_db.calls_local ON CLUSTER c1",
		"ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/calls_db/calls', '{replica}')",
		"ENGINE = Distributed(c1, 'calls_db', calls_local, cityHash64(call_id))", "DateTime('UTC')"} {
		if !strings.Contains(ddl, want) {
			t.Errorf("schema output lacks %q", want)
		}
	}
	if strings.Contains(ddl, "LowCardinality") || strings.Contains(ddl, "DateTime64") {
		t.Error("18.16's schema uses types 18.16 lacks")
	}
	for _, args := range [][]string{{"--database", "x;drop"}, {"--cluster", "a b"}, {"--server-version", "soon"}} {
		var ue usageError
		if err := cmdSchema(args, &out, &errb); !errors.As(err, &ue) {
			t.Errorf("schema %q: %v, want a usage error", args, err)
		}
	}
}

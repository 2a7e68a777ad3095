package analytics

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/google/go-cmp/cmp"
)

// TestReportFiltersAndFormats: the report options of `callsight report`
// on a real server. The corpus is written twice, under two campaigns of
// one tenant; --campaign keeps one, --tenant another tenant none, and
// --since/--until split the calls at a start time exactly as the JSONL
// says. Every format renders the same numbers: csv and json parse back
// to the table, html is one page with an SVG chart and nothing fetched
// from elsewhere.
func TestReportFiltersAndFormats(t *testing.T) {
	srv := startClickHouse(t)
	spec := srv.dsn("reports")
	calls, _ := loadCorpus(t)
	second := make([]outcome.Call, len(calls))
	for i, c := range calls {
		c.CallID += "-autumn"
		second[i] = c
	}
	for _, run := range []struct {
		campaign string
		calls    []outcome.Call
	}{{"spring", calls}, {"autumn", second}} {
		cfg := testConfig(t)
		cfg.Labels = Labels{Tenant: "acme", Campaign: run.campaign}
		if st := writeAll(t, spec, cfg, run.calls, nil); st.InsertedCalls != int64(len(calls)) {
			t.Fatalf("%s: %+v", run.campaign, st)
		}
	}
	ctx := context.Background()
	asr := func(p ReportParams) *Table {
		t.Helper()
		tb, err := Report(ctx, spec, "asr", p)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	col := func(tb *Table, name string) int {
		for i, c := range tb.Columns {
			if c == name {
				return i
			}
		}
		t.Fatalf("asr has no column %q: %v", name, tb.Columns)
		return -1
	}
	callsOf := func(tb *Table) map[string]string {
		m := map[string]string{}
		for _, r := range tb.Rows {
			m[r[col(tb, "tenant")]+"/"+r[col(tb, "campaign")]] = r[col(tb, "calls")]
		}
		return m
	}
	n := strconv.Itoa(len(calls))
	all := asr(ReportParams{})
	if got, want := callsOf(all), map[string]string{"acme/autumn": n, "acme/spring": n}; !cmp.Equal(got, want) {
		t.Errorf("asr, no filter: calls %v, want %v", got, want)
	}
	if got, want := callsOf(asr(ReportParams{Campaign: "spring"})), map[string]string{"acme/spring": n}; !cmp.Equal(got, want) {
		t.Errorf("asr --campaign spring: calls %v, want %v", got, want)
	}
	if tb := asr(ReportParams{Tenant: "other"}); len(tb.Rows) != 0 {
		t.Errorf("asr --tenant other: %v, want no rows", tb.Rows)
	}
	// A whole second in the middle of the corpus's starts (the server
	// keeps start times in seconds).
	starts := make([]time.Time, len(calls))
	for i, c := range calls {
		starts[i] = c.Start.Time.Truncate(time.Second)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	cut := starts[len(starts)/2]
	before := sort.Search(len(starts), func(i int) bool { return !starts[i].Before(cut) })
	if before == 0 || before == len(starts) {
		t.Fatalf("no split of the corpus at %s", cut)
	}
	if got, want := callsOf(asr(ReportParams{Campaign: "spring", Until: cut})), map[string]string{"acme/spring": strconv.Itoa(before)}; !cmp.Equal(got, want) {
		t.Errorf("asr --until %s: calls %v, want %v", cut, got, want)
	}
	if got, want := callsOf(asr(ReportParams{Campaign: "spring", Since: cut})), map[string]string{"acme/spring": strconv.Itoa(len(calls) - before)}; !cmp.Equal(got, want) {
		t.Errorf("asr --since %s: calls %v, want %v", cut, got, want)
	}

	checkReportValues(t, spec, calls)

	var b bytes.Buffer
	if err := all.Write(&b, "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if d := cmp.Diff(append([][]string{all.Columns}, all.Rows...), recs); d != "" {
		t.Errorf("csv does not read back as the table (-table +csv):\n%s", d)
	}
	b.Reset()
	if err := all.Write(&b, "json"); err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	if err := dec.Decode(&objs); err != nil || len(objs) != len(all.Rows) {
		t.Fatalf("json: %d objects, %v; want %d", len(objs), err, len(all.Rows))
	}
	for i, o := range objs {
		if num, ok := o["calls"].(json.Number); !ok || num.String() != all.Rows[i][col(all, "calls")] {
			t.Errorf("json row %d: calls %v (%T), want the number %s", i, o["calls"], o["calls"], all.Rows[i][col(all, "calls")])
		}
		if o["campaign"] != all.Rows[i][col(all, "campaign")] {
			t.Errorf("json row %d: campaign %v", i, o["campaign"])
		}
	}
	b.Reset()
	if err := all.Write(&b, "table"); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 1+len(all.Rows) || strings.Fields(lines[0])[0] != "tenant" {
		t.Errorf("table: %q", b.String())
	}
	var tables []*Table
	for _, name := range Reports() {
		tb, err := Report(ctx, spec, name, ReportParams{})
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tb)
	}
	b.Reset()
	if err := WriteHTML(&b, "callsight reports", tables); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<svg") {
		t.Errorf("html: not a page with an SVG chart:\n%.300s", page)
	}
	// (The SVG namespace, an identifier, is the one address allowed.)
	inline := strings.ReplaceAll(strings.ToLower(page), `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, ext := range []string{"http://", "https://", "src=", "href=", "<link", "@import", "url("} {
		if strings.Contains(inline, ext) {
			t.Errorf("html: refers to something outside the page (%q)", ext)
		}
	}
	for _, name := range Reports() {
		if !strings.Contains(page, "<h2>"+name+"</h2>") {
			t.Errorf("html: no section for report %s", name)
		}
	}
	if err := all.Write(&b, "pdf"); err == nil {
		t.Error("format pdf: no error")
	}
}

// TestSchemaTTL: with TTLDays, chDB's tables expire rows that old (the
// engine keeps the TTL), and on 18.16, which has no TTL, the same option
// is left out of a schema the server accepts.
func TestSchemaTTL(t *testing.T) {
	requireCHDB(t)
	cfg := testConfig(t)
	cfg.TTLDays = 30
	spec := "embedded:" + t.TempDir()
	w, err := Open(context.Background(), spec, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"calls", "legs", "signaling_events", "network_events"} {
		q := "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = '" + table + "'"
		if got := query1(t, spec, q); !strings.Contains(got, "TTL") || !strings.Contains(got, "toIntervalDay(30)") {
			t.Errorf("chDB %s: %s, want a TTL of 30 days", table, got)
		}
	}
	srv := startClickHouse(t)
	w, err = Open(context.Background(), srv.dsn("ttl"), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := query1(t, srv.dsn("ttl"), "SELECT count() FROM system.tables WHERE database = 'ttl' AND engine = 'ReplacingMergeTree'"); got != "4" {
		t.Errorf("18.16 with a TTL asked for: %s row tables, want 4", got)
	}
}

// checkReportValues: the numbers of asr, ner, causes and sip_status for
// the campaign "spring" (the corpus once, with its audio calls) are the
// JSONL's own counts.
func checkReportValues(t *testing.T, spec string, calls []outcome.Call) {
	t.Helper()
	count := func(keep func(c *outcome.Call) bool) string {
		n := 0
		for i := range calls {
			if keep(&calls[i]) {
				n++
			}
		}
		return strconv.Itoa(n)
	}
	is := func(outs ...string) func(c *outcome.Call) bool {
		return func(c *outcome.Call) bool {
			for _, o := range outs {
				if string(c.Outcome) == o {
					return true
				}
			}
			return false
		}
	}
	class := func(c *outcome.Call) string {
		if c.Audio == nil {
			return ""
		}
		return c.Audio.Class
	}
	voicemail := func(c *outcome.Call) bool {
		return c.Outcome == "machine" || class(c) == "voicemail" || class(c) == "machine"
	}
	announcement := func(c *outcome.Call) bool { return class(c) == "announcement" }
	live := func(c *outcome.Call) bool {
		return is("answered", "human", "fax", "silence")(c) && !voicemail(c) && !announcement(c)
	}
	want := map[string]map[string]string{
		"asr": {"calls": strconv.Itoa(len(calls)), "answered": count(is("answered", "human", "machine", "fax", "silence")),
			"voicemail": count(voicemail), "announcement": count(announcement)},
		"ner": {"answered_live": count(live), "answered_voicemail": count(voicemail), "answered_announcement": count(announcement),
			"busy": count(is("busy")), "no_answer": count(is("no_answer")), "rejected": count(is("rejected"))},
	}
	if count(voicemail) == "0" || count(announcement) == "0" {
		t.Fatalf("the corpus has %s voicemails and %s announcements: too few to check the reports by", count(voicemail), count(announcement))
	}
	p := ReportParams{Campaign: "spring"}
	for name, cols := range want {
		tb, err := Report(context.Background(), spec, name, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tb.Rows) != 1 {
			t.Fatalf("%s: %d rows, want 1", name, len(tb.Rows))
		}
		for i, c := range tb.Columns {
			if w, ok := cols[c]; ok && tb.Rows[0][i] != w {
				t.Errorf("%s: %s = %s, want %s from the JSONL", name, c, tb.Rows[0][i], w)
			}
		}
	}
	// causes and sip_status, summed by their key.
	sum := func(name string, key ...string) map[string]int {
		tb, err := Report(context.Background(), spec, name, p)
		if err != nil {
			t.Fatal(err)
		}
		idx := map[string]int{}
		for i, c := range tb.Columns {
			idx[c] = i
		}
		m := map[string]int{}
		for _, r := range tb.Rows {
			var k []string
			for _, c := range key {
				k = append(k, r[idx[c]])
			}
			n, _ := strconv.Atoi(r[idx["calls"]])
			m[strings.Join(k, "/")] += n
		}
		return m
	}
	causes, status := map[string]int{}, map[string]int{}
	for _, c := range calls {
		if c.Q850 != nil {
			causes[strconv.Itoa(int(*c.Q850))]++
		}
		if c.SIPStatus != nil {
			status[strconv.Itoa(*c.SIPStatus)+"/"+string(c.Outcome)]++
		}
	}
	if len(causes) < 3 || len(status) < 3 {
		t.Fatalf("the corpus has %d causes and %d status/outcome pairs: too few to check the reports by", len(causes), len(status))
	}
	if got := sum("causes", "q850"); !cmp.Equal(got, causes) {
		t.Errorf("causes: calls by cause %v, want %v from the JSONL", got, causes)
	}
	if got := sum("sip_status", "sip_status", "outcome"); !cmp.Equal(got, status) {
		t.Errorf("sip_status: calls by status and outcome %v, want %v from the JSONL", got, status)
	}
}

package analytics

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
)

// TestEnumsMatchSchema checks the Enum8 values the RowBinary encoder writes
// against the schema files, and that columns of one name agree.
func TestEnumsMatchSchema(t *testing.T) {
	e := enums()
	want := map[string]map[string]int8{
		"kind":  {"sip": 1, "isup": 2, "sip-i": 3},
		"proto": {"isup": 1, "sip": 2, "m3ua": 3, "gtpv1": 4, "gtpv2": 5, "other": 0},
	}
	for col, vals := range want {
		for name, v := range vals {
			if got, ok := e[col][name]; !ok || got != v {
				t.Errorf("enums()[%q][%q] = %d, %v; want %d", col, name, got, ok, v)
			}
		}
	}
	for _, o := range outcome.All {
		if _, ok := e["outcome"][string(o)]; !ok {
			t.Errorf("outcome %q is not in the calls table's Enum8", o)
		}
	}
	// Every Enum8 column of a name is declared alike in every file.
	decl := map[string]string{}
	names, _ := sqlFiles.ReadDir("sql/schema")
	space := regexp.MustCompile(`\s+`)
	for _, n := range names {
		b, _ := sqlFiles.ReadFile("sql/schema/" + n.Name())
		for _, m := range enumRE.FindAllStringSubmatch(string(b), -1) {
			d := space.ReplaceAllString(m[2], " ")
			if prev, ok := decl[m[1]]; ok && prev != d {
				t.Errorf("%s: Enum8 %s declared as %s and as %s", n.Name(), m[1], prev, d)
			}
			decl[m[1]] = d
		}
	}
}

// TestRowBinaryEmbedded writes rows with awkward values into chDB (in
// Native blocks: the name predates the switch) and reads them back as
// text.
func TestRowBinaryEmbedded(t *testing.T) {
	requireCHDB(t)
	spec := "embedded:" + filepath.Join(t.TempDir(), "chdb")
	u8, u16, i64, f32 := uint8(16), uint16(486), int64(-7), float32(0.25)
	pk := uint32(1 << 31)
	at := outcome.At(time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC))
	rows := []CallRow{
		{ // every field set; strings a text format would have to escape
			CallID: "id\twith\ntabs 'quotes' \\ and é", Tenant: "t", Campaign: strings.Repeat("c", 300),
			Calling: "", Called: "7916", StartTime: at, AlertTime: &at, AnswerTime: &at, EndTime: &at,
			Outcome: "busy", Q850: &u8, SIPStatus: &u16, PDDMS: &i64, DurationMS: &i64,
			ReleasedBy: "callee", CauseName: "user_busy", ISUPCause: &u8, SIPICause: &u8, ReasonCause: &u8,
			CausesValue: []uint16{17, 255}, CausesSource: []string{"isup_rel", "sip_reason"}, LegKinds: []string{"isup", "sip-i"},
			OPC: 1 << 20, DPC: 2, CIC: 65535, NI: 3, MediaPackets: &pk, MediaLossPct: &f32, MediaJitterMS: &f32,
			AMDConfidence: &f32, BeepEndMS: &i64, DecidedMS: &i64,
			EvidenceAt: []outcome.Time{at, at}, EvidenceSource: []string{"isup", "sip"}, EvidenceWhat: []string{"REL cause 17", ""},
			Legs: []LegRow{{Leg: 0, Kind: "isup", CIC: 7}, {Leg: 1, Kind: "sip-i", SIPCallID: "abc@host", MediaSide: []string{"caller"},
				MediaAddr: []string{"10.0.0.1:4000"}, MediaType: []string{"audio"}, MediaCodec: []string{"PCMA"}}},
		},
		// every nullable NULL, every array empty; call ids of the lengths
		// of a tab, a newline and a space, the whitespace a parser skips
		{CallID: strings.Repeat("x", 9), StartTime: at, Outcome: "unknown"},
		{CallID: strings.Repeat("y", 10), StartTime: at, Outcome: "unknown"},
		{CallID: strings.Repeat("z", 32), StartTime: at, Outcome: "unknown"},
	}
	w, err := Open(context.Background(), spec, testConfig(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.InsertedCalls != int64(len(rows)) || st.SpooledRows != 0 {
		t.Fatalf("stats %+v, want %d calls inserted and none spooled", st, len(rows))
	}
	q := `SELECT call_id, campaign, start_time, alert_time, outcome, q850, sip_status, pdd_ms, causes_value, causes_source,
  opc, cic, media_packets, media_loss_pct, amd_confidence, evidence_at, evidence_what, length(legs.leg) FROM calls FINAL
  LEFT JOIN (SELECT call_id, groupArray(leg) AS leg FROM legs GROUP BY call_id) AS legs USING call_id ORDER BY call_id`
	tb, err := Query(context.Background(), spec, q, ReportParams{})
	if err != nil {
		t.Fatal(err)
	}
	ts := "2026-03-01 12:00:00.123"
	want := [][]string{
		{rows[0].CallID, rows[0].Campaign, ts, ts, "busy", "16", "486", "-7", "[17,255]", "['isup_rel','sip_reason']",
			strconv.Itoa(1 << 20), "65535", fmt.Sprint(pk), "0.25", "0.25", "['" + ts + "','" + ts + "']", "['REL cause 17','']", "2"},
		{rows[1].CallID, "", ts, "", "unknown", "", "", "", "[]", "[]", "0", "0", "", "", "", "[]", "[]", "0"},
		{rows[2].CallID, "", ts, "", "unknown", "", "", "", "[]", "[]", "0", "0", "", "", "", "[]", "[]", "0"},
		{rows[3].CallID, "", ts, "", "unknown", "", "", "", "[]", "[]", "0", "0", "", "", "", "[]", "[]", "0"},
	}
	if len(tb.Rows) != len(want) {
		t.Fatalf("got %d rows %q, want %d", len(tb.Rows), tb.Rows, len(want))
	}
	for i := range want {
		for j := range want[i] {
			if tb.Rows[i][j] != want[i][j] {
				t.Errorf("row %d %s = %q, want %q", i, tb.Columns[j], tb.Rows[i][j], want[i][j])
			}
		}
	}
}

// TestRowBinaryUnknownEnum: a value the schema's Enum8 lacks is an error,
// not a wrong number.
func TestRowBinaryUnknownEnum(t *testing.T) {
	var e rowBinary
	if err := e.call(&CallRow{Outcome: "maybe"}); err == nil {
		t.Error("call with outcome \"maybe\": no error")
	}
	if err := e.leg(&CallRow{}, &LegRow{Kind: "h323"}); err == nil {
		t.Error("leg of kind \"h323\": no error")
	}
}

// TestRowBinaryAllocs: encoding a row into a warm buffer allocates nothing.
func TestRowBinaryAllocs(t *testing.T) {
	rows := synthetic(t, 64)
	var e rowBinary
	for i := range rows {
		e.call(&rows[i])
	}
	n := testing.AllocsPerRun(100, func() {
		e.b = e.b[:0]
		for i := range rows {
			if err := e.call(&rows[i]); err != nil {
				t.Fatal(err)
			}
			for j := range rows[i].Legs {
				e.leg(&rows[i], &rows[i].Legs[j])
			}
		}
	})
	if n != 0 {
		t.Errorf("RowBinary encoding of %d rows: %v allocations, want 0", len(rows), n)
	}
}

// BenchmarkRowBinaryCall is RowBinary encoding alone, a call and its legs
// per op (the embedded store's before it moved to Native:
// BenchmarkNativeCalls).
func BenchmarkRowBinaryCall(b *testing.B) {
	rows := synthetic(b, 10000)
	var e rowBinary
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := range b.N {
		if i%len(rows) == 0 {
			n += len(e.b)
			e.b = e.b[:0]
		}
		r := &rows[i%len(rows)]
		e.call(r)
		for j := range r.Legs {
			e.leg(r, &r.Legs[j])
		}
	}
	b.SetBytes(int64((n + len(e.b)) / max(b.N, 1)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestSchemaCompactParts: the row tables ask for compact parts where the
// server has them (20.3+, chDB), never on 18.16, whose parser rejects the
// setting (the store tests run both DDLs on real servers).
func TestSchemaCompactParts(t *testing.T) {
	for _, c := range []struct {
		v    string
		want int
	}{{"18.16.1", 0}, {"20.3.1", 4}, {"25.8.1", 4}} {
		v, err := ParseVersion(c.v)
		if err != nil {
			t.Fatal(err)
		}
		ddl, err := Schema(SchemaOptions{Features: FeaturesFor(v)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(strings.Join(ddl, "\n"), "min_bytes_for_wide_part"); got != c.want {
			t.Errorf("server %s: %d tables with compact parts, want %d", c.v, got, c.want)
		}
	}
}

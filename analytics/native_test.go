package analytics

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNativeUnknownEnum: a value the schema's Enum8 lacks is an error
// before anything reaches chDB.
func TestNativeUnknownEnum(t *testing.T) {
	e := &embedded{}
	if err := e.insertCalls(context.Background(), []CallRow{{Outcome: "maybe"}}); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("outcome maybe: err %v, want one naming it", err)
	}
	if err := e.insertCalls(context.Background(), []CallRow{{Outcome: "busy", Legs: []LegRow{{Kind: "h323"}}}}); err == nil || !strings.Contains(err.Error(), "h323") {
		t.Errorf("leg kind h323: err %v, want one naming it", err)
	}
}

// TestNativeManyBlocks writes more rows than one Native block holds into
// chDB and checks counts and array contents across the block boundaries.
func TestNativeManyBlocks(t *testing.T) {
	requireCHDB(t)
	n := 3*nativeChunk + 17
	rows := synthetic(t, n)
	var legs, evidence, mediaAddrs int
	for i := range rows {
		legs += len(rows[i].Legs)
		evidence += len(rows[i].EvidenceWhat)
		for _, l := range rows[i].Legs {
			mediaAddrs += len(l.MediaAddr)
		}
	}
	spec := "embedded:" + filepath.Join(t.TempDir(), "chdb")
	w, err := Open(context.Background(), spec, testConfig(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		w.WriteRow(rows[i])
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	w, err = Open(context.Background(), spec, testConfig(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	be := w.be.(*embedded)
	for q, want := range map[string]int{
		"SELECT count() FROM calls FINAL":                    n,
		"SELECT sum(length(evidence_what)) FROM calls FINAL": evidence,
		"SELECT count() FROM legs FINAL":                     legs,
		"SELECT sum(length(media_addr)) FROM legs FINAL":     mediaAddrs,
		"SELECT countIf(call_id = concat('syn-', toString(number))) FROM (SELECT call_id, toUInt64(substring(call_id, 5)) AS number FROM calls FINAL)": n,
	} {
		out, err := be.run(q, "TabSeparated")
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); got != want {
			t.Errorf("%s = %s, want %d", q, strings.TrimSpace(string(out)), want)
		}
	}
}

// BenchmarkNativeCalls is the embedded store's encoding alone: 100 000
// calls into Native blocks.
func BenchmarkNativeCalls(b *testing.B) {
	rows := synthetic(b, 100000)
	e := &nativeBlock{}
	cols := nativeCallCols()
	encodeNative(e, cols, rows)
	b.SetBytes(int64(len(e.b)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		encodeNative(e, cols, rows)
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

package analytics

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callsight/callsight/outcome"
)

// fullRow has every field of a CallRow set, so that a field the log
// forgets shows in the round trip.
func fullRow() CallRow {
	u8 := func(v uint8) *uint8 { return &v }
	i64 := func(v int64) *int64 { return &v }
	f32 := func(v float32) *float32 { return &v }
	u16, u32 := uint16(486), uint32(1234)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)
	return CallRow{
		CallID: "c1@example.com", Tenant: "acme", Campaign: "spring", Calling: "74950000001", Called: "79160000002",
		StartTime: outcome.At(t0), AlertTime: outcome.Ptr(t0.Add(time.Second)), AnswerTime: outcome.Ptr(t0.Add(2 * time.Second)),
		EndTime: outcome.Ptr(t0.Add(time.Minute)), Outcome: "busy", Q850: u8(17), SIPStatus: &u16, PDDMS: i64(1000),
		DurationMS: i64(-5), ReleasedBy: "callee", CauseName: "user_busy", CauseClass: "normal_event", CauseLocation: "user",
		CauseSource: "isup_rel", MappingProfile: "rfc3398", ISUPCause: u8(17), SIPICause: u8(18), ReasonCause: u8(19),
		CausesValue: []uint16{17, 18}, CausesSource: []string{"isup_rel", "sip_reason"}, LegKinds: []string{"isup", "sip"},
		OPC: 1, DPC: 2, CIC: 3, NI: 2, Trunk: "10.0.0.1", Codec: "PCMA", MediaPackets: &u32, MediaLossPct: f32(0.5),
		MediaJitterMS: f32(3.25), AMDClass: "human", AMDConfidence: f32(0.9), BeepEndMS: i64(4200), DecidedMS: i64(3000),
		EvidenceAt: []outcome.Time{outcome.At(t0), outcome.At(t0.Add(time.Millisecond))}, EvidenceSource: []string{"isup", "amd"},
		EvidenceWhat: []string{"REL cause 17", "tone"},
		Legs: []LegRow{{Leg: 0, Kind: "isup", OPC: 1, DPC: 2, CIC: 3, NI: 2},
			{Leg: 1, Kind: "sip", SIPCallID: "x@y", MediaSide: []string{"caller", "callee"}, MediaAddr: []string{"1.2.3.4:5", "6.7.8.9:10"},
				MediaType: []string{"audio", "audio"}, MediaCodec: []string{"PCMA", ""}}},
	}
}

func fullEvent() Event {
	c := uint8(16)
	return Event{File: "a.pcap", Frame: 1 << 40, TS: outcome.At(time.Date(2026, 3, 1, 10, 0, 0, 5, time.UTC)), Proto: "isup",
		Code: 12, Type: "REL", CIC: 7, OPC: 100, DPC: 200, Range: 3, Cause: &c, Method: "BYE", Status: 200, CSeqMethod: "INVITE",
		CallID: "k@z", Reasons: []string{"Q.850;cause=16"}, Network: true, Carrier: "op"}
}

var walCmp = []cmp.Option{cmpopts.EquateEmpty()}

// writeWAL logs rows and events into a fresh log in dir and closes it
// without acknowledging anything, as kill -9 would leave it.
func writeWAL(t testing.TB, dir string, rows []CallRow, evs []Event, noMap bool) {
	t.Helper()
	l, err := openWAL(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.segRows = 3 // several segments
	l.noMap = noMap
	for i := range rows {
		if _, err := l.appendCall(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range evs {
		if _, err := l.appendEvent(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	l.close()
}

func readAllWAL(t testing.TB, dir string) ([]CallRow, []Event, int) {
	t.Helper()
	names, _, err := walSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cb []CallRow
	var eb []Event
	bad := 0
	for _, n := range names {
		c, e, b, err := readWAL(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		cb, eb, bad = append(cb, c...), append(eb, e...), bad+b
	}
	return cb, eb, bad
}

// TestWALRoundTrip logs rows and reads them back: every field survives.
func TestWALRoundTrip(t *testing.T) {
	rows := []CallRow{fullRow(), {CallID: "minimal", StartTime: outcome.At(time.Unix(0, 0).UTC()), Outcome: "unknown"}}
	for i := range 5 {
		r := fullRow()
		r.CallID += string(rune('a' + i))
		rows = append(rows, r)
	}
	evs := []Event{fullEvent(), {File: "b", TS: outcome.At(time.Unix(1, 0).UTC()), Proto: "sip"}}
	for _, noMap := range []bool{false, true} {
		dir := t.TempDir()
		writeWAL(t, dir, rows, evs, noMap)
		if names, _, _ := walSegments(dir); len(names) != 3 {
			t.Errorf("noMap=%v: segments = %v, want 3 of 3 rows", noMap, names)
		}
		cb, eb, bad := readAllWAL(t, dir)
		if bad != 0 {
			t.Errorf("noMap=%v: bad records = %d, want 0", noMap, bad)
		}
		if d := cmp.Diff(rows, cb, walCmp...); d != "" {
			t.Errorf("noMap=%v: call rows after the log (-logged +read):\n%s", noMap, d)
		}
		if d := cmp.Diff(evs, eb, walCmp...); d != "" {
			t.Errorf("noMap=%v: events after the log (-logged +read):\n%s", noMap, d)
		}
	}
}

// TestWALReuse: segments emptied by acknowledgements are kept as spares
// and reused for later rows; a log left by a killed process (never
// closed) then reads back exactly the rows not yet acknowledged, and none
// of the reused segments' earlier, longer contents.
func TestWALReuse(t *testing.T) {
	dir := t.TempDir()
	l, err := openWAL(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.segRows = 3
	row := func(id string, long bool) CallRow {
		r := fullRow()
		r.CallID = id
		if long { // longer records than the second round's: old ones lie past the new
			r.EvidenceWhat = []string{strings.Repeat("x", 3000)}
		}
		return r
	}
	var acks []walAck
	for i := range 9 { // three segments, all acknowledged: spares
		r := row("old"+strconv.Itoa(i), true)
		seg, err := l.appendCall(&r)
		if err != nil {
			t.Fatal(err)
		}
		acks = addAck(acks, seg)
	}
	r := row("rotate", false) // seals the third segment
	if _, err := l.appendCall(&r); err != nil {
		t.Fatal(err)
	}
	l.ack(acks)
	spares := len(l.spare)
	if spares != 3 {
		t.Fatalf("spares after acknowledging 3 segments: %d, want 3", spares)
	}
	want := []CallRow{r}
	for i := range 4 { // into the current segment, then a reused one
		r := row("new"+strconv.Itoa(i), false)
		if _, err := l.appendCall(&r); err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	if len(l.spare) != spares-1 {
		t.Errorf("spares after rotating: %d, want %d: one reused", len(l.spare), spares-1)
	}
	// kill -9: nothing closed. Only segments named as such are read.
	cb, _, bad := readAllWAL(t, dir)
	if bad != 0 {
		t.Errorf("bad records = %d, want 0", bad)
	}
	if d := cmp.Diff(want, cb, walCmp...); d != "" {
		t.Errorf("rows read back (-logged +read):\n%s", d)
	}
	// The next log removes the spares the killed one left.
	l2, err := openWAL(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l2.close()
	if left, _ := filepath.Glob(filepath.Join(dir, "spare-*.wal")); len(left) != 0 {
		t.Errorf("spares left after the next open: %v", left)
	}
	l.close()
}

// TestWALTornTail cuts the last segment at every byte of its last record:
// the rows before it read back, the cut one is counted bad, none panics.
func TestWALTornTail(t *testing.T) {
	rows := []CallRow{fullRow(), fullRow()}
	rows[1].CallID = "second"
	dir := t.TempDir()
	l, err := openWAL(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.appendCall(&rows[0])
	l.appendCall(&rows[1])
	l.close()
	names, _, _ := walSegments(dir)
	path := filepath.Join(dir, names[0])
	full, _ := os.ReadFile(path)
	first := len(walMagic) + 8 + int(binary.LittleEndian.Uint32(full[len(walMagic):]))
	end := first + 8 + int(binary.LittleEndian.Uint32(full[first:]))
	full = full[:end] // a mapped segment is longer: its preallocated tail is zeros
	for cut := first + 1; cut < len(full); cut++ {
		os.WriteFile(path, full[:cut], 0o644)
		cb, _, bad, err := readWAL(path)
		if err != nil || len(cb) != 1 || cb[0].CallID != rows[0].CallID || bad != 1 {
			t.Fatalf("cut at %d of %d: %d rows, %d bad, %v; want the first row and 1 bad", cut, len(full), len(cb), bad, err)
		}
	}
	// A flipped bit in the last record fails its CRC.
	b := append([]byte(nil), full...)
	b[len(b)-3] ^= 0x10
	os.WriteFile(path, b, 0o644)
	if cb, _, bad, _ := readWAL(path); len(cb) != 1 || bad != 1 {
		t.Errorf("flipped bit: %d rows, %d bad; want 1 row and 1 bad", len(cb), bad)
	}
}

// TestWALAck deletes a segment once it is sealed and all its rows are
// acknowledged, and keeps one that is not.
func TestWALAck(t *testing.T) {
	dir := t.TempDir()
	l, err := openWAL(dir, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	l.segRows = 2
	r := fullRow()
	var acks []walAck
	for range 5 {
		seg, err := l.appendCall(&r)
		if err != nil {
			t.Fatal(err)
		}
		acks = addAck(acks, seg)
	}
	if l.cur.m == nil {
		t.Error("the open segment is not mapped: records go through write(2)")
	}
	if len(acks) != 3 || acks[0].n != 2 || acks[2].n != 1 {
		t.Fatalf("acks = %+v, want runs of 2, 2, 1", acks)
	}
	if _, n := l.size(); n != 3 {
		t.Errorf("segments = %d, want 3", n)
	}
	l.ack(acks[:1])
	if names, _, _ := walSegments(dir); len(names) != 2 {
		t.Errorf("after acking the first segment: %v, want 2 left", names)
	}
	l.ack(acks[2:]) // the open segment: kept until sealed
	if names, _, _ := walSegments(dir); len(names) != 2 {
		t.Errorf("after acking the open segment: %v, want 2 left", names)
	}
	l.close()
	names, _, _ := walSegments(dir)
	if len(names) != 1 {
		t.Fatalf("after close: %v, want the unacknowledged segment only", names)
	}
	if cb, _, _, _ := readWAL(filepath.Join(dir, names[0])); len(cb) != 2 {
		t.Errorf("kept segment holds %d rows, want 2", len(cb))
	}
}

// FuzzWALRecord decodes arbitrary records: no panic, and a record that
// decodes re-encodes to one that decodes to the same row (the bytes may
// differ: a uvarint can be written longer than needed).
func FuzzWALRecord(f *testing.F) {
	var e rowBinary
	r := fullRow()
	e.b = append(e.b, 'c')
	e.walCall(&r)
	f.Add(e.b)
	ev := fullEvent()
	e.b = append(e.b[:0], 'e')
	e.walEvent(&ev)
	f.Add(e.b)
	f.Add([]byte{'c'})
	opts := append([]cmp.Option{cmpopts.EquateNaNs()}, walCmp...)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		var out rowBinary
		switch b[0] {
		case 'c':
			var r, r2 CallRow
			d := rbReader{b: b[1:]}
			if d.walCall(&r); d.err != nil {
				return
			}
			out.walCall(&r)
			d2 := rbReader{b: out.b}
			if d2.walCall(&r2); d2.err != nil {
				t.Fatalf("re-encoded call %x does not decode: %v", out.b, d2.err)
			}
			if diff := cmp.Diff(r, r2, opts...); diff != "" {
				t.Errorf("call after a second round trip (-first +second):\n%s", diff)
			}
		case 'e':
			var ev, ev2 Event
			d := rbReader{b: b[1:]}
			if d.walEvent(&ev); d.err != nil {
				return
			}
			out.walEvent(&ev)
			d2 := rbReader{b: out.b}
			if d2.walEvent(&ev2); d2.err != nil {
				t.Fatalf("re-encoded event %x does not decode: %v", out.b, d2.err)
			}
			if diff := cmp.Diff(ev, ev2, opts...); diff != "" {
				t.Errorf("event after a second round trip (-first +second):\n%s", diff)
			}
		}
	})
}

// BenchmarkWALAppend logs call rows as WriteCall does: one record each,
// copied into the mapped segment; acknowledged at once, so that emptied
// segments are reused as in a writer's steady state.
func BenchmarkWALAppend(b *testing.B) {
	l, err := openWAL(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer l.close()
	r := fullRow()
	var e rowBinary
	e.walCall(&r)
	b.SetBytes(int64(len(e.b) + 8))
	b.ReportAllocs()
	for b.Loop() {
		seg, err := l.appendCall(&r)
		if err != nil {
			b.Fatal(err)
		}
		l.ack([]walAck{{seg, 1}})
	}
}

// TestSpoolLock: a second writer on a spool directory in use is refused
// with the first one's process ID; once the first closes, the directory
// is free. (A killed process's flock goes with it: the crash tests reopen
// a killed writer's spool.)
func TestSpoolLock(t *testing.T) {
	spec := "clickhouse://default:@127.0.0.1:" + strconv.Itoa(freePort(t)) + "/callsight" // nothing listens: the writers spool
	cfg := testConfig(t)
	w1, err := Open(context.Background(), spec, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), spec, cfg, nil)
	if !errors.Is(err, ErrSpoolBusy) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second writer on %s: %v, want ErrSpoolBusy naming process %d", cfg.SpoolDir, err, os.Getpid())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	w1.Close(ctx)
	w3, err := Open(context.Background(), spec, cfg, nil)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	w3.Close(ctx)
}

// TestRedact: a store spec's password never reaches a message.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"clickhouse://ops:s3cret@db:9000/calls": "clickhouse://ops:***@db:9000/calls",
		"clickhouse://ops@db:9000/calls":        "clickhouse://ops@db:9000/calls",
		"embedded:./callsight-data":             "embedded:./callsight-data",
		"tcp://a:b:c@h:1/d":                     "tcp://a:***@h:1/d",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	_, _, err := parseSpec("mysql://ops:s3cret@db/calls")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("parseSpec of a wrong scheme: %v, want an error without the password", err)
	}
}

// TestSpoolBound: with the store unreachable, the spool fills up to its
// bound and no further; the batches that do not fit are dropped, counted
// and logged, never written past the bound; what was spooled is inserted
// once a store answers, by the next writer on the same spool.
func TestSpoolBound(t *testing.T) {
	down := "clickhouse://default:@127.0.0.1:" + strconv.Itoa(freePort(t)) + "/callsight?dial_timeout=200ms" // nothing listens
	calls, _ := loadCorpus(t)
	cfg := testConfig(t)
	cfg.BatchSize = 10
	cfg.MaxSpoolBytes = 40 << 10
	st, _ := writeWithin(t, down, cfg, calls, nil, 500*time.Millisecond) // the store is down: Close gives up
	if st.SpooledRows == 0 || st.DroppedRows == 0 || st.SpooledRows+st.DroppedRows != int64(len(calls)) {
		t.Fatalf("spooled %d and dropped %d of %d calls: want both, adding up", st.SpooledRows, st.DroppedRows, len(calls))
	}
	if st.SpoolBytes > cfg.MaxSpoolBytes {
		t.Errorf("spool holds %d bytes, over its bound of %d", st.SpoolBytes, cfg.MaxSpoolBytes)
	}
	srv := startClickHouse(t)
	if _, err := writeWithin(t, srv.dsn("bound"), cfg, nil, nil, time.Minute); err != nil { // replays the spool
		t.Fatal(err)
	}
	if got, want := query1(t, srv.dsn("bound"), "SELECT count() FROM calls FINAL"), strconv.FormatInt(st.SpooledRows, 10); got != want {
		t.Errorf("after the spool's replay: %s calls stored, want the %s spooled", got, want)
	}
}

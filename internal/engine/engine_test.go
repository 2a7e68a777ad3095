package engine

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/pcaps/gen"
)

// benchCapture returns a generated mixed-traffic capture (about 90% RTP,
// the rest SIP, ISUP over M3UA/SCTP and GTP-C) and its number of calls.
func benchCapture(tb testing.TB, packets int) ([]byte, int) {
	tb.Helper()
	var capb, truth bytes.Buffer
	if err := gen.Bench(&capb, &truth, packets, gen.DefaultConfig()); err != nil {
		tb.Fatal(err)
	}
	return capb.Bytes(), bytes.Count(truth.Bytes(), []byte("\n"))
}

func TestReplayGenerated(t *testing.T) {
	data, want := benchCapture(t, 50000)
	var got int
	var events bytes.Buffer
	e, err := New(DefaultConfig(), nil, &events, func(c *outcome.Call) { got++ })
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ReplayFile("bench.pcap", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	e.Finish()
	if got != want {
		t.Errorf("calls = %d, want %d", got, want)
	}
	st := e.Stats()
	if len(st.DecodeErrors) != 0 || len(st.Capture.Errors) != 0 {
		t.Errorf("decode errors on clean traffic: %v %v", st.DecodeErrors, st.Capture.Errors)
	}
	if st.Messages["sip"] == 0 || st.Messages["isup"] == 0 || st.Messages["gtpv2"] == 0 {
		t.Errorf("messages = %v, want sip, isup and gtpv2", st.Messages)
	}
	if st.UDPOther == 0 {
		t.Error("no RTP counted")
	}
	if n := bytes.Count(events.Bytes(), []byte("\n")); uint64(n) < st.Messages["sip"] {
		t.Errorf("%d event lines for %d SIP messages", n, st.Messages["sip"])
	}
}

// Memory must stay flat in the file's size: replaying a capture four times
// longer must not allocate four times as much per packet.
func TestReplayAllocsPerPacket(t *testing.T) {
	small, _ := benchCapture(t, 20000)
	large, _ := benchCapture(t, 80000)
	per := func(data []byte, packets float64) float64 {
		allocs := testing.AllocsPerRun(2, func() {
			e, _ := New(DefaultConfig(), nil, nil, nil)
			e.ReplayFile("x", bytes.NewReader(data))
			e.Finish()
		})
		return allocs / packets
	}
	a, b := per(small, 20000), per(large, 80000)
	t.Logf("allocations per packet: %.2f (20k packets), %.2f (80k packets)", a, b)
	if b > a*1.5+0.5 {
		t.Errorf("allocations per packet grow with the file: %.2f -> %.2f", a, b)
	}
	if b > 5 {
		t.Errorf("%.2f allocations per packet on mixed traffic; the RTP path must not allocate", b)
	}
}

// BenchmarkReplay is the whole signaling pipeline on mixed traffic: reading,
// L2-L4, reassembly, dispatch, decoding, correlation and JSONL-ready calls.
func BenchmarkReplay(b *testing.B) {
	data, _ := benchCapture(b, 200000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var packets uint64
	for b.Loop() {
		e, err := New(DefaultConfig(), nil, io.Discard, func(*outcome.Call) {})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.ReplayFile("bench.pcap", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		e.Finish()
		packets += e.Stats().Capture.Packets
	}
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
}

// Audio workers give the same calls as inline analysis: each leg's packets
// go to one worker, in order, so every detector sees the same audio.
func TestAudioWorkersMatchInline(t *testing.T) {
	data, _ := benchCapture(t, 60000)
	replayWith := func(workers int) (map[string]string, Stats) {
		cfg := DefaultConfig()
		cfg.AudioWorkers = workers
		var mu sync.Mutex
		verdicts := 0
		cfg.OnVerdict = func(VerdictEvent) { mu.Lock(); verdicts++; mu.Unlock() }
		got := map[string]string{}
		e, err := New(cfg, nil, nil, func(c *outcome.Call) {
			b, _ := json.Marshal(c)
			got[c.CallID] = string(b)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ReplayFile("bench.pcap", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		e.Finish()
		st := e.Stats()
		if st.RTPPackets > 0 && verdicts == 0 {
			t.Errorf("workers=%d: %d RTP packets analysed but no verdict reported", workers, st.RTPPackets)
		}
		return got, st
	}
	inline, ist := replayWith(0)
	worked, wst := replayWith(2)
	if ist.RTPPackets == 0 {
		t.Fatal("no RTP analysed")
	}
	if wst.AudioShedPackets == 0 && wst.RTPPackets != ist.RTPPackets {
		t.Errorf("RTP packets analysed: inline %d, workers %d", ist.RTPPackets, wst.RTPPackets)
	}
	if len(inline) != len(worked) {
		t.Fatalf("calls: inline %d, workers %d", len(inline), len(worked))
	}
	if wst.AudioShedPackets > 0 {
		t.Skipf("workers shed %d packets on this machine: outputs may differ", wst.AudioShedPackets)
	}
	for id, want := range inline {
		if worked[id] != want {
			t.Errorf("call %s differs:\ninline  %s\nworkers %s", id, want, worked[id])
			break
		}
	}
}

package engine

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/testcorpus"
	"github.com/callsight/callsight/media"
	"github.com/callsight/callsight/outcome"
)

// The nDPI fax capture: a TDM gateway call answered by a fax; the gateway
// suppresses silence and cuts the CED short, then re-INVITEs to T.38
// (m=image udptl t38), so the audio alone hears a short blip. Both SIP legs
// must be fax on the strength of the switch.
func TestT38SwitchIsFax(t *testing.T) {
	path := testcorpus.File(t, "ndpi/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []*outcome.Call
	e, err := New(DefaultConfig(), nil, nil, func(c *outcome.Call) { calls = append(calls, c) })
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ReplayFile(path, f); err != nil {
		t.Fatal(err)
	}
	e.Finish()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	for _, c := range calls {
		if c.Outcome != outcome.Fax {
			t.Errorf("call %s: outcome %s, want fax", c.CallID, c.Outcome)
		}
		found := false
		for _, ev := range c.Evidence {
			found = found || strings.Contains(ev.What, "T.38")
		}
		if !found {
			t.Errorf("call %s: no T.38 evidence in %+v", c.CallID, c.Evidence)
		}
		if c.DecidedMS == nil || *c.DecidedMS < 30000 {
			t.Errorf("call %s: decided_ms %v, want the re-INVITE's time after answer (~36.6 s)", c.CallID, c.DecidedMS)
		}
	}
}

// The Asterisk test suite's fax handshakes are RTP only (G.711 µ-law):
// CARRIER holds one side (CNG, then CED and V.21 flags), CUSTOMER both.
// Fed as a directly opened audio leg, every direction with audio must be a
// fax from its tones alone.
func TestRecordedFaxHandshakes(t *testing.T) {
	for _, name := range []string{"asterisk-testsuite/CARRIER_G711U.pcap", "asterisk-testsuite/CUSTOMER_G711U.pcap"} {
		path := testcorpus.File(t, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Split the capture's RTP by direction.
		type pkt struct {
			at  time.Time
			raw []byte
		}
		flows := map[string][]pkt{}
		rd, err := capture.NewReader(name, bytes.NewReader(data), capture.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := rd.Run(func(p *capture.Payload) {
			if p.Transport == capture.UDP && media.LooksLikeRTP(p.Data) {
				k := p.Src.String() + ">" + p.Dst.String()
				flows[k] = append(flows[k], pkt{p.Time, bytes.Clone(p.Data)})
			}
		}, nil); err != nil {
			t.Fatal(err)
		}
		checked := 0
		for k, ps := range flows {
			if len(ps) < 100 {
				continue
			}
			checked++
			var got *outcome.Call
			e, err := New(DefaultConfig(), nil, nil, func(c *outcome.Call) { got = c })
			if err != nil {
				t.Fatal(err)
			}
			e.OpenAudio(k, "", "", ps[0].at)
			for _, p := range ps {
				e.AudioPacket(k, p.at, p.raw)
			}
			e.CloseAudio(k, ps[len(ps)-1].at)
			e.Finish()
			if got != nil && got.Audio != nil {
				t.Logf("%s %s: %d packets, %s (%s)", name, k, len(ps), got.Outcome, got.Audio.Reason)
			}
			if got == nil || got.Outcome != outcome.Fax {
				var audio any
				if got != nil {
					audio = got.Audio
				}
				t.Errorf("%s %s (%d packets): outcome %v, want fax; audio %+v", name, k, len(ps), outcomeOf(got), audio)
			}
		}
		if checked == 0 {
			t.Errorf("%s: no RTP flow found", name)
		}
	}
}

func outcomeOf(c *outcome.Call) outcome.Outcome {
	if c == nil {
		return ""
	}
	return c.Outcome
}

// Live, the switch is a verdict the moment it is seen, and the last one a
// controller hears for the call, inline and with audio workers.
func TestT38SwitchLiveVerdict(t *testing.T) {
	path := testcorpus.File(t, "ndpi/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap")
	for _, workers := range []int{0, 2} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.AudioWorkers = workers
		var mu sync.Mutex
		last := map[string]VerdictEvent{}
		cfg.OnVerdict = func(v VerdictEvent) {
			mu.Lock()
			defer mu.Unlock()
			if v.Kind == "verdict" {
				last[v.CallID] = v
			}
		}
		e, err := New(cfg, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ReplayFile(path, f); err != nil {
			t.Fatal(err)
		}
		e.Finish()
		f.Close()
		if len(last) != 2 {
			t.Fatalf("workers %d: verdicts for %d calls, want 2", workers, len(last))
		}
		for id, v := range last {
			if v.Class != "fax" || v.Reason != "t38 switch" || v.MS < 30000 {
				t.Errorf("workers %d: call %s: last verdict %+v, want fax by the T.38 switch ~36.6 s after answer", workers, id, v)
			}
		}
	}
}

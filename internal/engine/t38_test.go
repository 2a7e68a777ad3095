package engine

import (
	"os"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
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

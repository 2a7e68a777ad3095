package engine

import (
	"encoding/binary"
	"strings"
	"sync"
	"testing"

	"github.com/callsight/callsight/outcome"
)

// TestFirstVerdictKept: the committed answered calls with the callee's
// first 3.6 s of audio after the answer removed (as a line that lost it,
// or a phone that sent nothing while its owner fumbled with it). Each
// such call is silence 3 s after the answer, which is what serve reports
// live first; then the voice or the greeting comes and changes the
// verdict, and serve reports that as a revised verdict. The output keeps
// the first verdict (audio.first_class, first_reason, first_ms, and an
// evidence line) so that replay can be scored on what a controller would
// have acted on first; calls whose verdict did not change have none.
func TestFirstVerdictKept(t *testing.T) {
	type source struct{ ssrc, t0 uint32 }
	seen := map[[6]byte]*source{}
	late := func(v udpView) bool {
		if !rtpFrom(false)(v) || len(v.payload) < 12 {
			return false
		}
		ssrc, ts := binary.BigEndian.Uint32(v.payload[8:]), binary.BigEndian.Uint32(v.payload[4:])
		k := [6]byte{v.src[0], v.src[1], v.src[2], v.src[3], byte(v.sport >> 8), byte(v.sport)}
		// A new source, or the marker of the answer on the early media's
		// (the generator jumps the timestamp there), starts the window.
		if s := seen[k]; s == nil || s.ssrc != ssrc || v.payload[1]&0x80 != 0 {
			seen[k] = &source{ssrc, ts}
		}
		return ts-seen[k].t0 < 3600*8
	}
	capture := filterCapture(t, "audio-answered.pcap.gz", late)
	calls, _ := replayFiles(t, capture)
	// The same with audio workers, which set the first verdict on their
	// goroutines: the same calls, the same first verdicts. Live, each
	// call's verdict events are the first verdict and, where the class
	// changed, one marked Revised with the new class.
	cfg := DefaultConfig()
	cfg.AudioWorkers, cfg.AudioQueue = 2, 1<<18
	var mu sync.Mutex
	events := map[string][]VerdictEvent{}
	cfg.OnVerdict = func(v VerdictEvent) {
		mu.Lock()
		defer mu.Unlock()
		if v.Kind == "verdict" {
			events[v.CallID] = append(events[v.CallID], v)
		}
	}
	workers := map[string]string{}
	replayWith(t, cfg, func(c *outcome.Call) {
		if c.Audio != nil {
			workers[c.CallID] = c.Audio.FirstClass
		}
	}, capture)
	for _, c := range calls {
		a := c.Audio
		if a == nil || a.FirstClass == "" {
			continue
		}
		ev := events[c.CallID]
		if len(ev) < 2 || ev[0].Class != a.FirstClass || ev[0].Revised || !ev[len(ev)-1].Revised || ev[len(ev)-1].Class != a.Class {
			t.Errorf("call %s: first %s, final %s; live verdict events %+v; want the first, then a revised one with the final class", c.CallID, a.FirstClass, a.Class, ev)
		}
	}
	for _, c := range calls {
		if c.Audio != nil && workers[c.CallID] != c.Audio.FirstClass {
			t.Errorf("call %s: first verdict %q inline, %q with audio workers", c.CallID, c.Audio.FirstClass, workers[c.CallID])
		}
	}
	changed := 0
	for _, c := range calls {
		a := c.Audio
		if a == nil || a.FirstClass == "" {
			continue
		}
		changed++
		if a.FirstClass == a.Class {
			t.Errorf("call %s: first verdict %s kept though the final one is the same", c.CallID, a.FirstClass)
		}
		if a.FirstMS == nil || c.DecidedMS != nil && *a.FirstMS > *c.DecidedMS {
			t.Errorf("call %s: first verdict at %v ms, final at %v ms", c.CallID, deref(a.FirstMS), deref(c.DecidedMS))
		}
		said := false
		for _, ev := range c.Evidence {
			said = said || strings.Contains(ev.What, "audio, first: "+a.FirstClass)
		}
		if !said {
			t.Errorf("call %s: no evidence names the first verdict %s", c.CallID, a.FirstClass)
		}
		t.Logf("call %s: first %s (%s) at %v ms, then %s (%s) at %v ms, outcome %s", c.CallID, a.FirstClass, a.FirstReason, deref(a.FirstMS), a.Class, a.Reason, deref(c.DecidedMS), c.Outcome)
	}
	if changed == 0 {
		t.Fatal("no call's verdict changed after its first: the capture no longer has speech 3.6 s after the answer")
	}
}

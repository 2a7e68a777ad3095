package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
)

// Stopping analysis once a verdict is final (live service) must not change
// any call's outcome, verdict time or beep end on the committed audio
// corpus: only what comes after a final verdict is no longer heard.
func TestSettleAfterKeepsVerdicts(t *testing.T) {
	files, _ := filepath.Glob("../../pcaps/audio/*.pcap.gz")
	if len(files) == 0 {
		t.Fatal("no committed audio corpus in pcaps/audio")
	}
	var settledLegs uint64
	run := func(settle time.Duration) map[string]*outcome.Call {
		cfg := DefaultConfig()
		cfg.SettleAfter = settle
		calls := map[string]*outcome.Call{}
		e, err := New(cfg, nil, nil, func(c *outcome.Call) { calls[c.CallID] = c })
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.ReplayFile(name, f); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		e.Finish()
		settledLegs = e.Stats().AudioSettled
		return calls
	}
	full, settled := run(0), run(5*time.Second)
	if settledLegs < 5 {
		t.Errorf("%d of %d calls settled, want the answered calls that went on after their verdict", settledLegs, len(settled))
	}
	if len(full) != len(settled) || len(full) < 40 {
		t.Fatalf("%d calls with full analysis, %d settled", len(full), len(settled))
	}
	str := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for id, c := range full {
		s := settled[id]
		if s == nil || s.Outcome != c.Outcome || str(s.DecidedMS) != str(c.DecidedMS) || str(s.BeepEndMS) != str(c.BeepEndMS) {
			t.Errorf("call %s: full %s decided %v beep %v; settled %v", id, c.Outcome, str(c.DecidedMS), str(c.BeepEndMS), s)
		}
	}
}

package engine

import (
	"path/filepath"
	"testing"

	"github.com/callsight/callsight/outcome"
)

// With NoAudio (serve --no-audio), the committed audio corpus gives the
// same calls from signaling alone: no RTP is decoded or bound, no call
// has an audio object, and an answered call is "answered", never a
// verdict only audio can give.
func TestNoAudio(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "audio", "*.pcap.gz"))
	if len(files) == 0 {
		t.Fatal("no committed audio captures")
	}
	withAudio, _ := replayFiles(t, files...)
	cfg := DefaultConfig()
	cfg.NoAudio = true
	var calls []*outcome.Call
	st := replayWith(t, cfg, func(c *outcome.Call) { calls = append(calls, c) }, files...)
	if len(calls) != len(withAudio) {
		t.Fatalf("%d calls without audio, %d with", len(calls), len(withAudio))
	}
	if st.RTPPackets != 0 || st.AudioLegs != 0 {
		t.Errorf("RTP packets %d, audio legs %d: want none analysed", st.RTPPackets, st.AudioLegs)
	}
	answered := 0
	for _, c := range calls {
		if c.Audio != nil {
			t.Errorf("call %s: audio %+v without audio analysis", c.CallID, c.Audio)
		}
		switch c.Outcome {
		case outcome.Human, outcome.Machine, outcome.Fax, outcome.Silence:
			t.Errorf("call %s: %s from signaling alone", c.CallID, c.Outcome)
		case outcome.Answered:
			answered++
		}
	}
	if answered == 0 {
		t.Error("no answered call: the corpus checks nothing")
	}
}

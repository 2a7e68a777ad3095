package engine

import (
	"testing"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/amd/asterisk"
)

// AMD()'s statuses map to a call's audio verdict: HUMAN and MACHINE decide,
// at AMD()'s sample; NOTSURE and HANGUP leave the call undecided with the
// cause as the reason; never a beep.
func TestAsteriskVerdict(t *testing.T) {
	for _, c := range []struct {
		in   asterisk.Verdict
		want amd.Verdict
	}{
		{asterisk.Verdict{At: -1}, amd.Verdict{Class: amd.Unknown, DecidedAt: -1}},
		{asterisk.Verdict{Status: asterisk.Human, At: 11200, Cause: "HUMAN-800-800"},
			amd.Verdict{Class: amd.Human, Decided: true, DecidedAt: 11200, Reason: "HUMAN-800-800"}},
		{asterisk.Verdict{Status: asterisk.Machine, At: 20000, Cause: "INITIALSILENCE-2500-2500"},
			amd.Verdict{Class: amd.Machine, Decided: true, DecidedAt: 20000, Reason: "INITIALSILENCE-2500-2500"}},
		{asterisk.Verdict{Status: asterisk.NotSure, At: 40000, Cause: "TOOLONG-5000"},
			amd.Verdict{Class: amd.Unknown, DecidedAt: -1, Reason: "TOOLONG-5000"}},
		{asterisk.Verdict{Status: asterisk.Hangup, At: 3000},
			amd.Verdict{Class: amd.Unknown, DecidedAt: -1, Reason: "HANGUP"}},
	} {
		c.want.BeepStart, c.want.BeepEnd, c.want.GreetingEnd = -1, -1, -1
		if got := asteriskVerdict(c.in); got != c.want {
			t.Errorf("asteriskVerdict(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestConfigDetector(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{{"", true}, {DetectorCallsight, true}, {DetectorAsterisk, true}, {"vosk", false}} {
		cfg := DefaultConfig()
		cfg.Detector = c.name
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate with Detector %q: %v, want ok %v", c.name, err, c.ok)
		}
	}
	cfg := DefaultConfig()
	cfg.Detector = DetectorAsterisk
	cfg.Asterisk.SilenceThreshold = 0
	if err := cfg.Validate(); err == nil {
		t.Error("Validate accepted an Asterisk SilenceThreshold of 0")
	}
	e := &Engine{cfg: cfg}
	if _, ok := e.newDetector().(asteriskDetector); !ok {
		t.Errorf("Detector %q: newDetector gave %T", cfg.Detector, e.newDetector())
	}
	e.cfg.Detector = ""
	if _, ok := e.newDetector().(*amd.Detector); !ok {
		t.Errorf("Detector \"\": newDetector gave %T, want *amd.Detector", e.newDetector())
	}
}

package engine

import (
	"fmt"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/amd/asterisk"
)

// The audio classifiers Config.Detector names.
const (
	DetectorCallsight = "callsight" // amd.Detector, the default
	DetectorAsterisk  = "asterisk"  // Asterisk AMD()'s rules (amd/asterisk), a baseline
)

// detector is what the engine needs from a call's audio classifier:
// *amd.Detector, or the Asterisk AMD() baseline behind asteriskDetector.
type detector interface {
	Write(pcm []int16, sample int64)
	Answer(sample int64)
	Forwarded()
	NewSource(sample int64)
	Taught(c amd.Class)
	End(sample int64)
	Samples() int64
	Verdict() amd.Verdict
}

// events appends the detector's events to buf (AMD() has none). The call
// is concrete, so that a buffer on the caller's stack stays there: through
// the interface it would escape, one allocation per call.
func events(d detector, buf []amd.Event) []amd.Event {
	if d, ok := d.(*amd.Detector); ok {
		return d.Events(buf)
	}
	return buf
}

// newDetector returns the classifier Config.Detector names (validated).
func (e *Engine) newDetector() detector {
	if e.cfg.Detector == DetectorAsterisk {
		return asteriskDetector{asterisk.New(e.cfg.Asterisk)}
	}
	d := amd.New(e.cfg.AMD)
	if e.greetings != nil {
		d.UseGreetings(e.greetings)
	}
	return d
}

func validDetector(name string) error {
	switch name {
	case "", DetectorCallsight, DetectorAsterisk:
		return nil
	}
	return fmt.Errorf("engine: detector %q: want %s or %s", name, DetectorCallsight, DetectorAsterisk)
}

// asteriskDetector runs Asterisk AMD()'s rules as a call's classifier.
// AMD() listens from answer and decides only HUMAN or MACHINE: those become
// the call's class, at the sample where AMD() decided, with AMDCAUSE as
// the reason. NOTSURE and HANGUP leave the call undecided (its outcome stays
// answered) with the cause as the reason. There are no events, no beep and
// no confidence.
type asteriskDetector struct{ *asterisk.Detector }

// Forwarded does nothing: AMD() knows no signaling.
func (a asteriskDetector) Forwarded() {}

// NewSource does nothing: AMD() listens from the answer only.
func (a asteriskDetector) NewSource(int64) {}

// Taught does nothing: AMD() learns nothing.
func (a asteriskDetector) Taught(amd.Class) {}

// Verdict returns AMD()'s verdict as the call's audio verdict.
func (a asteriskDetector) Verdict() amd.Verdict { return asteriskVerdict(a.Detector.Verdict()) }

// asteriskVerdict maps an AMD() verdict to a call's audio verdict.
func asteriskVerdict(v asterisk.Verdict) amd.Verdict {
	out := amd.Verdict{Class: amd.Unknown, DecidedAt: -1, BeepStart: -1, BeepEnd: -1, GreetingEnd: -1, Reason: v.Cause}
	switch v.Status {
	case asterisk.Human:
		out.Class, out.Decided, out.DecidedAt = amd.Human, true, v.At
	case asterisk.Machine:
		out.Class, out.Decided, out.DecidedAt = amd.Machine, true, v.At
	case asterisk.Hangup:
		out.Reason = "HANGUP"
	}
	return out
}

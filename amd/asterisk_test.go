package amd

import "github.com/callsight/callsight/amd/asterisk"

// asteriskAMD runs the baseline, Asterisk AMD()'s rules (package
// amd/asterisk), on a test call for comparison.
type asteriskAMD struct{ cfg asterisk.Config }

// asteriskDefaults is AMD() with the amd.conf Asterisk ships.
var asteriskDefaults = asteriskAMD{asterisk.DefaultConfig()}

// classify returns Human, Machine or Unknown (NOTSURE) and the decision time
// in samples after answer, running on the audio from answer on.
func (a asteriskAMD) classify(x []int16) (Class, int) {
	d := asterisk.New(a.cfg)
	d.Answer(0)
	d.Write(x, 0)
	d.End(int64(len(x)))
	v := d.Verdict()
	switch v.Status {
	case asterisk.Human:
		return Human, int(v.At)
	case asterisk.Machine:
		return Machine, int(v.At)
	}
	return Unknown, int(max(v.At, 0))
}

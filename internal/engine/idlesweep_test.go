package engine

import (
	"testing"
	"time"
)

// TestIdleSweepSteps: the idle sweep passes over every leg, so it runs
// once per idleEvery of capture time. Live sources interleave packets a
// little out of time order, and those small steps back must not each
// start a sweep (under load they were 9 sweeps in 10); a step back of
// more than idleEvery (the next file of a replay) starts one at once.
func TestIdleSweepSteps(t *testing.T) {
	e, err := New(DefaultConfig(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.audio["leg"] = &audioLeg{callID: "leg"} // no stream: counted, not touched
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	// Two seconds of packets every 10 ms, every other one 4 ms before the
	// packet ahead of it.
	for i := 0; i < 200; i++ {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		if i%2 == 1 {
			at = at.Add(-14 * time.Millisecond) // before the previous packet
		}
		e.maybeSweepIdle(at)
	}
	if e.idleSweeps < 19 || e.idleSweeps > 21 {
		t.Errorf("2 s of jittered packets: %d idle sweeps, want 20 (one per %v)", e.idleSweeps, idleEvery)
	}
	n := e.idleSweeps
	e.maybeSweepIdle(t0.Add(-time.Minute)) // the next file starts earlier
	if e.idleSweeps != n+1 {
		t.Errorf("clock back by a minute: %d sweeps, want one at once", e.idleSweeps-n)
	}
	e.maybeSweepIdle(t0.Add(-time.Minute + idleEvery))
	if e.idleSweeps != n+2 {
		t.Errorf("%v after the jump back: %d sweeps, want 2", idleEvery, e.idleSweeps-n)
	}
}

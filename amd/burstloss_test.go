package amd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBurstLossSIT: packet loss comes in bursts on real networks. A burst
// of five lost packets inside the first SIT segment cuts it into pieces too
// short to be segments, and one of four between the second and the third
// stretches the 0-30 ms gap the sequence allows. Lost packets are neither
// tone nor quiet: the pieces are one segment, the sequence holds, and the
// call is an announcement with no beep (its last segment, 1777 Hz for
// 380 ms after a pause, was a beep).
func TestBurstLossSIT(t *testing.T) {
	ann := speechAt(recording(t, "asterisk-sounds-ru/ss-noservice.wav"), -22)
	bad, n := 0, 0
	for _, cut1 := range []int{90, 110, 130} {
		for _, gap := range []int{60, 80} {
			for _, off := range []int{0, 3, 7} {
				n++
				var s signal = silence(ms(350) + off*8)
				seg1 := len(s)
				s = s.add(tones(ms(274), -20, 985.2))
				s = s.add(silence(ms(10)))
				s = s.add(tones(ms(274), -20, 1428.5))
				seg2end := len(s)
				s = s.add(silence(ms(20)))
				s = s.add(tones(ms(380), -20, 1776.7))
				s = s.add(silence(ms(300)))
				s = s.add(ann)
				s = s.add(silence(ms(1000)))
				pcm := impair(s, rand.New(rand.NewPCG(uint64(cut1), uint64(off))), -50, false, "alaw", 0)
				clear(pcm[seg1+ms(float64(cut1)) : seg1+ms(float64(cut1+100))]) // five packets lost
				clear(pcm[seg2end-ms(float64(gap-20)) : seg2end+ms(20)])        // and a burst between the segments
				r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
				if r.first.Class != Announcement || r.final.BeepEnd >= 0 {
					bad++
					t.Log(fmt.Sprintf("cut at %d ms, %d ms lost between segments, offset %d: first %v (%s), final %v, beep end %d; events %v",
						cut1, gap, off, r.first.Class, r.first.Reason, r.final.Class, r.final.BeepEnd, brief(ev)))
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d SITs cut by bursts of loss not an announcement, or with a beep", bad, n)
	}
}

// TestBurstLossBeep: a burst of lost packets inside a beep after a
// greeting. The pieces on either side are one beep, which ends where the
// tone ends, whichever piece is long enough to be a beep on its own. A
// first piece of 60-70 ms is too short to be a beep but is a piece of one,
// not a high voice's vowel: it must not become speech after the greeting,
// which would make the rest a tone after a word (see unmark). When the
// burst takes the beep's end, the end is where the line is heard again
// (the last 60 or 100 ms lost: within 30 ms of the true end, not 60-100 ms
// early).
func TestBurstLossBeep(t *testing.T) {
	greeting := speechAt(recording(t, "freeswitch/vm-not_available.wav"), -22)
	bad, n := 0, 0
	for _, hz := range []float64{340, 700, 1000, 1400} {
		for _, at := range []int{60, 70, 100, 200, 300, 500} {
			for _, lost := range []int{60, 100} {
				n++
				var s signal = silence(ms(400))
				s = s.add(greeting)
				s = s.add(silence(ms(400)))
				start := len(s)
				s = s.add(tones(ms(500), -20, hz))
				end := len(s)
				s = s.add(silence(ms(2500)))
				pcm := impair(s, rand.New(rand.NewPCG(uint64(at), uint64(lost))), -50, true, "ulaw", 0)
				from := at
				if at == 500 {
					from = at - lost // the beep's last packets
				}
				clear(pcm[start+ms(float64(from)) : start+ms(float64(from+lost))])
				r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
				v := r.final
				if v.Class != Machine || v.BeepEnd < 0 || math.Abs(float64(v.BeepEnd-int64(end))) > float64(ms(30)) {
					bad++
					t.Log(fmt.Sprintf("%.0f Hz, %d ms lost at %d ms: %v (%s), beep %d-%d, want -%d; events %v",
						hz, lost, at, v.Class, v.Reason, v.BeepStart, v.BeepEnd, end, brief(ev)))
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d beeps cut by a burst of loss missed or misplaced", bad, n)
	}
}

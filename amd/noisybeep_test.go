package amd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBeepsOverColouredNoise puts recorded voicemail beeps, and steady
// beeps at the V.21 frequencies (1650, 1675, 1850 Hz), after a recorded
// greeting on lines with brown, pink or babble noise 14-25 dB under the
// voice,
// at ten offsets of a millisecond against the detector's frames. Every
// beep is found, and ends within 30 ms of its true end.
//
// Two ways they were missed: the line's noise after a beep, measured for
// voicing once and then taken as voiced for 130 ms (the voicing shortcut
// inside a voiced run, which the beep's own tail in the first frame after
// it had started), made the beep a held vowel; and a beep near 1650 or
// 1850 Hz whose first or last frame mixed the two V.21 tones was taken
// for a run of marks inside fax flags. A low beep waits 800 ms to see
// whether it repeats like a busy tone, and the 300 ms after it had the same
// voicing shortcut; and 300 and 2500 Hz beeps measured a few Hz outside
// the band.
func TestBeepsOverColouredNoise(t *testing.T) {
	beeps := []struct {
		name string
		x    func() []float64
	}{
		{"asterisk beep.gsm", func() []float64 { return speechAt(recording(t, "asterisk-2005-sounds/beep.gsm"), -20) }},
		{"asterisk-ru beep.wav", func() []float64 { return speechAt(recording(t, "asterisk-sounds-ru/beep.wav"), -20) }},
		{"1650 Hz", func() []float64 { return tones(ms(450), -20, 1650) }},
		{"1675 Hz", func() []float64 { return tones(ms(450), -20, 1675) }},
		{"1850 Hz", func() []float64 { return tones(ms(450), -20, 1850) }},
		// The band's edges, which the tracker measures a few Hz out.
		{"300 Hz", func() []float64 { return tones(ms(400), -20, 300) }},
		{"2500 Hz", func() []float64 { return tones(ms(400), -20, 2500) }},
		{"336 Hz", func() []float64 { return tones(ms(270), -20, 336) }},
	}
	greeting := speechAt(recording(t, "asterisk-sounds-ru/vm-nobodyavail.wav"), -22)
	bad, n := 0, 0
	for _, b := range beeps {
		beep := b.x()
		for _, noise := range []string{"brown", "pink", "babble"} {
			for off := range 10 {
				n++
				rng := rand.New(rand.NewPCG(uint64(off), uint64(len(b.name))))
				var s signal = silence(ms(400) + off*8)
				s = s.add(greeting)
				s = s.add(silence(ms(350)))
				s = s.add(beep)
				end := len(s)
				s = s.add(silence(ms(2500)))
				var pcm []int16
				switch noise {
				case "brown", "babble":
					bn := brown(rng, len(s), -44)
					if noise == "babble" {
						bn = babble(rng, len(s), -36)
					}
					for i := range s {
						s[i] += bn[i]
					}
					pcm = impair(s, rng, -120, false, "alaw", 0)
				default:
					pcm = impair(s, rng, -46, true, "ulaw", 0)
				}
				r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
				v := r.final
				if v.Class != Machine || v.BeepEnd < 0 || math.Abs(float64(v.BeepEnd-int64(end))) > float64(ms(30)) {
					bad++
					t.Log(fmt.Sprintf("%s, %s noise, offset %d ms: %v (%s), beep end %d, want %d; events %v",
						b.name, noise, off, v.Class, v.Reason, v.BeepEnd, end, brief(ev)))
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d beeps missed or misplaced", bad, n)
	}
}

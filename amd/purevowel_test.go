package amd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// hi is a short "Hi!" from a high voice whose fundamental, where the
// vowel is loudest, stands alone on the line (F0 and the vowel's first
// formant near 300 Hz): a quiet onset and tail with harmonics, and
// between them pure ms of one steady tone at f0 and db dBFS.
func hi(pure int, f0, db float64) []float64 {
	var x []float64
	x = append(x, vowel(ms(30), f0*0.9)...)
	ph := 0.0
	for i := range ms(float64(pure)) {
		ph += 2 * math.Pi * f0 / rate
		// A 10 ms rise and fall, as the vowel swells.
		env := min(1, float64(i)/float64(ms(10)), float64(ms(float64(pure))-i)/float64(ms(10)))
		x = append(x, env*amp(db)*math.Sin(ph))
	}
	tail := vowel(ms(30), f0*0.95)
	for i := range tail {
		tail[i] *= 0.5
	}
	return append(x, tail...)
}

// TestPureVowelIsSpeech: a person answers with a short "Hi!" whose
// loudest 40-70 ms is a pure tone near 300 Hz. The tone tracker follows
// it, but a tone that short is no beep: its frames are speech, and the
// call is a person, not dead air because the vowel vanished.
func TestPureVowelIsSpeech(t *testing.T) {
	bad := 0
	n := 0
	for _, pure := range []int{40, 50, 60, 70} {
		for _, f0 := range []float64{260, 290, 320} {
			n++
			rng := rand.New(rand.NewPCG(uint64(pure), uint64(f0)))
			var s signal = silence(ms(500))
			s = s.add(hi(pure, f0, -14))
			s = s.add(silence(ms(3500)))
			r, ev := run(scenario{pcm: impair(s, rng, -48, false, "ulaw", 0), answer: 0}, 160)
			if r.first.Class != Human || r.final.BeepEnd >= 0 {
				bad++
				t.Logf("pure %d ms at %.0f Hz: %v (%s), beep end %d; events %v", pure, f0, r.first.Class, r.first.Reason, r.final.BeepEnd, brief(ev))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d short hellos with a pure vowel not called a person", bad, n)
	}
}

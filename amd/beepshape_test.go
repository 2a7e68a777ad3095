package amd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fm returns n samples of one tone whose frequency and relative amplitude
// at sample i are f(i), with 5 ms ramps.
func fm(n int, db float64, f func(i int) (hz, gain float64)) []float64 {
	x := make([]float64, n)
	ph := 0.0
	for i := range x {
		hz, a := f(i)
		ph += 2 * math.Pi * hz / rate
		x[i] = amp(db) * a * math.Sin(ph)
	}
	for i := 0; i < ms(5) && i < n/2; i++ {
		g := float64(i) / float64(ms(5))
		x[i] *= g
		x[n-1-i] *= g
	}
	return x
}

// TestBeepShapes: the record tones voicemails play after a greeting. A
// beep is one steady tone of roughly 300-2500 Hz lasting 80 ms to 2 s:
// whatever its shape within that (decaying like a bell, with vibrato, as
// a square wave, quiet, low, a rising three-note signal) its end is found
// to within 30 ms; chords, sweeps, and tones out of band or out of length
// are not beeps.
func TestBeepShapes(t *testing.T) {
	need(t, "espeak-ng")
	g := &gen{t: t, rng: rand.New(rand.NewPCG(9, 9))}
	greeting := g.say("Hi, you have reached Mary. Please leave a message after the tone.", false)
	square := func(hz float64) func(int) (float64, float64) {
		return func(i int) (float64, float64) { return hz, 1 }
	}
	three := signal(tones(ms(90), -20, 700)).add(silence(ms(30))).add(tones(ms(90), -20, 900)).add(silence(ms(30))).add(tones(ms(90), -20, 1100))
	for _, c := range []struct {
		name string
		beep []float64
		want bool
	}{
		{"1000 Hz", tones(ms(300), -20, 1000), true},
		{"350 Hz", tones(ms(400), -20, 350), true},
		{"320 Hz", tones(ms(400), -20, 320), true},
		{"2400 Hz", tones(ms(200), -20, 2400), true},
		{"bell 1000 Hz, -40 dB/s", fm(ms(600), -16, func(i int) (float64, float64) { return 1000, math.Exp(-float64(i) / rate * 4.6) }), true},
		{"vibrato 2% at 6 Hz", fm(ms(400), -20, func(i int) (float64, float64) { return 1000 * (1 + 0.02*math.Sin(2*math.Pi*6*float64(i)/rate)), 1 }), true},
		{"three rising notes", three, true},
		{"-40 dBFS", tones(ms(300), -40, 1000), true},
		{"440 Hz", fm(ms(300), -20, square(440)), true},
		{"chord 800+1200 Hz", tones(ms(400), -20, 800, 1200), false},
		{"sweep 800-1200 Hz", fm(ms(300), -20, func(i int) (float64, float64) { return 800 + 400*float64(i)/float64(ms(300)), 1 }), false},
		{"2700 Hz", tones(ms(300), -20, 2700), false},
		{"60 ms", tones(ms(60), -20, 1000), false},
		{"2.5 s", tones(ms(2500), -20, 1000), false},
	} {
		var s signal = silence(ms(300))
		s = s.add(speechAt(greeting, -20)).add(silence(ms(400))).add(c.beep)
		end := len(s)
		s = s.add(silence(ms(2500)))
		r, ev := run(scenario{pcm: impair(s, g.rng, -55, false, "ulaw", 0), answer: 0, beepStart: -1, beepEnd: -1}, 160)
		got := r.final.BeepEnd >= 0
		switch {
		case got != c.want:
			t.Errorf("%s: beep end %d, want a beep: %v (events %v)", c.name, r.final.BeepEnd, c.want, ev)
		case got && abs64(r.final.BeepEnd-int64(end)) > int64(ms(30)):
			t.Errorf("%s: beep end at %d, want %d +- 30 ms", c.name, r.final.BeepEnd, end)
		}
		if r.final.Class != Machine {
			t.Errorf("%s: %s, want machine", c.name, r.final.Class)
		}
	}
}

// TestBeepRightAfterGreeting: a beep 0-300 ms after the greeting's last
// word, as loud as the greeting, 6 dB louder or 6 dB quieter, is a beep
// whose end is found. Sound at a tone's level just before it makes the
// tone a note of music (soundBefore), but not the words of a greeting that
// ended less than 150 ms before it: without that exception, 7 of these 42
// beeps are missed.
func TestBeepRightAfterGreeting(t *testing.T) {
	need(t, "espeak-ng")
	g := &gen{t: t, rng: rand.New(rand.NewPCG(9, 9))}
	for _, text := range []string{"Hi, you have reached Mary. Please leave a message after the tone.", "Leave a message."} {
		greeting := g.say(text, false)
		for _, level := range []float64{-14, -20, -26} {
			for _, gap := range []float64{0, 40, 80, 120, 160, 200, 300} {
				var s signal = silence(ms(300))
				s = s.add(speechAt(greeting, -20)).add(silence(ms(gap))).add(tones(ms(300), level, 1000))
				end := len(s)
				s = s.add(silence(ms(2500)))
				r, ev := run(scenario{pcm: impair(s, g.rng, -55, false, "ulaw", 0), answer: 0, beepStart: -1, beepEnd: -1}, 160)
				if r.final.BeepEnd < 0 || abs64(r.final.BeepEnd-int64(end)) > int64(ms(30)) {
					t.Errorf("%q, beep at %v dBFS %v ms after it: beep end %d, want %d +- 30 ms (events %v)",
						text, level, gap, r.final.BeepEnd, end, brief(ev))
				}
			}
		}
	}
}

// TestRecordTonesApart: a record tone of two notes at different pitches
// 60-140 ms apart, after a greeting, ends where its second note does; and
// a beep on a line whose white noise stands only 6-11 dB under it is
// found, though the tracker may follow its onset late. Neither the note
// before the second one nor the beep's own onset is sound the beep went
// on from (soundBefore): before soundBefore skipped them, 2 of these 4
// record tones lost their second note and 5 of the 240 noisy beeps were
// missed (2 before soundBefore existed).
func TestRecordTonesApart(t *testing.T) {
	need(t, "espeak-ng")
	g := &gen{t: t, rng: rand.New(rand.NewPCG(5, 5))}
	greeting := g.say("Please leave a message after the tone.", false)
	for _, gap := range []float64{60, 90, 120, 140} {
		var s signal = silence(ms(300))
		s = s.add(speechAt(greeting, -18)).add(silence(ms(500)))
		s = s.add(tones(ms(200), -18, 1433)).add(silence(ms(gap))).add(tones(ms(200), -18, 1781))
		end := len(s)
		s = s.add(silence(ms(2500)))
		r, ev := run(scenario{pcm: impair(s, g.rng, -55, false, "ulaw", 0), answer: 0, beepStart: -1, beepEnd: -1}, 160)
		if r.final.BeepEnd < 0 || abs64(r.final.BeepEnd-int64(end)) > int64(ms(30)) {
			t.Errorf("two notes %v ms apart: beep end %d, want %d +- 30 ms (events %v)", gap, r.final.BeepEnd, end, brief(ev))
		}
	}
	missed, n := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 77))
		for _, under := range []float64{6, 7, 8, 9, 10, 11} {
			for _, hz := range []float64{1000, 1483} {
				n++
				var s signal = silence(ms(300))
				s = s.add(speechAt(greeting, -12)).add(silence(ms(700)))
				s = s.add(tones(ms(300), -16, hz))
				end := len(s)
				s = s.add(silence(ms(2500)))
				r, ev := run(scenario{pcm: impair(s, rng, -16-under, false, "alaw", 0), answer: 0, beepStart: -1, beepEnd: -1}, 160)
				if r.final.BeepEnd < 0 || abs64(r.final.BeepEnd-int64(end)) > int64(ms(40)) {
					missed++
					t.Logf("seed %d, %v Hz beep %v dB over white noise: beep end %d, want %d +- 40 ms (events %v)", seed, hz, under, r.final.BeepEnd, end, brief(ev))
				}
			}
		}
	}
	if missed > 2 {
		t.Errorf("%d of %d beeps over white noise missed, want at most 2", missed, n)
	}
}

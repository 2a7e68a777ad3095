package amd

import (
	"math/rand/v2"
	"testing"
)

// TestToneCutOffByTheEnd: a person says "Hello?" with music behind, and
// the audio stops right after a note 6 dB under the voice (the caller
// hangs up); the hang-up reaches the detector 150 ms after the last audio.
// Nothing was heard after the note, so nothing says it ended with quiet:
// it is no beep, and the person stays a person. The 50 ms that decide it
// count to the end of the audio, not to the hang-up.
func TestToneCutOffByTheEnd(t *testing.T) {
	need(t, "espeak-ng", "flite")
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 12))
		var s signal = silence(ms(400))
		s = s.add(speechAt(tts(t, voices[int(seed)%len(voices)], 175, "Hello?"), -20))
		s = s.add(silence(ms(float64(900 + 20*int(seed)))))
		s = s.add(tones(ms(300), -26, 700+40*float64(seed)))
		s = s.add(silence(ms(20)))
		pcm := impair(s, rng, -55, false, "alaw", 0)
		d := New(DefaultConfig())
		d.Answer(0)
		for p := 0; p < len(pcm); p += 160 {
			d.Write(pcm[p:min(p+160, len(pcm))], int64(p))
		}
		d.End(int64(len(pcm) + ms(150)))
		v := d.Verdict()
		if v.Class != Human || v.BeepEnd >= 0 {
			t.Errorf("seed %d: %v (%s), beep end %d, want a person and no beep; events %v", seed, v.Class, v.Reason, v.BeepEnd, brief(d.Events(nil)))
		}
	}
}

// TestHelloThenNewsUntilHangUp: a person says "Yes?" with a television on,
// a newsreader 10 dB under the voice talking before and after, and the
// caller hangs up 2.6-3 s after the answer, the news still going. Speech
// up to the hang-up makes a machine of a long greeting, but this speech is
// the hello, then quieter voices: a person.
func TestHelloThenNewsUntilHangUp(t *testing.T) {
	need(t, "espeak-ng", "flite")
	news := speechAt(tts(t, voices[0], 160, "Good evening. Here is the news. The city council met today to discuss the new budget for schools and roads."), -30)
	bad := 0
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 13))
		var s signal = silence(ms(float64(300 + 30*int(seed))))
		s = s.add(speechAt(tts(t, voices[int(seed)%len(voices)], 175, "Yes?"), -20))
		s = s.add(silence(ms(2000)))
		n := len(s) - ms(float64(100*int(seed)%300))
		off := ms(float64(400 * int(seed)))
		for i := range s {
			s[i] += news[(i+off)%len(news)]
		}
		s = s[:n]
		r, ev := run(scenario{pcm: impair(s, rng, -55, false, "ulaw", 0), answer: 0}, 160)
		if r.final.Class != Human {
			bad++
			t.Logf("seed %d: %v (%s); events %v", seed, r.final.Class, r.final.Reason, brief(ev))
		}
	}
	if bad > 1 {
		t.Errorf("%d of 8 people with the news behind them, hung up on while it went on, not called people (at most 1)", bad)
	}
}

// TestLoneNoteThenAnother: music at the answer, before the person speaks:
// a note, and 170-270 ms later a low one (440 Hz, which with no speech
// yet passes for a network tone), then "Hello?". A tone with no speech
// before it may be a beep-only voicemail's beep, which is followed by
// quiet; a tone at another pitch within the second it waits makes it a
// note, and the person a person.
func TestLoneNoteThenAnother(t *testing.T) {
	need(t, "espeak-ng", "flite")
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 14))
		var s signal = silence(ms(100))
		s = s.add(tones(ms(300), -24, 660+20*float64(seed)))
		s = s.add(silence(ms(float64(150 + 20*int(seed)))))
		s = s.add(tones(ms(300), -24, 440))
		s = s.add(silence(ms(300)))
		s = s.add(speechAt(tts(t, voices[int(seed)%len(voices)], 175, "Hello?"), -20))
		s = s.add(silence(ms(2500)))
		r, ev := run(scenario{pcm: impair(s, rng, -55, false, "alaw", 0), answer: 0}, 160)
		if r.first.Class != Human || r.final.Class != Human || r.final.BeepEnd >= 0 {
			t.Errorf("seed %d: first %v (%s), final %v (%s), beep end %d, want a person and no beep; events %v",
				seed, r.first.Class, r.first.Reason, r.final.Class, r.final.Reason, r.final.BeepEnd, brief(ev))
		}
	}
}

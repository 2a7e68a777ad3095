package amd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFirstSoundAfterNothing: a phone that suppresses silence without
// comfort noise sends nothing from the answer until the person says a
// short word, then 100 ms of its line's noise (the suppressor's hangover),
// then nothing again; what was not sent reaches the detector as digital
// silence. The word was the first sound: the background, learnt from what
// is heard, was the word itself, and it did not stand over it. Measured
// against the noise heard right after it, it is a voice, and the call a
// person's (dead air before). That background comes with the
// suppressor's hangover after the word: the word is judged when 250 ms of
// it were heard.
func TestFirstSoundAfterNothing(t *testing.T) {
	need(t, "espeak-ng", "flite")
	words := []string{"Hello?", "Yes?", "Алло?", "Да?"}
	bad := 0
	for seed := uint64(1); seed <= 16; seed++ {
		rng := rand.New(rand.NewPCG(seed, 16))
		v := voices[int(seed)%len(voices)]
		if seed%4 >= 2 {
			v = voice{"espeak-ng", "ru"}
		}
		word := speechAt(tts(t, v, 175, words[seed%4]), -24)
		// Seeds 9-16: the noise 10-12 dB under the word, which the
		// suppressor chops (its quieter frames not sent).
		floor := -46.0
		if seed > 8 {
			floor = -34 - float64(seed%3)
		}
		noise := impair(silence(len(word)+ms(100)), rng, floor, true, "alaw", 0)
		pcm := make([]int16, ms(float64(500+50*int(seed))))
		sent := impair(signal(word).add(silence(ms(100))), rng, -120, false, "alaw", 0)
		for i := range sent {
			sent[i] += noise[i]
		}
		if seed > 8 {
			// Frames under the noise plus 6 dB, before the word's last
			// loud one, are not sent: digital silence here.
			last := 0
			for f := 0; f+160 <= len(word); f += 160 {
				if rms(sent[f:f+160]) >= floor+6 {
					last = f
				}
			}
			for f := 0; f+160 <= last; f += 160 {
				if rms(sent[f:f+160]) < floor+6 {
					clear(sent[f : f+160])
				}
			}
		}
		pcm = append(pcm, sent...)
		pcm = append(pcm, make([]int16, ms(3000))...)
		r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
		if r.first.Class != Human || r.final.Class != Human {
			bad++
			t.Logf("seed %d (%q): first %v (%s), final %v; events %v", seed, words[seed%4], r.first.Class, r.first.Reason, r.final.Class, brief(ev))
		}
	}
	// Three low-SNR words are left: chopped to 40 ms or less of sound,
	// they are clicks to any rule (8 were dead air before the wait).
	if bad > 3 {
		t.Errorf("%d of 16 first words after nothing not taken for a person, want at most 3", bad)
	}
}

// rms is the level of x in dBFS.
func rms(x []int16) float64 {
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return 10 * math.Log10(sum/float64(max(1, len(x)))/(32768*32768)+1e-12)
}

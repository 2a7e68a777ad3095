package amd

import (
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
// person's (dead air before).
func TestFirstSoundAfterNothing(t *testing.T) {
	need(t, "espeak-ng", "flite")
	words := []string{"Hello?", "Yes?", "Алло?", "Да?"}
	bad := 0
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 16))
		v := voices[int(seed)%len(voices)]
		if seed%4 >= 2 {
			v = voice{"espeak-ng", "ru"}
		}
		word := speechAt(tts(t, v, 175, words[seed%4]), -24)
		noise := impair(silence(len(word)+ms(100)), rng, -46, true, "alaw", 0)
		pcm := make([]int16, ms(float64(500+50*int(seed))))
		for i, x := range impair(signal(word).add(silence(ms(100))), rng, -120, false, "alaw", 0) {
			pcm = append(pcm, x+noise[i])
		}
		pcm = append(pcm, make([]int16, ms(3000))...)
		r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
		if r.first.Class != Human || r.final.Class != Human {
			bad++
			t.Logf("seed %d (%q): first %v (%s), final %v; events %v", seed, words[seed%4], r.first.Class, r.first.Reason, r.final.Class, brief(ev))
		}
	}
	if bad > 0 {
		t.Errorf("%d of 8 first words after nothing not taken for a person", bad)
	}
}

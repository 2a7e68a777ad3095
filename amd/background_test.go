package amd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A person who answers with a television on: the voices behind go on
// after the hello, without a pause. At 15 dB under the hello (RMS over the
// whole call) they used to make 10 of 40 such people machines, by the
// length of the speech; the hello standing over what follows now keeps
// them people (3 of 40 left: voices that rise where the hello ends).
func TestHelloOverBackgroundVoice(t *testing.T) {
	need(t, "espeak-ng", "flite")
	reading := []string{
		"The weather today will be mostly sunny with a light breeze from the west and temperatures rising in the afternoon.",
		"I told him that we would meet at the station at seven but he never came and nobody knew where he had gone.",
		"In the news this evening the city council approved a new budget for roads, schools and public transport.",
		"She said the shop on the corner sells the best bread in town, and they open very early every morning.",
		"Can you pass me the salt please, and tell your brother that dinner is ready on the table.",
		"We should probably leave before the traffic gets bad, otherwise it will take us two hours to get home.",
	}
	hellos := []string{"Hello?", "Yes?", "Hello, who is this?", "Yeah, hello?", "Hi, Mary speaking."}
	machines := 0
	const n = 40
	for i := range n {
		g := &gen{t: t, rng: rand.New(rand.NewPCG(uint64(100+i), 7))}
		hello := speechAt(g.say(hellos[g.pick(len(hellos))], false), -20)
		s := signal(silence(ms(g.between(300, 900)))).add(hello).add(silence(ms(3500)))
		tv := speechAt(g.say(reading[g.pick(len(reading))], false), -20)
		off := g.pick(len(tv))
		e := 0.0
		for j := range s {
			e += tv[(off+j)%len(tv)] * tv[(off+j)%len(tv)]
		}
		gain := 32768 * math.Pow(10, -35.0/20) / math.Sqrt(e/float64(len(s)))
		for j := range s {
			s[j] += gain * tv[(off+j)%len(tv)]
		}
		r, ev := run(scenario{pcm: impair(s, g.rng, -60, false, "alaw", 0), answer: 0, beepStart: -1, beepEnd: -1}, 160)
		if r.first.Class == Machine {
			machines++
			t.Logf("case %d: %s (%s); %s", i, r.first.Class, r.first.Reason, brief(ev))
		}
	}
	if machines > 4 {
		t.Errorf("%d of %d people over a background voice called machines, want at most 4", machines, n)
	}
}

package gen

import (
	"fmt"
	"math"
	"math/rand"
)

// Sounds behind the callee (AudioOptions.Background): the cases where a
// detector that follows tones and voices is most easily fooled, drawn into
// evaluation sets of their own so that the usual sets stay as they are.
const (
	// BackgroundMusic: music behind a person (a radio) or under a
	// voicemail greeting (a music bed), 10-20 dB under the voice. It is a
	// melody of single notes, each as steady as a beep: pure, with
	// harmonics, or with vibrato, legato or plucked.
	BackgroundMusic = "music"
	// BackgroundVoices: other people talking behind a person who answers
	// (a television, a room), 10-20 dB under the voice, before, during and
	// after the hello.
	BackgroundVoices = "voices"
)

// behindText is what the voices behind a person say: a newsreader.
var behindText = map[string][]string{
	"en": {
		"Good evening. Here is the news. The city council met today to discuss the new budget for schools and roads.",
		"Temperatures will fall overnight, with rain moving in from the west by morning and clearing in the afternoon.",
		"In sport, the home team won their third match in a row after a late goal in the second half.",
	},
	"ru": {
		"Добрый вечер. В эфире новости. Сегодня городской совет обсудил новый бюджет для школ и дорог.",
		"Ночью похолодает, утром с запада придёт дождь, а к вечеру прояснится.",
	},
}

// behindNotes are the melody's notes: G4 to C6.
var behindNotes = []float64{392, 440, 493.9, 523.3, 587.3, 659.3, 698.5, 784, 880, 987.8, 1046.5}

// setBehind draws the sound behind the callee of a human or machine call
// of a set made with background kind; r is the set's own source of these
// draws, so the plan's other draws are those of the usual set.
func setBehind(p *audioPlan, kind string, r *rand.Rand) {
	if kind == "" || p.class != Human && !(p.class == Machine && kind == BackgroundMusic) {
		return
	}
	p.behind = kind
	p.behindDB = 10 + 10*r.Float64()
	p.behindSeed = r.Int63()
}

// mixBehind mixes the plan's sound behind the callee into x, the callee's
// audio after answer or a voicemail greeting's span of it (speech at
// p.gain).
func (g *audioGen) mixBehind(p *audioPlan, x []float64) error {
	if p.behind == "" || len(x) == 0 {
		return nil
	}
	r := rand.New(rand.NewSource(p.behindSeed))
	var b []float64
	switch p.behind {
	case BackgroundMusic:
		b = melody(r, len(x))
		setRMS(b, p.gain-p.behindDB)
	case BackgroundVoices:
		lang := p.lang
		if lang == "" {
			lang = "en" // a real person's recording: its language is not labelled
		}
		vs := g.tts.voices(lang)
		if len(vs) == 0 {
			return fmt.Errorf("gen: audio: no voice for language %s", lang)
		}
		texts := behindText[lang]
		var others []voice // another voice than the callee's
		for _, v := range vs {
			if p.voice == nil || v != *p.voice {
				others = append(others, v)
			}
		}
		if len(others) == 0 {
			others = vs
		}
		for k := r.Intn(len(texts)); len(b) < len(x); k++ {
			v := others[r.Intn(len(others))]
			s, err := g.tts.speak(v, texts[k%len(texts)])
			if err != nil {
				return fmt.Errorf("gen: audio: %w", err)
			}
			u := trimSilence(pcmFloat(s))
			setLevel(u, p.gain-p.behindDB)
			b = append(b, u...)
			b = append(b, make([]float64, msToN(200+400*r.Float64()))...)
		}
		// The talk is going on when the call is answered.
		off := r.Intn(max(1, len(b)-len(x)))
		b = b[off : off+len(x)]
	default:
		return fmt.Errorf("gen: audio: unknown background %q", p.behind)
	}
	// 50 ms fades: a recording's music starts and stops smoothly.
	fade := min(msToN(50), len(x)/2)
	for i := range x {
		g := 1.0
		if k := min(i, len(x)-1-i); k < fade {
			g = float64(k) / float64(fade)
		}
		x[i] += g * b[i]
	}
	return nil
}

// melody returns n samples of single notes of 150-500 ms: one kind per call
// of pure notes, notes with harmonics at 1/h², or notes with a 5.5 Hz
// vibrato of 0.6%, played legato or plucked (decaying, 60 ms apart).
func melody(r *rand.Rand, n int) []float64 {
	harm, vib := 1, 0.0
	switch r.Intn(3) {
	case 1:
		harm = 3
	case 2:
		vib = 0.006
	}
	plucked := r.Intn(2) == 0
	x := make([]float64, 0, n+msToN(600))
	for len(x) < n {
		l, f := msToN(150+350*r.Float64()), behindNotes[r.Intn(len(behindNotes))]
		ph := 0.0
		for i := range l {
			t := float64(i) / sampleRate
			env := min(1, t/0.01, float64(l-i)/sampleRate/0.01) // 10 ms ramps
			if plucked {
				env *= math.Exp(-2 * t)
			}
			ph += 2 * math.Pi * f * (1 + vib*math.Sin(2*math.Pi*5.5*t)) / sampleRate
			v := 0.0
			for h := 1; h <= harm; h++ {
				v += math.Sin(float64(h)*ph) / float64(h*h)
			}
			x = append(x, env*v)
		}
		if plucked {
			x = append(x, make([]float64, msToN(60))...)
		}
	}
	return x[:n]
}

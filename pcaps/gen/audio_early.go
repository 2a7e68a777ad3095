package gen

import (
	"math"
	"math/rand"
)

// Early media that is neither a network tone nor a final announcement,
// played before a person or a voicemail answers (evaluation sets only):
// a caller tune (a ringback melody instead of the ringing tone, common on
// mobile networks) or a short "please hold" notice. Either reaches the
// caller as 183 early media, so the audio before the answer must not decide
// the call.
var noticeText = map[string][]string{
	"en": {"Please hold, we are connecting your call.", "The subscriber has been notified of your call. Please wait."},
	"ru": {"Оставайтесь на линии, идёт соединение с абонентом.", "Абонент получит уведомление о вашем звонке. Пожалуйста, ожидайте."},
}

// tune returns n samples of a ringback melody at amp: notes of a pentatonic
// scale with a few harmonics and a plucked envelope, over a sustained
// chord, with a soft percussive tick on every beat.
func tune(rnd *rand.Rand, n int, amp float64) []float64 {
	x := make([]float64, n)
	scale := []float64{261.6, 293.7, 329.6, 392, 440, 523.3, 587.3}
	beat := msToN(300 + float64(rnd.Intn(200)))
	root := scale[rnd.Intn(3)]
	for p := 0; p < n; p += beat {
		f := scale[rnd.Intn(len(scale))]
		l := min(beat, n-p)
		for i := 0; i < l; i++ {
			t := float64(i) / sampleRate
			env := math.Min(1, t/0.005) * math.Exp(-4*t)
			s := 0.0
			for h, w := range []float64{1, 0.5, 0.3, 0.15} {
				s += w * math.Sin(2*math.Pi*f*float64(h+1)*float64(p+i)/sampleRate)
			}
			pad := 0.0
			for _, r := range []float64{1, 1.25, 1.5} {
				pad += math.Sin(2 * math.Pi * root / 2 * r * float64(p+i) / sampleRate)
			}
			tick := 0.0
			if i < msToN(15) {
				tick = (rnd.Float64()*2 - 1) * math.Exp(-float64(i)/float64(msToN(4)))
			}
			x[p+i] = amp * (0.45*env*s + 0.12*pad + 0.3*tick)
		}
	}
	return x
}

// callerTune is n samples of a caller tune at a level of its own.
func (g *audioGen) callerTune(n int) []float64 {
	return tune(g.rnd(), n, dbToAmp(g.uni(-24, -14)))
}

// notice synthesises a "please hold" notice in the plan's language (or
// English) with a voice of its own, keeping the callee's.
func (g *audioGen) notice(p *audioPlan) ([]float64, error) {
	lang := p.lang
	if noticeText[lang] == nil {
		lang = "en"
	}
	keep, keepLang, keepText := p.voice, p.lang, p.textOf
	p.voice, p.lang = nil, lang
	x, err := g.speech(p, g.pick(noticeText[lang]))
	p.voice, p.lang, p.textOf = keep, keepLang, keepText
	return x, err
}

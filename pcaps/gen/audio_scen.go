package gen

import (
	"fmt"
	"math"
	"math/rand"
	"net/netip"
	"path/filepath"
	"strconv"
	"time"
)

// Outcomes that only audio can tell (they refine Answered).
const (
	Human   = "human"
	Machine = "machine"
	Fax     = "fax"
	Silence = "silence"
)

// MS is a time in milliseconds that is null in JSON when not Valid.
type MS struct {
	V     int64
	Valid bool
}

// MarshalJSON writes the milliseconds or null.
func (m MS) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, m.V, 10), nil
}

// UnmarshalJSON reads milliseconds or null.
func (m *MS) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = MS{}
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("gen: ms value %q: %w", b, err)
	}
	*m = MS{V: v, Valid: true}
	return nil
}

func msp(v int64, ok bool) *MS { return &MS{V: v, Valid: ok} }

// AudioTruth describes how one call's audio was made. Times are
// milliseconds from the 200 OK's capture time (early media: from the 183).
type AudioTruth struct {
	Codec    string  `json:"codec"`
	PtimeMS  int     `json:"ptime_ms"`
	Loss     float64 `json:"loss"`
	JitterMS int     `json:"jitter_ms"`
	Reorder  float64 `json:"reorder"`
	// BurstLoss is set when packets were lost in bursts (a loss is
	// followed by another with probability 0.6: 2.5 packets on average)
	// rather than one at a time; Loss is still the mean rate.
	BurstLoss bool `json:"burst_loss,omitempty"`
	// SNRDB is the speech-to-noise ratio, null when no background noise was added.
	SNRDB    *float64 `json:"snr_db"`
	Noise    string   `json:"noise,omitempty"`
	GainDBFS *float64 `json:"gain_dbfs,omitempty"`
	// Forward is how the network said it forwarded the call before the
	// answer ("no-answer via Diversion", "user-busy via History-Info,
	// 181"...), empty when it did not.
	Forward string `json:"forward,omitempty"`
	// Behind is "music" or "voices" when that sound plays behind the
	// callee (AudioOptions.Background), BehindDB how many dB under the
	// callee's voice.
	Behind   string   `json:"behind,omitempty"`
	BehindDB *float64 `json:"behind_db,omitempty"`
	// SilenceSuppression is set when the callee did not send its quiet
	// packets, nor comfort noise, after the answer; HangoverMS is how long
	// it went on sending after its audio fell under its threshold.
	SilenceSuppression bool `json:"silence_suppression,omitempty"`
	HangoverMS         int  `json:"hangover_ms,omitempty"`
	// TTS is engine:voice of the synthesised speech.
	TTS string `json:"tts,omitempty"`
	// Source names recorded prompts used instead of TTS.
	Source string `json:"source,omitempty"`
	Lang   string `json:"lang,omitempty"`
	Text   string `json:"text,omitempty"`
	// EarlyMedia is what the callee played before answer: ringback, busy,
	// congestion, announcement, tune (a caller tune) or notice (a "please
	// hold" message before a person or a voicemail answers).
	EarlyMedia        string  `json:"early_media,omitempty"`
	EarlyMS           int64   `json:"early_ms,omitempty"`
	AnnouncementEarly *bool   `json:"announcement_early,omitempty"`
	SIT               bool    `json:"sit,omitempty"`
	Beeps             int     `json:"beeps"`
	BeepHz            float64 `json:"beep_hz,omitempty"`
	Fax               string  `json:"fax,omitempty"`
	SecondUtterance   bool    `json:"second_utterance,omitempty"`
	SSRCChange        bool    `json:"ssrc_change"`
	DTMF              string  `json:"dtmf,omitempty"`
	CN                bool    `json:"cn"`
	// MediaStartMS and MediaEndMS bound the callee's audio after answer.
	MediaStartMS int64 `json:"media_start_ms,omitempty"`
	// SoundStartMS is when the callee's first sound (speech or tone) starts.
	SoundStartMS *int64 `json:"sound_start_ms,omitempty"`
	MediaEndMS   int64  `json:"media_end_ms,omitempty"`
	// SDP is "nat" or "nosdp" when the SIP did not announce the RTP's
	// addresses (audio_sdp.go).
	SDP string `json:"sdp,omitempty"`
	// Voice is where the callee's voice comes from (evaluation sets only):
	// "real:FILE@S.SSs" for a real person's utterance cut from a shared-corpus
	// recording ("+S.SSs" when a second one follows), "tts:ENGINE:VOICE",
	// "prompt:SET" for recorded voicemail prompts.
	Voice string `json:"voice,omitempty"`
}

// audioPlan is one audio call's choices before synthesis.
type audioPlan struct {
	class      string // outcome, and for switched_off the variant
	variant    string // switched_off: early, answered; fax: cng, ced; silence: noise, digital
	lang       string
	pt         byte
	ptime      int
	early      string // ringback, busy, congestion, announcement, tune, notice, ""
	ringUS     bool   // 440+480 2/4 s ringback instead of 425 1/4 s
	sit        bool
	beeps      int
	second     bool
	shared     string // corpus prompt set for machine calls
	loss       float64
	burst      bool // losses come in bursts (harsh network sets)
	jitter     int
	reorder    float64
	ssrcChange bool
	dtmf       bool
	cn         bool // caller sends CN instead of low noise
	calleeCN   bool // silence class: callee sends CN
	snr        float64
	noiseKind  string
	gain       float64
	cause18    bool
	voice      *voice
	textOf     string
	sdp        string  // how the SIP announces media: SDPAsSent, SDPNAT, SDPNone (audio_sdp.go)
	real       []int   // human: indexes of real utterances (realSpeech.utts) instead of TTS
	forward    string  // RFC 5806 diversion reason the network forwarded the call for, "" when not
	behind     string  // BackgroundMusic or BackgroundVoices behind the callee, or ""
	behindDB   float64 // how far under the callee's voice it is
	behindSeed int64   // its own draws
	vad        bool    // the callee suppresses silence without comfort noise (AudioOptions.SilenceSuppression)
	hangover   int     // and sends this many ms after its audio fell under its threshold
	fwdHdr     string  // "diversion" or "history-info": how the 200 OK says so
	fwd181     bool    // a 181 Call Is Being Forwarded before the answer
}

// audioGen builds audio calls into one capture.
type audioGen struct {
	b       *builder
	tts     *tts
	shared  string
	short   bool
	k       int // calls so far, for addresses
	t       time.Time
	pending *Truth
	real    *realSpeech // real human utterances (evaluation sets with the shared corpus)
	fwd     *rand.Rand  // evaluation sets: draws of forwarding (their own, so the other draws stay put)
}

func (g *audioGen) rnd() *rand.Rand { return g.b.n.rnd }

func (g *audioGen) pick(xs []string) string { return xs[g.rnd().Intn(len(xs))] }

func (g *audioGen) uni(lo, hi float64) float64 { return lo + g.rnd().Float64()*(hi-lo) }

// Texts spoken by the callees.
var (
	humanText = map[string][]string{
		"en": {"Hello?", "Yes?", "Hello, this is John speaking.", "Hi, who is this?", "Hello, Mary speaking.", "Yeah, hello?"},
		"ru": {"Алло?", "Да, слушаю.", "Алло, говорите.", "Да?", "Слушаю вас."},
	}
	secondText  = map[string]string{"en": "Hello?", "ru": "Алло?"}
	machineText = map[string][]string{
		"en": {
			"Hi, you've reached Anna. I can't take your call right now, please leave a message after the tone.",
			"Hello, this is Mark. I cannot answer the phone right now. Leave a message.",
			"The person you are calling is not available. Please leave a message after the beep.",
			"Thanks for calling. Sorry we missed you. Leave your message and we'll get back to you.",
			"You have reached the voicemail of John Smith. I am not available at the moment. Please leave your name, your number and a short message after the tone, and I will call you back as soon as possible.",
		},
		"ru": {
			"Абонент не может ответить, оставьте сообщение после сигнала.",
			"Здравствуйте, вы позвонили Ивану. Я сейчас не могу ответить, оставьте сообщение после звукового сигнала.",
			"Вас приветствует голосовая почта. Абонент временно недоступен. Пожалуйста, оставьте ваше сообщение после сигнала, и вам обязательно перезвонят.",
		},
	}
	offText = map[string][]string{
		"en": {"The subscriber you are calling is switched off or out of coverage area. Please call later.", "The mobile phone you are calling is switched off."},
		"ru": {"Аппарат абонента выключен или находится вне зоны действия сети.", "Абонент временно недоступен. Позвоните позже."},
	}
	unallocText = map[string][]string{
		"en": {"The number you have dialed does not exist. Please check the number and try again."},
		"ru": {"Неправильно набран номер."},
	}
)

// forwarding draws whether the network forwarded an answered call, and
// why. Mobile networks reach voicemail by forwarding (on no reply, on
// busy, when the phone is not reachable); whether the caller's SIP leg
// is told depends on the interconnect, so half of the voicemail calls
// say so. A person is sometimes reached by forwarding too: to another
// phone unconditionally, or on no reply to a colleague.
func (g *audioGen) forwarding(p *audioPlan) {
	r := g.fwd
	x := r.Float64()
	switch p.class {
	case Machine:
		if x < 0.5 {
			p.forward = []string{"no-answer", "no-answer", "no-answer", "user-busy", "user-busy", "unavailable"}[r.Intn(6)]
		}
	case Human:
		switch {
		case x < 0.05:
			p.forward = "unconditional"
		case x < 0.08:
			p.forward = "no-answer"
		}
	}
	p.fwdHdr = []string{"diversion", "history-info"}[r.Intn(2)]
	p.fwd181 = r.Intn(5) < 2
}

// forwardHeader is the header of a 2xx or 181 that says the call was
// forwarded for the RFC 5806 reason: Diversion, or History-Info with the
// RFC 4458 cause on the voicemail or forwarded-to URI.
func forwardHeader(p *audioPlan, called string) string {
	if p.fwdHdr == "diversion" {
		return fmt.Sprintf("Diversion: <tel:+%s>;reason=%s;counter=1;privacy=off", called, p.forward)
	}
	cause := map[string]int{"no-answer": 408, "user-busy": 486, "unavailable": 503, "unconditional": 302}[p.forward]
	target := "vms." + imsDomain
	if p.class == Human {
		target = imsDomain
	}
	return fmt.Sprintf("History-Info: <sip:+%s@%s>;index=1, <sip:+%s@%s;cause=%d>;index=1.1;mp=1", called, imsDomain, called, target, cause)
}

// plan draws the random choices of a call of class (variant may be "").
func (g *audioGen) plan(class, variant string) *audioPlan {
	r := g.rnd()
	p := &audioPlan{class: class, variant: variant, pt: ptPCMA, ptime: 20, lang: "en"}
	if r.Intn(2) == 0 {
		p.pt = ptPCMU
	}
	if r.Intn(3) == 0 {
		p.lang = "ru"
	}
	if !g.short && r.Intn(5) == 0 {
		p.ptime = []int{10, 30, 40, 60}[r.Intn(4)] // RFC 3551: G.711 packets of 10-60 ms
	}
	if r.Intn(3) == 0 {
		p.loss = []float64{0.01, 0.02, 0.03, 0.05}[r.Intn(4)]
	}
	if r.Intn(4) == 0 {
		p.jitter = 2 + r.Intn(9)
	}
	if r.Intn(6) == 0 {
		p.reorder = 0.02
	}
	p.ssrcChange = r.Intn(2) == 0
	p.dtmf = r.Intn(8) == 0
	p.cn = r.Intn(5) == 0
	p.ringUS = r.Intn(3) == 0
	p.snr = float64(10 + r.Intn(21))
	p.noiseKind = []string{noiseWhite, noisePink, noiseBabble, noiseBrown}[r.Intn(4)]
	p.gain = float64(-35 + r.Intn(26))
	if r.Intn(5) == 0 {
		p.early = ""
	} else {
		p.early = "ringback"
	}
	switch class {
	case Human:
		p.second = r.Intn(3) == 0
		if g.real != nil && r.Intn(10) < 3 {
			p.real = g.real.pick(r, p.second)
			p.second, p.lang = len(p.real) > 1, "" // a real recording's language is not labelled
		}
	case Machine:
		p.beeps = []int{1, 1, 1, 1, 2, 0}[r.Intn(6)]
		if g.shared != "" && r.Intn(3) == 0 {
			p.shared = []string{"asterisk-2005-sounds", "asterisk-sounds-ru", "freeswitch"}[r.Intn(3)]
			p.lang = map[string]string{"asterisk-sounds-ru": "ru"}[p.shared]
			if p.lang == "" {
				p.lang = "en"
			}
			p.beeps = 1
		}
	case SwitchedOff:
		if p.variant == "" {
			p.variant = []string{"early", "early", "answered", "nosit"}[r.Intn(4)]
		}
		p.sit = p.variant != "nosit"
		if p.variant == "nosit" {
			p.variant = []string{"early", "answered"}[r.Intn(2)]
		}
		if p.variant == "early" {
			p.early = "announcement"
		}
		p.cause18 = r.Intn(4) == 0
	case Fax:
		if p.variant == "" {
			p.variant = []string{"cng", "ced"}[r.Intn(2)]
		}
	case Silence:
		if p.variant == "" {
			p.variant = []string{"noise", "noise", "digital"}[r.Intn(3)]
		}
		p.calleeCN = r.Intn(4) == 0
	case Busy:
		p.early = "busy"
	case Congestion:
		p.early = "congestion"
	case Unallocated:
		p.early = "announcement"
		p.sit = r.Intn(2) == 0
	case NoAnswer:
		p.early = "ringback"
	}
	if g.fwd != nil {
		g.forwarding(p)
	}
	if !g.short && (class == Human || class == Machine) && p.early == "ringback" && r.Intn(5) == 0 {
		p.early = []string{"tune", "notice"}[r.Intn(2)] // audio_early.go
	}
	if !g.short && class == NoAnswer && r.Intn(3) == 0 {
		p.early = "tune" // the phone rings to a caller tune until the caller gives up
	}
	return p
}

// speech synthesises text in a voice for lang, trimmed and at level gain.
func (g *audioGen) speech(p *audioPlan, text string) ([]float64, error) {
	if p.voice == nil {
		vs := g.tts.voices(p.lang)
		if len(vs) == 0 {
			return nil, fmt.Errorf("gen: audio: no voice for language %s", p.lang)
		}
		v := vs[g.rnd().Intn(len(vs))]
		p.voice = &v
	}
	s, err := g.tts.speak(*p.voice, text)
	if err != nil {
		return nil, fmt.Errorf("gen: audio: %w", err)
	}
	x := trimSilence(pcmFloat(s))
	setLevel(x, p.gain)
	return x, nil
}

// prompt reads a corpus prompt, trimmed and at level gain.
func (g *audioGen) prompt(p *audioPlan, rel string) ([]float64, error) {
	s, err := g.tts.file(filepath.Join(g.shared, rel))
	if err != nil {
		return nil, fmt.Errorf("gen: audio: %w", err)
	}
	x := trimSilence(pcmFloat(s))
	setLevel(x, p.gain)
	return x, nil
}

// callResult is what synthesis of one call yields.
type callResult struct {
	early     []float64 // callee early media, from 183 + 20 ms
	post      []float64 // callee audio after answer, from answer + mediaStart
	beepStart int       // samples into post, -1 when none
	beepEnd   int
	greetEnd  int
	firstEnd  int
	beepHz    float64
	start     int // first sound, samples into post; -1 for dead air
	text      string
	source    string
}

// background returns n samples of the plan's room noise at gain-snr.
func (g *audioGen) background(p *audioPlan, n int) []float64 {
	return noise(g.rnd(), p.noiseKind, n, p.gain-p.snr)
}

func (g *audioGen) secs(lo, hi float64) int { return msToN(g.uni(lo, hi) * 1000) }

// answered synthesises the callee's audio after answer for the answered classes.
func (g *audioGen) answered(p *audioPlan) (*callResult, error) {
	r := &callResult{beepStart: -1, greetEnd: -1, firstEnd: -1, start: -1}
	var t track
	switch p.class {
	case Human:
		if len(p.real) > 0 {
			r := g.realAnswer(p)
			return r, g.mixBehind(p, r.post)
		}
		r.text = g.pick(humanText[p.lang])
		u, err := g.speech(p, r.text)
		if err != nil {
			return nil, err
		}
		at := g.secs(0.2, 0.8)
		r.start = at
		t.mix(at, u)
		r.firstEnd = at + len(u)
		end := r.firstEnd
		if p.second {
			u2, err := g.speech(p, secondText[p.lang])
			if err != nil {
				return nil, err
			}
			at2 := end + g.secs(1.5, 2.5)
			t.mix(at2, u2)
			end = at2 + len(u2)
		}
		tail := g.secs(1.5, 3)
		if g.short {
			tail = g.secs(1.2, 2)
		}
		t.extend(end + tail)
	case Machine:
		at := g.secs(0.3, 1.0)
		r.start = at
		var beep []float64
		if p.shared != "" {
			files := map[string][]string{
				"asterisk-2005-sounds": {"vm-nobodyavail.gsm", "vm-intro.gsm", "beep.gsm"},
				"asterisk-sounds-ru":   {"vm-nobodyavail.wav", "vm-intro.wav", "beep.wav"},
				"freeswitch":           {"vm-not_available.wav", "vm-record_message.wav", ""},
			}[p.shared]
			r.source = p.shared
			for i, f := range files[:2] {
				x, err := g.prompt(p, filepath.Join(p.shared, f))
				if err != nil {
					return nil, err
				}
				if i > 0 {
					at += g.secs(0.2, 0.5)
				}
				t.mix(at, x)
				at += len(x)
			}
			r.greetEnd = at
			if files[2] != "" {
				x, err := g.prompt(p, filepath.Join(p.shared, files[2]))
				if err != nil {
					return nil, err
				}
				setRMS(x, g.beepLevel(p))
				beep, r.beepHz = x, 700
			}
		} else {
			texts := machineText[p.lang]
			if g.short {
				texts = texts[:len(texts)-1]
			}
			r.text = g.pick(texts)
			x, err := g.speech(p, r.text)
			if err != nil {
				return nil, err
			}
			t.mix(at, x)
			at += len(x)
			r.greetEnd = at
		}
		if p.beeps > 0 {
			if beep == nil {
				r.beepHz = float64(400 + g.rnd().Intn(1101))
				if !g.short {
					// Evaluation sets: anywhere in 300-2500 Hz (one draw,
					// mapped), but never on the fax answer tone's 2100 Hz.
					r.beepHz = 300 + (r.beepHz-400)*2200/1100
					if math.Abs(r.beepHz-2100) < 60 {
						r.beepHz += 120
					}
				}
				bl := g.uni(0.2, 1.2)
				if g.short {
					bl = g.uni(0.2, 0.6)
				}
				beep = sine(msToN(bl*1000), dbToAmp(g.beepLevel(p)+3), r.beepHz)
			}
			at += g.secs(0.2, 0.6)
			r.beepStart = at
			for k := 0; k < p.beeps; k++ {
				if k > 0 {
					at += g.secs(0.15, 0.4)
				}
				t.mix(at, beep)
				at += len(beep)
			}
			r.beepEnd = at
		}
		tail := g.secs(1, 3)
		if g.short {
			tail = g.secs(0.8, 1.5)
		}
		t.extend(at + tail)
	case SwitchedOff:
		at := g.secs(0.1, 0.5)
		r.start = at
		a, err := g.announcement(p, offText)
		if err != nil {
			return nil, err
		}
		r.text = p.textOf
		t.mix(at, a)
		t.extend(at + len(a) + g.secs(0.3, 0.8))
	case Fax:
		amp := dbToAmp(g.uni(-18, -8) + 3)
		dur := g.secs(6, 10)
		if g.short {
			dur = g.secs(4, 5)
		}
		at := g.secs(0.1, 0.6)
		r.start = at
		if p.variant == "ced" {
			t.mix(at, cedV21(amp, g.uni(2600, 3300), float64(nToMS(dur))-3400))
		} else {
			t.mix(at, cadence(dur, amp, 500, 3000, 1100))
		}
		t.extend(at + dur)
	case Silence:
		n := msToN(10000)
		if g.short {
			n = msToN(4000)
		}
		t.extend(n)
		if p.variant == "noise" {
			t.mix(0, noise(g.rnd(), p.noiseKind, n, g.uni(-60, -50)))
		}
		r.post = t.x
		return r, nil
	}
	behind := t.x
	if p.class == Machine && r.start >= 0 && r.greetEnd > r.start {
		// A music bed is part of the greeting's recording: the beep the
		// voicemail plays after it, and the silence it records, have none.
		behind = t.x[r.start:r.greetEnd]
	}
	if err := g.mixBehind(p, behind); err != nil {
		return nil, err
	}
	t.mix(0, g.background(p, len(t.x)))
	r.post = t.x
	return r, nil
}

// beepLevel is a beep's RMS level: 0 to 6 dB above the speech, at most -6 dBFS.
func (g *audioGen) beepLevel(p *audioPlan) float64 { return math.Min(p.gain+g.uni(0, 6), -6) }

// announcement returns optional SIT tones then a spoken announcement, the
// text chosen from texts; p.textOf receives the text.
func (g *audioGen) announcement(p *audioPlan, texts map[string][]string) ([]float64, error) {
	var t track
	at := 0
	if p.sit {
		s := sitTones(g.rnd().Intn(4), dbToAmp(p.gain+3+g.uni(0, 6)))
		t.mix(0, s)
		at = len(s) + g.secs(0.05, 0.3)
	}
	p.textOf = g.pick(texts[p.lang])
	x, err := g.speech(p, p.textOf)
	if err != nil {
		return nil, err
	}
	t.mix(at, x)
	at += len(x)
	if !g.short && g.rnd().Intn(2) == 0 {
		at += g.secs(0.5, 1)
		t.mix(at, x)
		at += len(x)
	}
	t.extend(at)
	return t.x, nil
}

// tones returns n samples of early-media tone of kind for the plan.
func (g *audioGen) tones(p *audioPlan, kind string, n int) []float64 {
	amp := dbToAmp(g.uni(-20, -10) + 3)
	switch kind {
	case "busy":
		return cadence(n, amp, 500, 500, 425)
	case "congestion":
		if p.ringUS {
			return cadence(n, amp, 250, 250, 480, 620)
		}
		return cadence(n, amp, 250, 250, 425)
	default:
		if p.ringUS {
			return cadence(n, amp/2, 2000, 4000, 440, 480)
		}
		return cadence(n, amp, 1000, 4000, 425)
	}
}

var (
	sbcNet  = netip.MustParsePrefix("10.70.0.0/16")
	coreNet = netip.MustParsePrefix("10.80.0.0/16")
)

func hostAddr(p netip.Prefix, k int) netip.Addr {
	b := p.Addr().As4()
	b[2] = byte(k / 250)
	b[3] = byte(k%250 + 2)
	return netip.AddrFrom4(b)
}

func (g *audioGen) digits(prefix string, n int) string {
	s := prefix
	for len(s) < n {
		s += strconv.Itoa(g.rnd().Intn(10))
	}
	return s
}

// call generates one call of plan p starting at t0.
func (g *audioGen) call(t0 time.Time, p *audioPlan) error {
	b, n, rnd := g.b, g.b.n, g.rnd()
	k := g.k
	g.k++
	caller := netip.AddrPortFrom(hostAddr(sbcNet, k), 5060)
	callee := netip.AddrPortFrom(hostAddr(coreNet, k), 5060)
	tr := &udpT{n: n, caller: caller, callee: callee}
	c := b.sip(tr, t0, g.digits("7495", 11), g.digits("79", 11))
	c.tr = withSDP(tr, p.sdp, k)
	pts := []byte{ptPCMA, ptPCMU, ptEvent}
	if p.pt == ptPCMU {
		pts = []byte{ptPCMU, ptPCMA, ptEvent}
	}
	if p.cn || p.calleeCN {
		pts = append(pts, ptCN)
	}
	c.media = &sdpMedia{pts: pts, ptime: p.ptime}
	ms := func(lo, hi int) time.Duration { return time.Duration(lo+rnd.Intn(hi-lo+1)) * time.Millisecond }

	at := AudioTruth{Codec: map[byte]string{ptPCMU: "PCMU", ptPCMA: "PCMA"}[p.pt], PtimeMS: p.ptime,
		Loss: p.loss, JitterMS: p.jitter, Reorder: p.reorder, BurstLoss: p.burst, Lang: p.lang, SIT: p.sit, Beeps: p.beeps,
		SSRCChange: p.ssrcChange, CN: p.cn || p.calleeCN, EarlyMedia: p.early, SDP: p.sdp}
	im := impair{loss: p.loss, jitter: time.Duration(p.jitter) * time.Millisecond, reorder: p.reorder}
	if p.burst {
		im.burst = burstLoss
	}
	if p.behind != "" {
		db := math.Round(p.behindDB*10) / 10
		at.Behind, at.BehindDB = p.behind, &db
	}
	if p.forward != "" {
		c.answerHdrs = []string{forwardHeader(p, c.toUser)}
		at.Forward = p.forward + " via " + p.fwdHdr
		if p.fwd181 {
			at.Forward += ", 181"
		}
	}
	answeredClass := p.class == Human || p.class == Machine || p.class == Fax || p.class == Silence ||
		(p.class == SwitchedOff && p.variant == "answered")
	at.SilenceSuppression = p.vad && answeredClass && !(p.class == Silence && p.calleeCN)
	if at.SilenceSuppression {
		at.HangoverMS = p.hangover
	}

	outcome, q850, status := p.class, -1, 200
	var early []float64
	var res *callResult
	var err error
	pdd := ms(300, 1500)
	if p.early != "" {
		c.p183 = pdd
	} else {
		c.alert = pdd
	}
	earlyStart := pdd + 20*time.Millisecond
	if answeredClass {
		res, err = g.answered(p)
		if err != nil {
			return err
		}
		ring := ms(2000, 8000)
		if g.short {
			ring = ms(1000, 2500)
		}
		c.answer = pdd + ring
		if p.forward != "" && p.fwd181 {
			// The forwarding point tells the caller as it forwards: on no
			// reply after the ringing, shortly before the voicemail answers.
			before := 500 * time.Millisecond
			if g.fwd != nil {
				before = time.Duration(300+g.fwd.Intn(900)) * time.Millisecond
			}
			c.fwd181 = max(pdd+10*time.Millisecond, c.answer-before)
		}
		switch n := msToN(float64(c.answer-earlyStart) / 1e6); p.early {
		case "":
		case "tune":
			early = g.callerTune(n)
		case "notice":
			x, err := g.notice(p)
			if err != nil {
				return err
			}
			// The notice ends before the answer: ringing silence after it.
			if need := len(x) + g.secs(0.3, 1.5); n < need {
				n = need
				c.answer = earlyStart + time.Duration(n)*time.Second/sampleRate
			}
			early = make([]float64, n)
			copy(early, x)
			bg := g.background(p, n)
			for i := range early {
				early[i] += bg[i]
			}
		default:
			early = g.tones(p, p.early, n)
		}
		mediaStart := ms(20, 60)
		mediaEnd := mediaStart + time.Duration(len(res.post))*time.Second/sampleRate
		c.end = c.answer + mediaEnd + ms(0, 80)
		switch {
		case p.class == SwitchedOff:
			c.byeFromCallee = true
			if rnd.Intn(2) == 0 {
				c.byeReasons = []string{`Q.850;cause=16;text="Normal call clearing"`}
				q850 = 16
			}
		case rnd.Intn(4) > 0:
			c.byeReasons = []string{`Q.850;cause=16;text="Normal call clearing"`}
			q850 = 16
		}
		at.MediaStartMS = int64(mediaStart / time.Millisecond)
		at.MediaEndMS = int64(mediaEnd / time.Millisecond)
		off := at.MediaStartMS
		atMS := func(v int) *MS { return msp(off+nToMS(v), v >= 0) }
		g.pending = &Truth{BeepStartMS: atMS(res.beepStart), BeepEndMS: atMS(res.beepEnd), GreetingEndMS: atMS(res.greetEnd),
			FirstUtteranceEndMS: atMS(res.firstEnd)}
		if res.beepStart < 0 {
			g.pending.BeepEndMS = msp(0, false)
		}
		at.BeepHz, at.Text, at.Source = res.beepHz, res.text, res.source
		if res.start >= 0 {
			v := off + nToMS(res.start)
			at.SoundStartMS = &v
		}
		if p.class == SwitchedOff {
			f := false
			at.AnnouncementEarly = &f
		}
		if p.class == Fax {
			at.Fax = p.variant
		}
		if p.class == Human {
			at.SecondUtterance = p.second
		}
		if p.class == Silence {
			at.Noise = map[string]string{"noise": p.noiseKind, "digital": "digital_silence"}[p.variant]
		}
	} else {
		g.pending = &Truth{BeepStartMS: msp(0, false), BeepEndMS: msp(0, false), GreetingEndMS: msp(0, false), FirstUtteranceEndMS: msp(0, false)}
		var dur time.Duration
		switch p.class {
		case SwitchedOff, Unallocated:
			texts := offText
			if p.class == Unallocated {
				texts = unallocText
			}
			early, err = g.announcement(p, texts)
			if err != nil {
				return err
			}
			bg := g.background(p, len(early))
			for i := range early {
				early[i] += bg[i]
			}
			at.Text = p.textOf
			dur = time.Duration(len(early))*time.Second/sampleRate + ms(200, 800)
			if p.class == SwitchedOff {
				tr := true
				at.AnnouncementEarly = &tr
				c.final, c.finalText = 480, "Temporarily Unavailable"
				q850 = 20
				c.finalReasons = []string{`Q.850;cause=20;text="Subscriber absent"`}
				if p.cause18 {
					q850 = 18
					c.finalReasons = []string{`Q.850;cause=18;text="No user responding"`}
				}
				status = 480
			} else {
				c.final, c.finalText, q850, status = 404, "Not Found", 1, 404
				c.finalReasons = []string{`Q.850;cause=1;text="Unallocated number"`}
			}
		case Busy:
			dur = ms(2000, 5000)
			if g.short {
				dur = ms(1500, 2500)
			}
			early = g.tones(p, "busy", msToN(float64(dur)/1e6))
			c.final, c.finalText, q850, status = 486, "Busy Here", 17, 486
			c.finalReasons = []string{`Q.850;cause=17;text="User busy"`}
		case Congestion:
			dur = ms(1500, 3000)
			early = g.tones(p, "congestion", msToN(float64(dur)/1e6))
			c.final, c.finalText, q850, status = 503, "Service Unavailable", 34, 503
			c.finalReasons = []string{`Q.850;cause=34;text="No circuit/channel available"`}
		case NoAnswer:
			dur = ms(8000, 25000)
			if g.short {
				dur = ms(4000, 6000)
			}
			if p.early == "tune" {
				early = g.callerTune(msToN(float64(dur) / 1e6))
			} else {
				early = g.tones(p, "ringback", msToN(float64(dur)/1e6))
			}
			c.cancel, c.cancelReasons, q850, status = true, []string{`Q.850;cause=19;text="No answer from user"`}, 19, 487
		default:
			return fmt.Errorf("gen: audio: unknown class %q", p.class)
		}
		c.end = earlyStart + dur
	}
	if len(early) > 0 {
		at.EarlyMS = nToMS(len(early))
	}
	if p.voice != nil {
		at.TTS = p.voice.String()
	}
	if !g.short {
		at.Voice = g.voiceLabel(p)
	}
	if p.class == Human || p.class == Machine || p.class == SwitchedOff || p.class == Unallocated {
		s, gn := p.snr, p.gain
		at.SNRDB, at.GainDBFS, at.Noise = &s, &gn, p.noiseKind
	}
	c.run()

	// Callee media: early stream (SSRC A) from 183, then the answered stream.
	cs := &rtpStream{src: netip.AddrPortFrom(callee.Addr(), rtpPort(callee.Addr())), dst: netip.AddrPortFrom(caller.Addr(), rtpPort(caller.Addr())),
		ssrc: rnd.Uint32(), seq: uint16(rnd.Intn(30000)), ts0: rnd.Uint32()}
	var tsNext uint32
	if len(early) > 0 {
		pk := audioFrames(p.pt, pcm16(early), p.ptime, 0, 0)
		if d := c.end - earlyStart; !answeredClass {
			pk = cut(pk, d)
		}
		n.scheduleRTP(0, t0.Add(earlyStart), cs, pk, im, rnd)
		tsNext = uint32(len(early)) + 800
	}
	if answeredClass {
		if p.ssrcChange || len(early) == 0 {
			cs.ssrc, cs.seq, cs.ts0, tsNext = rnd.Uint32(), uint16(rnd.Intn(30000)), rnd.Uint32(), 0
		}
		ms0 := time.Duration(at.MediaStartMS) * time.Millisecond
		var pk []rtpOut
		if p.class == Silence && p.calleeCN {
			// Comfort noise every 200 ms after a first audio packet (RFC 3389 §4).
			s := pcm16(res.post)
			per := p.ptime * sampleRate / 1000
			pk = audioFrames(p.pt, s[:per], p.ptime, 0, tsNext)
			for i := per; i+per <= len(s); i += msToN(200) {
				pk = append(pk, cnPacket(time.Duration(i)*time.Second/sampleRate, tsNext+uint32(i), 60))
			}
		} else {
			pk = audioFrames(p.pt, pcm16(res.post), p.ptime, 0, tsNext)
			if p.vad {
				level := p.gain - 25
				if p.snr > 0 && p.noiseKind != "" {
					level = max(level, p.gain-p.snr+6)
				}
				suppressSilence(pk, level, p.ptime, p.hangover)
			}
		}
		n.scheduleRTP(0, t0.Add(c.answer+ms0), cs, pk, im, rnd)

		// Caller media: low noise or CN, sometimes a DTMF digit.
		ps := &rtpStream{src: cs.dst, dst: cs.src, ssrc: rnd.Uint32(), seq: uint16(rnd.Intn(30000)), ts0: rnd.Uint32()}
		cstart := ms(40, 120)
		dur := c.end - c.answer - cstart - 20*time.Millisecond
		nS := msToN(float64(dur) / 1e6)
		var cp []rtpOut
		if p.cn {
			per := p.ptime * sampleRate / 1000
			cp = audioFrames(p.pt, pcm16(noise(rnd, noiseWhite, per, -65)), p.ptime, 0, 0)
			for i := per; i+per <= nS; i += msToN(400) {
				cp = append(cp, cnPacket(time.Duration(i)*time.Second/sampleRate, uint32(i), 70))
			}
		} else {
			cp = audioFrames(p.pt, pcm16(noise(rnd, noiseWhite, nS, g.uni(-72, -55))), p.ptime, 0, 0)
		}
		if p.dtmf && nS > msToN(1500) {
			digit := byte(rnd.Intn(12))
			from := msToN(g.uni(500, 1000))
			from -= from % (p.ptime * sampleRate / 1000)
			ev := dtmfEvent(digit, time.Duration(from)*time.Second/sampleRate, uint32(from), 100)
			cp = spliceEvent(cp, ev, time.Duration(from)*time.Second/sampleRate, 200*time.Millisecond)
			at.DTMF = string("0123456789*#"[digit])
		}
		n.scheduleRTP(0, t0.Add(c.answer+cstart), ps, cp, im, rnd)
	}
	tr2 := g.pending
	g.pending = nil
	b.sipTruth(c, outcome, q850, status)
	last := &b.truth[len(b.truth)-1]
	last.BeepStartMS, last.BeepEndMS, last.GreetingEndMS, last.FirstUtteranceEndMS = tr2.BeepStartMS, tr2.BeepEndMS, tr2.GreetingEndMS, tr2.FirstUtteranceEndMS
	last.Audio = &at
	if end := t0.Add(c.end + time.Second); end.After(g.t) {
		g.t = end
	}
	return nil
}

// cut drops packets at or after d.
func cut(pk []rtpOut, d time.Duration) []rtpOut {
	for i, p := range pk {
		if p.at >= d {
			return pk[:i]
		}
	}
	return pk
}

// spliceEvent replaces the audio packets in [from, from+span) with ev.
func spliceEvent(pk, ev []rtpOut, from, span time.Duration) []rtpOut {
	var out []rtpOut
	done := false
	for _, p := range pk {
		if p.at >= from && p.at < from+span {
			if !done {
				out = append(out, ev...)
				done = true
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

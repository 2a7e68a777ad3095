package gen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// AudioOptions selects what Audio writes.
type AudioOptions struct {
	// Calls is the number of calls of the evaluation set, written as
	// audio-eval-NN.pcap files of at most 100 calls each. Zero writes the
	// small committed corpus of pcaps/audio instead (with its README.md).
	Calls int
	// Shared is the path of the shared corpus (../shared/corpus) or "".
	// When set, some machine calls of the evaluation set play the real
	// Asterisk and FreeSWITCH voicemail prompts, and about 3 human calls in
	// 10 answer with a real person's utterance cut from the recorded speech
	// in its RTP captures (see realSpeechFiles); the committed corpus never
	// uses it (those recordings must not be copied into the repository).
	Shared string
	// CacheDir holds the TTS and resampling cache ("" = the user cache
	// directory, callsight/tts).
	CacheDir string
	// Engines lists the TTS engines to use (empty = every usable one of
	// espeak-ng, flite, festival). The committed corpus always uses
	// espeak-ng and flite.
	Engines []string
	// Log receives notes such as a skipped TTS engine; nil discards them.
	Log io.Writer
	// Network is "" for the evaluation sets' usual mix of line conditions,
	// or NetworkHarsh: every call's packets are lost in bursts (2, 5 or 8%),
	// jitter ±20-40 ms and 5% are reordered (evaluation sets only).
	Network string
	// Background is "" for the usual sets, or BackgroundMusic or
	// BackgroundVoices: every person (and with music, every voicemail
	// greeting) has that sound behind it (evaluation sets only; the calls
	// are otherwise those of the usual set of the same seed).
	Background string
	// SilenceSuppression: every callee that answers suppresses its
	// silence without comfort noise (packets under the speech level less
	// 25 dB, or under its noise plus 6 dB, are not sent, after a 100 ms
	// hangover), evaluation sets only; the calls are otherwise those of the
	// usual set of the same seed.
	SilenceSuppression bool
}

// NetworkHarsh is the AudioOptions.Network of a set made on a bad network.
const NetworkHarsh = "harsh"

// committedEngines are the engines the committed audio corpus is made with.
var committedEngines = []string{EngineEspeak, EngineFlite}

// audioEntry is one call of the committed corpus: a class, a variant and
// overrides of the random plan.
type audioEntry struct {
	class, variant string
	mod            func(p *audioPlan)
}

// audioSpec is one audio capture.
type audioSpec struct {
	name    string
	readme  string
	entries []audioEntry
	calls   int    // eval: number of random calls
	network string // AudioOptions.Network
	behind  string // AudioOptions.Background
	vad     bool   // AudioOptions.SilenceSuppression
}

func clean(p *audioPlan) { p.loss, p.jitter, p.reorder, p.dtmf = 0, 0, 0, false }

func withPT(pt byte, more ...func(*audioPlan)) func(*audioPlan) {
	return func(p *audioPlan) {
		clean(p)
		p.pt = pt
		p.ptime = 20
		for _, m := range more {
			m(p)
		}
	}
}

func lang(l string) func(*audioPlan)            { return func(p *audioPlan) { p.lang = l } }
func set(f func(p *audioPlan)) func(*audioPlan) { return f }

// fwd has the network forward the call for an RFC 5806 reason, said in
// hdr (diversion or history-info) of the 2xx, and in a 181 first.
func fwd(reason, hdr string, with181 bool) func(*audioPlan) {
	return func(p *audioPlan) { p.forward, p.fwdHdr, p.fwd181 = reason, hdr, with181 }
}

// audioCommitted lists the committed audio corpus.
func audioCommitted() []audioSpec {
	a, u := byte(ptPCMA), byte(ptPCMU)
	return []audioSpec{
		{name: "audio-answered.pcap.gz", readme: "G.711 A-law, 20 ms, no network impairment. Answered calls: humans (English and Russian, a second \"Hello?\"), voicemail greetings with one beep, two beeps and none, dead air (low noise and digital silence), fax CNG and CED+V.21. Ringback (425 Hz 1/4 s or 440+480 Hz 2/4 s) as early media in 183 before most answers.",
			entries: []audioEntry{
				{Human, "", withPT(a, lang("en"))},
				{Human, "", withPT(a, lang("ru"))},
				{Human, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.second = true }))},
				{Human, "", withPT(a, lang("ru"), set(func(p *audioPlan) { p.second = true; p.early = "" }))},
				{Machine, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.beeps = 1 }))},
				{Machine, "", withPT(a, lang("ru"), set(func(p *audioPlan) { p.beeps = 1 }))},
				{Machine, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.beeps = 2 }))},
				{Machine, "", withPT(a, lang("ru"), set(func(p *audioPlan) { p.beeps = 0 }))},
				{Silence, "noise", withPT(a)},
				{Silence, "digital", withPT(a)},
				{Fax, "cng", withPT(a)},
				{Fax, "ced", withPT(a)},
			}},
		{name: "audio-pcmu.pcap.gz", readme: "G.711 µ-law, 20 ms, clean. Humans and machines with flite and espeak-ng voices (one person reached by unconditional forwarding, a Diversion; two voicemails reached by forwarding on no reply, a 181 and a Diversion, and on busy, a History-Info with the RFC 4458 cause), announcements after a 200 OK (signaling says answered, the audio says switched off; one with SIT tones, one without), dead air, fax CNG.",
			entries: []audioEntry{
				{Human, "", withPT(u, lang("en"))},
				{Human, "", withPT(u, lang("en"), fwd("unconditional", "diversion", false))},
				{Human, "", withPT(u, lang("ru"))},
				{Machine, "", withPT(u, lang("en"), set(func(p *audioPlan) { p.beeps = 1 }), fwd("no-answer", "diversion", true))},
				{Machine, "", withPT(u, lang("en"), set(func(p *audioPlan) { p.beeps = 1 }))},
				{Machine, "", withPT(u, lang("ru"), set(func(p *audioPlan) { p.beeps = 1 }), fwd("user-busy", "history-info", false))},
				{SwitchedOff, "answered", withPT(u, lang("ru"), set(func(p *audioPlan) { p.sit = true }))},
				{SwitchedOff, "answered", withPT(u, lang("en"), set(func(p *audioPlan) { p.sit = false }))},
				{Silence, "noise", withPT(u)},
				{Fax, "cng", withPT(u)},
			}},
		{name: "audio-progress.pcap.gz", readme: "Early media before a failure, A-law and µ-law, 20 ms: SIT + \"switched off\" announcements in 183 then 480 with Q.850 20 or 18 (English, Russian, one without SIT), busy tone (425 Hz 0.5/0.5) before 486, ringback before a CANCEL (487, Q.850 19), congestion tone before 503 (Q.850 34), an \"unallocated number\" announcement before 404.",
			entries: []audioEntry{
				{SwitchedOff, "early", withPT(a, lang("en"), set(func(p *audioPlan) { p.sit = true; p.cause18 = false }))},
				{SwitchedOff, "early", withPT(u, lang("ru"), set(func(p *audioPlan) { p.sit = true; p.cause18 = true }))},
				{SwitchedOff, "early", withPT(a, lang("ru"), set(func(p *audioPlan) { p.sit = false; p.cause18 = false }))},
				{Busy, "", withPT(a)},
				{Busy, "", withPT(u)},
				{NoAnswer, "", withPT(a, set(func(p *audioPlan) { p.ringUS = false }))},
				{NoAnswer, "", withPT(u, set(func(p *audioPlan) { p.ringUS = true }))},
				{Congestion, "", withPT(a)},
				{Unallocated, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.sit = true }))},
			}},
		{name: "audio-impaired.pcap.gz", readme: "Impaired media: packet loss 2-5 % (gaps in seq), capture-time jitter up to ±10 ms, swapped packets, 30 and 40 ms ptime, the callee's SSRC changing at answer (early media SSRC A, SSRC B after 200 OK), RFC 4733 DTMF from the caller, comfort noise (PT 13) from the caller and, in the dead-air call, from the callee.",
			entries: []audioEntry{
				{Human, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.loss, p.jitter, p.ssrcChange, p.early = 0.03, 8, true, "ringback" }))},
				{Human, "", withPT(u, lang("ru"), set(func(p *audioPlan) { p.ptime, p.dtmf, p.cn = 40, true, true }))},
				{Human, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.reorder, p.ptime, p.jitter = 0.05, 30, 10 }))},
				{Machine, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.loss, p.beeps, p.ssrcChange, p.early = 0.05, 1, true, "ringback" }))},
				{Machine, "", withPT(u, lang("ru"), set(func(p *audioPlan) { p.jitter, p.reorder, p.beeps, p.dtmf = 10, 0.03, 1, true }))},
				{Machine, "", withPT(a, lang("en"), set(func(p *audioPlan) { p.ptime, p.beeps, p.cn = 40, 2, true }))},
				{SwitchedOff, "answered", withPT(a, lang("en"), set(func(p *audioPlan) { p.sit, p.loss, p.ptime = true, 0.02, 30 }))},
				{Silence, "noise", withPT(u, set(func(p *audioPlan) { p.calleeCN, p.cn = true, true }))},
				{Fax, "ced", withPT(a, set(func(p *audioPlan) { p.loss, p.jitter = 0.01, 5 }))},
			}},
	}
}

// evalClasses are the classes of the evaluation set with their weights.
var evalClasses = []struct {
	class string
	w     int
}{{Human, 25}, {Machine, 30}, {SwitchedOff, 15}, {Fax, 5}, {Silence, 7}, {Busy, 7}, {NoAnswer, 6}, {Congestion, 2}, {Unallocated, 3}}

// renderAudio renders one audio capture and its truth.
func renderAudio(spec audioSpec, cfg Config, t *tts, shared string, real *realSpeech, short bool, log bool) ([]byte, []Truth, []note, error) {
	var genErr error
	fs := fileSpec{name: spec.name, format: fmtPcapMicro, gz: strings.HasSuffix(spec.name, ".gz"), links: []link{{typ: linkEthernet}},
		build: func(b *builder) {
			g := &audioGen{b: b, tts: t, shared: shared, short: short, real: real}
			if !short {
				g.fwd = rand.New(rand.NewSource(seedFor(cfg.Seed, "forward "+spec.name)))
			}
			behind := rand.New(rand.NewSource(seedFor(cfg.Seed, "background "+spec.name)))
			vad := rand.New(rand.NewSource(seedFor(cfg.Seed, "vad "+spec.name)))
			t0 := b.at(1)
			do := func(class, variant string, mod func(*audioPlan)) {
				if genErr != nil {
					return
				}
				p := g.plan(class, variant)
				if mod != nil {
					mod(p)
				}
				if spec.network == NetworkHarsh {
					harsh(p, b.n.rnd)
				}
				setBehind(p, spec.behind, behind)
				if p.vad = spec.vad; p.vad {
					// Suppressors differ most in their hangover: from a
					// frame (G.729B, WebRTC's aggressive modes) to 200 ms.
					p.hangover = 20 * (1 + vad.Intn(10))
				}
				if err := g.call(t0, p); err != nil {
					genErr = err
				}
				t0 = t0.Add(b.sec(1.5, 4))
			}
			for _, e := range spec.entries {
				do(e.class, e.variant, e.mod)
			}
			total := 0
			for _, c := range evalClasses {
				total += c.w
			}
			for i := 0; i < spec.calls; i++ {
				x := b.n.rnd.Intn(total)
				for _, c := range evalClasses {
					if x < c.w {
						do(c.class, "", nil)
						break
					}
					x -= c.w
				}
			}
		}}
	data, truth, notes, err := renderLog(fs, cfg, log)
	if genErr != nil {
		return nil, nil, nil, fmt.Errorf("gen: %s: %w", spec.name, genErr)
	}
	return data, truth, notes, err
}

// audioFiles renders the committed audio corpus (calls == 0) or an
// evaluation set in memory.
func audioFiles(cfg Config, opts AudioOptions) ([]outFile, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Calls < 0 {
		return nil, errors.New("gen: audio: negative call count")
	}
	if opts.Network != "" && (opts.Network != NetworkHarsh || opts.Calls == 0) {
		return nil, fmt.Errorf("gen: audio: network %q: want %q, for an evaluation set", opts.Network, NetworkHarsh)
	}
	if opts.SilenceSuppression && opts.Calls == 0 {
		return nil, errors.New("gen: audio: silence suppression is for an evaluation set")
	}
	if opts.Background != "" && (opts.Background != BackgroundMusic && opts.Background != BackgroundVoices || opts.Calls == 0) {
		return nil, fmt.Errorf("gen: audio: background %q: want %q or %q, for an evaluation set", opts.Background, BackgroundMusic, BackgroundVoices)
	}
	engines, specs, shared, short := opts.Engines, audioCommitted(), "", true
	if opts.Calls == 0 {
		engines = committedEngines
	} else {
		specs, shared, short = nil, opts.Shared, false
		for i, left := 1, opts.Calls; left > 0; i++ {
			n := min(left, 100)
			specs = append(specs, audioSpec{name: fmt.Sprintf("audio-eval-%02d.pcap", i), calls: n, network: opts.Network, behind: opts.Background, vad: opts.SilenceSuppression})
			left -= n
		}
	}
	t, err := newTTS(opts.CacheDir, engines, opts.Log)
	if err != nil {
		return nil, err
	}
	if opts.Calls == 0 && len(t.engines) != len(committedEngines) {
		return nil, fmt.Errorf("gen: audio: the committed corpus needs %s", strings.Join(committedEngines, " and "))
	}
	var real *realSpeech
	if shared != "" {
		var errs []error
		real, errs = loadRealSpeech(shared)
		log := opts.Log
		if log == nil {
			log = io.Discard
		}
		for _, err := range errs {
			fmt.Fprintf(log, "gen: audio: %v\n", err)
		}
		if real == nil {
			fmt.Fprintf(log, "gen: audio: no real speech found in %s: every human is TTS\n", shared)
		}
	}
	var out []outFile
	for _, s := range specs {
		data, truth, _, err := renderAudio(s, cfg, t, shared, real, short, false)
		if err != nil {
			return nil, err
		}
		var tb bytes.Buffer
		if err := writeTruth(&tb, truth); err != nil {
			return nil, err
		}
		out = append(out, outFile{s.name, data}, outFile{truthName(s.name), tb.Bytes()})
	}
	if opts.Calls == 0 {
		out = append(out, outFile{"README.md", []byte(audioReadme(specs))})
	}
	return out, nil
}

// Audio writes labelled calls with audio into dir: with opts.Calls == 0 the
// small committed corpus of pcaps/audio (and its README.md), otherwise an
// evaluation set of opts.Calls calls. Each capture NAME has
// NAME.truth.jsonl. TTS engines run at generation time only, through a
// cache; with a warm cache the output is a pure function of cfg and opts.
// It returns the names written, relative to dir.
func Audio(dir string, cfg Config, opts AudioOptions) ([]string, error) {
	files, err := audioFiles(cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return names, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

// burstLoss is the probability that a packet after a lost one is lost too
// in a harsh network: bursts of 2.5 packets on average.
const burstLoss = 0.6

// harsh puts a call on a bad network (AudioOptions.Network NetworkHarsh):
// losses in bursts, wide jitter, reordering.
func harsh(p *audioPlan, r *rand.Rand) {
	p.loss = []float64{0.02, 0.05, 0.08}[r.Intn(3)]
	p.burst = true
	p.jitter = 20 + r.Intn(21)
	p.reorder = 0.05
}

package amd

import (
	"math"
	"time"

	"github.com/callsight/callsight/amd/energy"
	"github.com/callsight/callsight/amd/tone"
)

const (
	ringSize    = 32 // frames of per-frame records kept
	lagFrames   = 12 // speech logic runs this many frames behind analysis, so tones are known by then
	maxEvents   = 256
	burstGap    = 4  // frames of non-speech a burst bridges (lost packets, stops)
	burstMin    = 5  // frames of speech that confirm a burst (shorter is a click)
	peakSNR     = 14 // dB above the background a burst must reach somewhere to be an utterance
	overDB      = 11 // and this far above the median background (babble peaks are not)
	contOverDB  = 6  // a burst continuing a chain: this far above the median background
	chainSpanDB = 12 // and peak within this of the chain's loudest frame (dBFS)
	contGap     = 40 // frames: a burst starting later than this after the chain's last speech must qualify as a fresh utterance
	loudSpanDB  = 8  // a chain starts where its voice comes within this of its loudest: quieter bursts before it may be the background
	youngFrames = 50 // frames of background before its estimate is trusted
	loudPrefix  = 15 // frames: a burst's quieter start shorter than this is the voice's onset; longer and onsetJumpDB quieter is background before it
	onsetJumpDB = 25
	tinyChain   = 25 // frames: a chain with less speech than this is a voice only if strongDB loud
	strongDB    = 14 // dB above the typical background
	flatFrames  = 30 // active frames whose levels stay within flatDB are a steady background, not a voice
	flatDB      = 4
	cngSpeech   = 30 // frames: with less speech than this heard, a 1100 Hz burst is a fax calling tone, not a beep
	swingDB     = 4  // and its level must swing this much (syllables): a flat burst is a change of background
)

var (
	g1650 = tone.NewGoertzel(1650, SampleRate)
	g1850 = tone.NewGoertzel(1850, SampleRate)
	g1100 = tone.NewGoertzel(1100, SampleRate)
	g2100 = tone.NewGoertzel(2100, SampleRate)
)

type frameRec struct {
	start int64
	db    float64
	snr   float64 // dB above the background (the better of the two bands)
	over  float64 // dB above the typical (median) background
	young bool    // the background was learnt from under half a second of audio
	raw   bool    // voice-active by level
	tonal bool    // part of a tone (DTMF, V.21, a cadence tone)
	pure  bool    // part of a single tone in progress, maybe a beep
	voice float32 // voicing (voicing.go) of a voice-active frame; -1: not measured, within a voiced run
	vlike bool    // voiced, loud, or a consonant next to a voiced frame
	lost  bool    // held a run of digital silence (energy.Lost)
}

// bandRun is a run of frames holding most of their power in one band (a
// fax tone on a noisy line), bridging gaps of up to three frames.
type bandRun struct {
	start, end    int64 // end -1: no run
	frames, noisy int   // its frames, and those not a pure tone
}

// add extends the run with the frame [start, end), or begins a new one.
func (b *bandRun) add(start, end int64, pure bool) {
	if b.end < start-3*frameLen {
		b.start, b.frames, b.noisy = start, 0, 0
	}
	b.end = end
	b.frames++
	if !pure {
		b.noisy++
	}
}

// over reports whether a run ended more than three frames before start.
func (b *bandRun) over(start int64) bool { return b.end >= 0 && start-b.end > 3*frameLen }

// chainBurst is one burst of a chain, for finding where the voice starts.
type chainBurst struct {
	start int64
	over  float64
}

// speech follows utterances on lagged frames.
type speech struct {
	inBurst     bool
	confirmed   bool
	burstStart  int64
	burstLast   int64 // end of the burst's last speech frame
	burstFrames int
	burstVoiced int // the burst's longest run of voiced frames (voicing >= voicedR)
	voicedRun   int // its current run
	burstLevel  float64
	burstPeak   float64 // highest frame SNR in the burst
	burstLow    float64 // lowest frame SNR in the burst
	burstOver   float64 // highest level above the typical background
	burstYoung  bool    // it began while the background was young
	burstDB     float64 // its loudest frame, dBFS
	burstVoice  int64   // where its voice starts (voiceOnset), -1 before
	chainOver   float64 // the loudest burst of the chain, above the typical background
	chainDB     float64 // the loudest frame of the chain, dBFS
	chainOn     bool
	chainStart  int64
	voiceStart  int64   // where the chain's voice starts: chainStart, or later when quieter background bursts came first
	lastLoud    int64   // the chain's last speech frame in a burst whose peak is within loudSpanDB of the chain's loudest
	quietFrom   int64   // the first speech frame of quieter bursts after lastLoud
	loudAt      int64   // end of the chain's last confirmed frame within loudSpanDB of its loudest
	lastSpeech  int64   // end of the last confirmed speech frame
	lastLevel   int64   // on a line that sent nothing before its first sound: end of the chain's last voiced frame sent within sentVoiceDB of its loudest
	chainFrames int     // speech frames in the chain
	frames      int     // confirmed speech frames in all chains
	loudStart   int64   // the burst's first frame within loudSpanDB of its loudest (so far)
	loudOver    float64 // that frame's level above the typical background
	// The chain's first bursts (where each turns loud, how loud): the chain
	// starts at the first within loudSpanDB of its loudest, so background
	// swings heard before the voice do not lengthen it.
	bursts        [8]chainBurst
	nBursts       int
	utterances    int // chains so far
	everConfirmed bool
	everVoice     bool // a chain was long or loud enough to be a voice, not a click or a swing of the background
}

// Detector classifies one call leg's audio (the callee's), streaming, on the
// sample clock. It is not safe for concurrent use; give each call its own.
type Detector struct {
	cfg Config
	// derived, in samples
	minBeep, maxBeep, humanSil, humanSilLong, longUtt, machineSpeech, fwdSpeech, silenceTimeout, greetingSil, earlySpeech, cedMin int64

	loneRaw  int     // voice-active frames after a held lone tone, before speech
	voiceDB  float64 // the loudest answered burst of speech, mean dBFS (-200 before one)
	curStart int64   // the frame in analysis starts here
	lostRuns [8]span // the latest runs of lost frames, for gapHeard
	nLost    int

	buf     [frameLen]int16
	fill    int
	next    int64
	started bool
	ended   bool

	noise, noiseHP energy.Noise    // background of the full band and of the differenced (high-passed) signal
	bg, bgHP       energy.Noise    // median level of the frames that are not voice-active (the typical background)
	act, actHP     energy.Activity // voice activity in each band
	noiseAnswered  bool            // the noise trackers were restarted at the answer
	vc             voicer
	whiteRho       float64 // the background's lag-1 correlation (noteWhiteness)
	whiteN         int     // background frames it is made of
	whiteBG        bool    // the background is white (noteWhiteness)
	lastVoiced     int64   // end of the last frame measured voiced, -1 none
	zeroRun        int     // frames of digital silence (lost packets, or none sent) in a row
	heardAnswered  bool    // a frame after the answer was not digital silence
	silentStart    bool    // and dtxFrames of digital silence came before it (firstSound)
	first          firstBurst
	firstOK        bool // first awaits its judgement (firstHeard)
	spurt          talkspurt
	vowelHeard     bool  // a talkspurt after the answer held a vowel of vowelRun
	vRunLast       int64 // end of the last voice-active frame
	vStreak        int   // voiced frames in a row measured in its run
	single         tone.Tracker
	low            tone.Tracker

	// Known greetings (greetings.go): the store; the PCM since the answer
	// and the levels of its frames, while the call's print is awaited; the
	// print, until it is learnt or of no more use.
	greetings *Greetings
	gRing     *[printRingSamples]int16
	gLevel    [printEnvRing]float32
	gAt       [printEnvRing]int64
	gN        int64
	gPrint    *printData
	gDone     bool

	// The levels of the answered chain's frames in its first fgFrames from
	// the voice start, fgNone where not speech (fgAt: the voice start they
	// are of; fgN: frames noted): a hello over background voices
	// (backgroundAfterHello). fgTmp is scratch for sorting.
	fgAt  int64
	fgL   [fgFrames]float32
	fgN   int
	fgTmp [fgFrames]float32

	ring      [ringSize]frameRec
	nFrames   int64 // frames analysed
	nConsumed int64 // frames through the speech logic

	answerAt  int64
	newSrc    int64 // where the latest new source (RTP SSRC) began, -1 none
	forwarded bool  // Forwarded: ForwardedSpeech decides Machine
	v         Verdict

	ev      [maxEvents]Event
	evFirst int
	evN     int

	sp    speech // after answer
	early speech // before answer

	// SIT and pending beeps
	pend         tone.Segment
	pendOK       bool
	pendKind     int
	verifyVoice  int               // voice-active frames after a held beep
	verifyLoud   int               // frames within afterQuietDB of a held tone's level in the verifyN after it
	verifyN      int               // frames after a held tone that verifyLoud counts: verifyFrames, or musicVerifyFrames amid music
	levels       [levelRing]uint8  // every frame's level, as halfDB keeps it, by frame number (soundBefore)
	levelsFrom   int64             // the first frame number levels holds since the sample clock started or jumped
	notes        [noteRing]span    // the latest tones of a beep's length after the answer (amidMusic, musicNow)
	notesHz      [noteRing]float64 // and their pitches
	notesDB      [noteRing]float32 // and levels
	nNotes       int               // how many there were: notes[nNotes%noteRing] is the next slot
	pendFollowed bool              // a tone at another pitch began right after the held beep
	cedStart     int64
	cedEnd       int64
	cedTotal     int64
	pendUntil    int64
	sitN         int
	sitBand      int
	sitStart     int64
	sitEnd       int64
	sitFreq      float64

	// An announcement decided from speech in early media is reopened at the
	// answer: what answers decides (a person after a music ringback, a
	// voicemail after a "please hold" message).
	earlyVoice bool    // the verdict is Announcement from speech in early media
	earlyAnn   bool    // such a verdict was reopened at the answer
	earlyLevel float64 // mean level of the last early burst (dBFS)
	tailLevel  float64 // mean level of the first burst after the answer (dBFS)

	beepHz float64 // frequency of the last beep

	lastToneEnd int64   // end of the last single tone of beep length, -1 none
	lastToneHz  float64 // its frequency

	// A run of tones one straight after the other (melody): how often its
	// pitch changed; once it changed twice, until when a tone that starts
	// is still the melody (-1 none).
	runChanges int
	runStart   int64
	musicTill  int64

	cngPieceStart, cngPieceEnd int64   // the 1100 Hz burst being pieced together (-1 none)
	nb                         bandRun // frames with most of their power at 1100 Hz
	nbLast                     int64   // end of the last such run of CNG length, -1 none
	cb                         bandRun // frames with most of their power at 2100 Hz

	cngN    int
	cngLast int64 // end of the last 1100 Hz burst of CNG length, -1 none
	cngHold int64 // human/machine decisions wait until here: a fax may repeat its CNG

	flat  [flatFrames]float64 // levels of the last active frames
	flatN int                 // active frames in a row

	cad          [4]tone.Segment
	cadN         int
	busyTill     int64 // end of the busy train already reported
	busyRun      int   // regular bursts in it
	cadenceHeard bool  // a busy or ringback cadence after answer
	ringN        int
	lastRing     int64

	v21Run, v21Miss int
	v21Mix          int // frames of the run that mix mark and space
	v21Start        int64
	v21Last         int64
	v21Fired        bool
	toneHeard       bool  // a tone after answer: not dead air
	rawRunStart     int64 // start of the current run of voice-active frames (not yet through the lag)
	rawLast         int64 // end of its last frame

	prevR1, prevR2 float64
	statRun        int
	dtmfKey        byte
	dtmfRun        int
	dtmfMiss       int
	dtmfStart      int64
	dtmfEnd        int64
	dtmfLow        float64
	dtmfHigh       float64
}

// New returns a Detector. An invalid cfg (see Config.Validate) is replaced by
// DefaultConfig.
func New(cfg Config) *Detector {
	if cfg.Validate() != nil {
		cfg = DefaultConfig()
	}
	d := &Detector{cfg: cfg}
	d.minBeep, d.maxBeep = samples(cfg.MinBeep), samples(cfg.MaxBeep)
	d.humanSil, d.humanSilLong, d.longUtt = samples(cfg.HumanSilence), samples(cfg.HumanSilenceLong), samples(cfg.LongUtterance)
	d.machineSpeech, d.silenceTimeout = samples(cfg.MachineSpeech), samples(cfg.SilenceTimeout)
	d.fwdSpeech = d.machineSpeech
	if cfg.ForwardedSpeech > 0 {
		d.fwdSpeech = samples(cfg.ForwardedSpeech)
	}
	d.greetingSil, d.earlySpeech, d.cedMin = samples(cfg.GreetingSilence), samples(cfg.EarlyMediaSpeech), samples(cfg.CEDMin)
	d.Reset()
	return d
}

// Reset prepares the Detector for a new call, keeping its Config.
func (d *Detector) Reset() {
	d.releasePrint()
	cfg := d.cfg
	*d = Detector{cfg: cfg,
		minBeep: d.minBeep, maxBeep: d.maxBeep, humanSil: d.humanSil, humanSilLong: d.humanSilLong, longUtt: d.longUtt,
		machineSpeech: d.machineSpeech, fwdSpeech: d.fwdSpeech, silenceTimeout: d.silenceTimeout, greetingSil: d.greetingSil,
		earlySpeech: d.earlySpeech, cedMin: d.cedMin, greetings: d.greetings}
	d.act = energy.Activity{OnDB: cfg.SpeechOnDB, OffDB: cfg.SpeechOffDB, MinDBFS: cfg.SpeechMinDBFS}
	d.bg.Percentile, d.bgHP.Percentile = 0.5, 0.5
	d.actHP = energy.Activity{OnDB: cfg.SpeechOnDB, OffDB: cfg.SpeechOffDB, MinDBFS: cfg.SpeechMinDBFS - 3}
	// A beep holds its frequency to ~1% and its level to a few dB; packet
	// loss (zero runs of 20 ms) is bridged.
	d.single = tone.Tracker{FreqTol: 0.03, MinTol: 25, LevelTol: 4, MaxMiss: 1, MaxLostMiss: 4}
	// Cadence tones: 425 Hz or a close pair (440+480 beats, so no level check).
	d.low = tone.Tracker{Sticky: true, FreqTol: 0.06, MinTol: 25, MaxMiss: 3, MaxLostMiss: 6}
	d.answerAt = -1
	d.newSrc = -1
	d.v = Verdict{DecidedAt: -1, BeepStart: -1, BeepEnd: -1, GreetingEnd: -1}
	d.busyTill = -1
	d.cedEnd = -1
	d.lastRing = -1
	d.cngLast, d.cngHold = -1, -1
	d.cngPieceEnd = -1
	d.nb.end, d.nbLast = -1, -1
	d.cb.end = -1
	d.lastToneEnd, d.musicTill = -1, -1
	d.lastVoiced = -1
	d.voiceDB = -200
}

// Answer marks the sample at which the call was answered. Audio before it
// is early media: speech or SIT there decides Announcement, busy tone Busy,
// and ringback is ignored. Until Answer is called all audio is early media,
// so call it before writing the answer sample (frames already analysed stay
// early media; the speech logic runs 120 ms behind, which absorbs a short
// delay). Only the first call counts.
func (d *Detector) Answer(sample int64) {
	if d.answerAt >= 0 {
		return
	}
	d.answerAt = sample
	if d.greetings != nil && !d.gDone {
		d.gRing = printRingPool.Get().(*[printRingSamples]int16)
	}
}

// Forwarded tells the detector that the network forwarded the call on
// busy, no reply or because the subscriber was not reachable, before it
// was answered: how mobile networks reach voicemail (a Diversion or
// History-Info in SIP, a redirection in ISUP). A greeting is then likely,
// and Config.ForwardedSpeech of speech decides Machine instead of
// MachineSpeech. Nothing else changes: a person reached by forwarding who
// says a short hello is still Human. Call it before the answer's audio.
func (d *Detector) Forwarded() { d.forwarded = true }

// NewSource tells the detector that the audio from sample on comes from
// another source than before (a new RTP SSRC took over the stream: early
// media came from an announcement server or a caller tune platform, the
// callee's phone sends after the answer). Speech of a new source that
// begins around the answer is the callee's, never an early announcement
// going on.
func (d *Detector) NewSource(sample int64) { d.newSrc = sample }

// Samples returns the number of samples written so far (the sample index
// after the last one written).
func (d *Detector) Samples() int64 { return d.next }

// Verdict returns the current verdict.
func (d *Detector) Verdict() Verdict { return d.v }

// Events appends the events so far (the last 256) to dst, oldest first.
func (d *Detector) Events(dst []Event) []Event {
	for i := 0; i < d.evN; i++ {
		dst = append(dst, d.ev[(d.evFirst+i)%maxEvents])
	}
	return dst
}

func (d *Detector) addEvent(e Event) {
	if d.evN < maxEvents {
		d.ev[(d.evFirst+d.evN)%maxEvents] = e
		d.evN++
		return
	}
	d.ev[d.evFirst] = e
	d.evFirst = (d.evFirst + 1) % maxEvents
}

func (d *Detector) answered(sample int64) bool { return d.answerAt >= 0 && sample >= d.answerAt }

func (d *Detector) decide(c Class, conf float64, reason string) {
	d.v.Class, d.v.Decided, d.v.DecidedAt, d.v.Confidence, d.v.Reason, d.v.Provisional = c, true, d.next, conf, reason, false
}

// open reports whether the class may still change to c: nothing decided, or
// only a weak class that the new evidence overrides.
func (d *Detector) open() bool {
	return !d.v.Decided || d.v.Class == Silence || d.v.Class == Unknown
}

// Write feeds 8 kHz 16-bit mono PCM; sample is the index of pcm[0] on the
// stream's sample clock (gaps already filled by the caller). A jump in the
// clock restarts the frame. Write does not allocate.
func (d *Detector) Write(pcm []int16, sample int64) {
	if d.ended {
		return
	}
	if !d.started || sample != d.next {
		d.started = true
		d.next = sample
		d.fill = 0
		d.levelsFrom = sample / frameLen // what came before was not heard (soundBefore)
	}
	if d.gRing != nil {
		d.keepPCM(pcm, sample)
	}
	for len(pcm) > 0 {
		n := copy(d.buf[d.fill:], pcm)
		d.fill += n
		pcm = pcm[n:]
		d.next += int64(n)
		if d.fill == frameLen {
			d.fill = 0
			d.frame(d.next - frameLen)
		}
	}
}

// End says the stream ended at sample (hang-up) and finalises what is
// pending: the speech still in the pipeline, tones in progress, and a
// decision from what was heard (short speech then hang-up is Human, speech
// to the end is Machine, nothing is Silence).
func (d *Detector) End(sample int64) {
	if d.ended {
		return
	}
	heard := d.next // the end of the audio written: the hang-up may come later
	if sample > d.next {
		d.next = sample
	}
	for d.nConsumed < d.nFrames {
		d.consume()
	}
	now := d.next
	if s, ok := d.single.Flush(); ok {
		d.toneEnded(s, now)
	}
	if s, ok := d.low.Flush(); ok {
		d.lowEnded(s)
	}
	if d.pendOK && d.pendKind == holdVerify && heard-d.pend.End < verifyFrames/2*frameLen {
		// The audio ended right after the tone: nothing heard says it
		// ended with quiet (a note of music cut off by the hang-up).
		d.pendOK = false
		d.addEvent(Event{Kind: EventTone, Start: d.pend.Start, End: d.pend.End, Freq: d.pend.Freq, Level: d.pend.Level})
	}
	d.flushPending(now, true)
	d.endBurst(&d.sp)
	d.endBurst(&d.early)
	if d.answerAt >= 0 && now > d.answerAt {
		if !d.v.Decided {
			switch {
			case d.sp.everConfirmed && d.sp.chainOn && d.sp.lastSpeech-d.sp.chainStart >= d.machineSpeech*4/5:
				switch {
				case d.backgroundAfterHello():
					d.decide(Human, 0.6, ReasonHelloOverVoices)
				case now-d.sp.lastSpeech < d.humanSil:
					d.decide(Machine, 0.6, "speech until hang-up")
				default:
					// Speech that had stopped HumanSilence before the
					// hang-up: a person's long hello, cut short of the
					// longer pause that decides it (or an announcement the
					// network ended: the caller's fusion tells them apart
					// by who released).
					d.decide(Human, 0.6, ReasonLongHelloHangUp)
				}
			case d.sp.everConfirmed:
				d.decide(Human, 0.6, "short speech then hang-up")
			case now-d.answerAt >= SampleRate:
				d.decide(Silence, 0.7, "no speech before hang-up")
				d.addEvent(Event{Kind: EventSilence, Start: d.answerAt, End: now, Level: d.noise.Value(energy.SilenceDBFS)})
			}
		}
		if d.v.Class == Machine && d.v.BeepEnd < 0 && d.v.GreetingEnd < 0 && d.sp.everConfirmed {
			d.v.GreetingEnd = d.sp.lastSpeech
		}
	}
	if d.greetings != nil {
		d.endPrint(now)
	}
	d.ended = true
}

// frame analyses one 10 ms frame starting at sample start.
func (d *Detector) frame(start int64) {
	x := d.buf[:]
	end := start + frameLen
	// One pass gives the lags and the frame's energy.
	lags, sumSq := tone.CorrelateSum(x)
	ms := float64(sumSq) / frameLen
	db := energy.DBFS(ms)
	lost := energy.Lost(x)
	d.curStart = start
	d.levels[(start/frameLen)%levelRing] = halfDB(db, lost)
	if lost {
		if r := &d.lostRuns[(d.nLost+len(d.lostRuns)-1)%len(d.lostRuns)]; d.nLost > 0 && r.to == start {
			r.to = start + frameLen
		} else {
			d.lostRuns[d.nLost%len(d.lostRuns)] = span{start, start + frameLen}
			d.nLost++
		}
		if r := d.lostRuns[(d.nLost-1)%len(d.lostRuns)]; d.pendOK && d.pendKind == holdVerify && start >= d.pend.End && r.to-r.from <= dtxFrames*frameLen {
			// Nothing heard verifies a beep: its 100 ms of quiet start
			// after the loss (and its end may lie in it, see beep). A
			// run of dtxFrames or more is a sender that stopped (silence
			// suppression after the beep), and counts as the quiet.
			d.pendUntil += frameLen
		}
	}
	vdb := db
	// The callee's line after the answer is another source than early
	// media (ringback, an announcement): its background is learnt afresh.
	if d.answerAt >= 0 && start >= d.answerAt && !d.noiseAnswered {
		d.noiseAnswered = true
		d.whiteN = 0
		d.noise.Reset()
		d.noiseHP.Reset()
		d.bg.Reset()
		d.bgHP.Reset()
	}
	hp := lags.Differenced()
	hdb := energy.DBFS(float64(hp.R0) / float64(frameLen-6))
	if lost {
		if d.answered(start) {
			d.zeroRun++ // (early media's silences are another source's)
		}
	} else {
		if !d.heardAnswered && d.answered(start) {
			// The callee's first frame that is not digital silence: after
			// dtxFrames of it, the line sent nothing (firstSound).
			d.heardAnswered, d.silentStart = true, d.zeroRun >= dtxFrames
			if d.silentStart {
				d.noise.Percentile, d.noiseHP.Percentile = dtxNoisePct, dtxNoisePct
			}
		}
		d.zeroRun = 0
		d.noise.Update(vdb)
		d.noiseHP.Update(hdb)
	}
	// The activity threshold follows how much the background swings: a
	// steady hiss (white noise, its median 1-2 dB above its 10th
	// percentile) lets a quiet voice through at 6 dB, a swinging one
	// (babble, rumble) needs the full SpeechOnDB.
	nf, nh := d.noise.Value(-75), d.noiseHP.Value(-80)
	// On a line that sent nothing before its first sound (silentStart),
	// that sound was learnt as the background's median before the
	// suppressor's hangover showed the noise: once the median stands
	// bgSpreadDB over the low percentile (bgVowelSpreadDB once a vowel
	// was heard), it is learnt afresh from the next quiet frames. Else
	// the words after it did not stand over it.
	if d.silentStart {
		spread := float64(bgSpreadDB)
		if d.vowelHeard {
			spread = bgVowelSpreadDB
		}
		if d.bg.Known() && d.bg.Value(nf)-nf > spread {
			d.bg.Reset()
		}
		if d.bgHP.Known() && d.bgHP.Value(nh)-nh > spread {
			d.bgHP.Reset()
		}
	}
	d.act.OnDB = min(d.cfg.SpeechOnDB, max(d.cfg.SpeechOffDB, d.bg.Value(nf)-nf+5))
	d.actHP.OnDB = min(d.cfg.SpeechOnDB, max(d.cfg.SpeechOffDB, d.bgHP.Value(nh)-nh+5))
	d.act.OffDB = d.act.OnDB * d.cfg.SpeechOffDB / d.cfg.SpeechOnDB
	d.actHP.OffDB = d.actHP.OnDB * d.cfg.SpeechOffDB / d.cfg.SpeechOnDB
	raw, _ := d.act.Update(vdb, nf)
	rawHP, _ := d.actHP.Update(hdb, nh)
	raw = raw || rawHP
	// SNR against a background no lower than near-silence, so that a
	// digitally silent line does not make any sound loud.
	snr := max(vdb-max(d.noise.Value(-75), -70), hdb-max(d.noiseHP.Value(-80), -76))
	if !raw && !lost {
		d.bg.Update(vdb)
		d.bgHP.Update(hdb)
		d.noteWhiteness(lags)
	}
	over := max(vdb-max(d.bg.Value(-75), -70), hdb-max(d.bgHP.Value(-80), -76))
	if lost {
		raw = false
	}

	single, low, v21, v21Mix, stationary, dtmfLike := false, false, false, false, false, false
	freq, partial := 0.0, 0.0
	if !lost && db >= d.cfg.ToneMinDBFS {
		est, ok := tone.Pisarenko(lags, SampleRate)
		if ok {
			freq = est.Freq
			first := est.Fraction >= 0.7 && freq >= 280 && freq <= 2600
			// Coloured noise (mostly below 1 kHz) biases the estimate; the
			// differenced signal keeps a tone and whitens that noise: its
			// estimate is tried second, when the first is not one tone.
			e2, ok2 := tone.Pisarenko(lags.Differenced(), SampleRate)
			second := ok2 && e2.Fraction >= 0.8 && abs(e2.Freq-freq) > 20 && e2.Freq >= 280 && e2.Freq <= 2600
			switch {
			case first && second:
				// Both filter banks in one pass (voiced speech often
				// needs both): about the cost of one and a half.
				f1, f2 := d.pureBase(freq), d.pureBase(e2.Freq)
				lo, hi := pureBank(f1), pureBank(f2)
				g := [8]tone.Goertzel{lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]}
				p := tone.Power8(x, &g)
				if sf, ok := d.purest(p[:4], ms, f1); ok {
					single, freq = true, sf
				} else if sf, ok := d.purest(p[4:], ms, f2); ok {
					single, freq = true, sf
				}
			case first, second:
				f := d.pureBase(freq)
				if !first {
					f = d.pureBase(e2.Freq)
				}
				g := pureBank(f)
				p := tone.Power4(x, &g)
				if sf, ok := d.purest(p[:], ms, f); ok {
					single, freq = true, sf
				}
			}
			if !single && est.Fraction >= 0.85 {
				// A beep rich in harmonics (a square wave through the
				// line: its third harmonic at -9.5 dB) pulls the estimate
				// off its fundamental; with the harmonics damped it fits.
				if e3, ok3 := tone.Pisarenko(lags.Summed(), SampleRate); ok3 && e3.Fraction >= 0.9 && e3.Freq >= 500 && e3.Freq <= 2600 &&
					abs(e3.Freq-freq) > 15 {
					// Harmonics pull the estimate up, never down: look
					// from 60 Hz below it.
					f := d.pureBase(e3.Freq - 40)
					g := pureBank(f)
					p := tone.Power4(x, &g)
					if sf, ok := d.purest(p[:], ms, f); ok {
						single, freq = true, sf
					}
				}
			}
			low = est.Fraction >= 0.85 && freq >= 300 && freq <= 700
			// V.21 flags (0x7E at 300 bit/s) hold 20 ms of mark and 6.7
			// ms of space in every 27 ms: most frames carry some of both,
			// though the tone tracker may take them for one tone. A
			// steady tone near 1650 or 1850 Hz (a beep) carries one.
			if single && (abs(freq-1650) <= 40 || abs(freq-1850) <= 40) || !single && freq >= 1500 && freq <= 2000 {
				p1, p2 := g1650.Power(x)/ms, g1850.Power(x)/ms
				v21Mix = p1+p2 >= 0.4 && p1 >= 0.05 && p2 >= 0.05
				v21 = single || v21Mix
			}
		}
		if lags.R0 > 0 {
			r1, r2 := float64(lags.R1)/float64(lags.R0), float64(lags.R2)/float64(lags.R0)
			stationary = abs(r1-d.prevR1) < 0.03 && abs(r2-d.prevR2) < 0.05
			d.prevR1, d.prevR2 = r1, r2
			// A DTMF pair (697..941 + 1209..1633 Hz) has r1 = mean cos w
			// in 0.45..0.75 and r2 in -0.45..0.15; voiced speech, mostly
			// below 1 kHz, sits higher. Only such frames pay for the bank.
			dtmfLike = r1 >= 0.35 && r1 <= 0.82 && r2 >= -0.6 && r2 <= 0.3
		}
	}
	if !single && !lost && db >= d.cfg.ToneMinDBFS-10 {
		if f, ok := d.single.Tracking(); ok {
			partial = tone.NewGoertzel(f, SampleRate).Power(x) / ms
		}
	}

	// DTMF: only on steady frames that are not one tone.
	dtmf := false
	if stationary && dtmfLike && !single && db >= -45 {
		d.statRun++
		if d.statRun >= 2 || d.dtmfRun > 0 {
			if key, lo, hi, ok := tone.DTMF(x, ms); ok {
				dtmf = true
				if d.dtmfRun > 0 && key == d.dtmfKey {
					d.dtmfRun++
					d.dtmfEnd = end
				} else {
					d.endDTMF()
					d.dtmfKey, d.dtmfRun, d.dtmfStart, d.dtmfEnd, d.dtmfLow, d.dtmfHigh = key, 1, start, end, lo, hi
				}
				d.dtmfMiss = 0
			}
		}
	} else {
		d.statRun = 0
	}
	if !dtmf && d.dtmfRun > 0 {
		d.dtmfMiss++
		if d.dtmfMiss > 1 {
			d.endDTMF()
		}
	}

	// The fax calling tone on a noisy line: the tone tracker wants a
	// frame mostly made of one tone, which CNG 6 dB above loud noise is
	// not, but the 1100 Hz band still holds most of the frame's power.
	// A fax speaks no words: once the callee has said more than 0.9 s,
	// the check stops (it costs a tenth of the frame).
	if !lost && db >= d.cfg.ToneMinDBFS && d.answered(start) && d.sp.frames < 3*cngSpeech &&
		(single && abs(freq-1100) <= 40 || !single && g1100.PowerHalves(x)/ms >= cngShare) {
		d.nb.add(start, end, single)
	} else if d.nb.over(start) {
		d.cngBand(d.nb.start, d.nb.end)
		d.nb.end = -1
	}

	// The fax answer tone on a noisy line, likewise: frames of the pure
	// tone or with most of their power at 2100 Hz, for CEDMin (a half-frame filter: a phase
	// reversal costs one frame). Checked where the estimate lies near
	// 2100 Hz, and, since coloured noise pulls the estimate down, on
	// every frame until the callee has said 0.9 s.
	if !lost && db >= d.cfg.ToneMinDBFS && d.answered(start) && (single && abs(freq-2100) <= 40 ||
		!single && (abs(freq-2100) <= 200 || d.sp.frames < 3*cngSpeech) && g2100.PowerHalves(x)/ms >= cngShare) {
		d.cb.add(start, end, single)
		// A clean tone (mostly pure frames) is the tone tracker's.
		if end-d.cb.start >= d.cedMin && 4*d.cb.noisy >= d.cb.frames && (d.open() || d.v.Class == Human) {
			d.addEvent(Event{Kind: EventFaxCED, Start: d.cb.start, End: end, Freq: 2100, Level: db})
			d.decide(Fax, 0.9, "ced 2100 Hz in noise")
		}
	}

	// V.21 flags.
	if v21 {
		if d.v21Run == 0 {
			d.v21Start, d.v21Mix = start, 0
		}
		if v21Mix {
			d.v21Last = end // a mark/space mix: not a run of one frequency
			d.v21Mix++
		}
		d.v21Run++
		d.v21Miss = 0
		if d.v21Run >= 30 && 3*d.v21Mix >= d.v21Run && !d.v21Fired {
			d.v21Fired = true
			d.addEvent(Event{Kind: EventV21, Start: d.v21Start, End: end, Freq: 1650, Freq2: 1850, Level: db})
			if d.open() || d.v.Class == Human {
				d.decide(Fax, 0.97, "v21 flags")
			}
		}
	} else if d.v21Run > 0 {
		d.v21Miss++
		if d.v21Miss > 3 {
			d.v21Run, d.v21Fired = 0, false
		}
	}

	// Single tones.
	if s, ok := d.single.Push(tone.Frame{Start: start, End: end, Tonal: single, Freq: freq, Level: db, Lost: lost, Partial: partial}); ok {
		d.toneEnded(s, end)
	}
	if s, ok := d.single.Current(); ok && s.End == end {
		if abs(s.Freq-2100) <= 40 && s.End-s.Start >= d.cedMin && (d.open() || d.v.Class == Human) {
			d.decide(Fax, 0.95, "ced 2100 Hz")
		}
	}
	// Cadence tones.
	if s, ok := d.low.Push(tone.Frame{Start: start, End: end, Tonal: low, Freq: freq, Level: db, Lost: lost}); ok {
		d.lowEnded(s)
	}
	d.flushPending(end, false)

	// Per-frame record; mark tone frames retroactively so the lagged speech
	// logic does not take them for speech.
	if raw && !single && !low {
		// A voice is modulated: syllables and the dips between them. A run
		// of active frames that stays within flatDB for flatFrames is a
		// steady background the noise floor has not caught up with yet
		// (noise that rises after the answer), not speech.
		d.flat[d.flatN%flatFrames] = vdb
		d.flatN++
		if d.flatN >= flatFrames {
			lo, hi := d.flat[0], d.flat[0]
			for _, v := range d.flat[1:] {
				lo, hi = min(lo, v), max(hi, v)
			}
			raw = hi-lo >= flatDB
		}
	} else {
		d.flatN = 0
	}
	// Voicing of every voice-active frame (voicing.go). A frame is
	// voice-like when voiced, loud (loudVoiceDB above the typical
	// background) or within consonantGap of a voiced frame (the consonants
	// around a vowel): only voice-like frames make speech last longer, so
	// the line's noise or babble going on after a word does not.
	//
	// Voicing costs more than the rest of the frame, so within a run of
	// voice-active frames that has shown two voiced frames in a row it is
	// measured again only as the consonant allowance runs out (about one
	// frame in thirteen of a vowel); the frames between count as voiced
	// (-1).
	d.vc.push(x)
	var voice float32
	vlike := false
	// A line that sent nothing before its first sound learns its
	// background from its sounds: their vowels are measured for its
	// talkspurts (spurtHeard) even when they do not stand over it.
	inSpurt := d.silentStart && !lost && vdb >= -70+peakSNR && d.noise.Frames() < youngFrames
	if (raw || inSpurt) && !single {
		if start-d.vRunLast > burstGap*frameLen {
			d.vStreak = 0 // a new run
		}
		d.vRunLast = end
		// After a beep candidate (in its verify window, or the 300 ms
		// after a low one) every frame is measured: a vowel there makes it
		// a held vowel, and the candidate's own tail, in the first frame
		// after it, would otherwise stand for the frames that follow.
		verifying := d.pendOK && start >= d.pend.End && (d.pendKind == holdVerify || d.pendKind == holdBusy && start < d.pend.End+lowVerifyFrames*frameLen)
		if verifying || inSpurt || d.vStreak < 2 || d.lastVoiced < 0 || end-d.lastVoiced > consonantGap-2*frameLen {
			d.vc.white = d.whiteBG && lags.R0 > 0 && float64(lags.R1) < whiteFrameRho*float64(lags.R0)
			voice = float32(d.vc.voicing())
			if voice >= voicedR {
				d.vStreak++
				d.lastVoiced = end
			} else {
				d.vStreak = 0
			}
		} else {
			voice = -1
		}
		vlike = voice >= voicedR || voice < 0 || over >= loudVoiceDB || d.lastVoiced >= 0 && end-d.lastVoiced <= consonantGap
	}
	if raw && !single && !low && vlike {
		if end-frameLen-d.rawLast > burstGap*frameLen {
			d.rawRunStart = start
		}
		d.rawLast = end
	}
	if d.pendOK && (d.pendKind == holdVerify || start < d.pend.End+verifyFrames*frameLen || d.pendKind == holdBusy && start < d.pend.End+lowVerifyFrames*frameLen) &&
		start >= d.pend.End && raw && !single && (voice >= voicedR || voice < 0 || d.pend.Freq >= lowBeepHz && over >= loudVoiceDB) {
		// (Only vowels count, and above 380 Hz loud frames too: a held
		// vowel or a voice's harmonic is followed by words, a beep by the
		// line's noise, however much that swings.)
		d.verifyVoice++
	}
	if d.pendOK && start >= d.pend.End && start < d.pend.End+int64(d.verifyN)*frameLen && !lost && db >= d.pend.Level-afterQuietDB {
		d.verifyLoud++
	}
	if d.gRing != nil && start >= d.answerAt {
		k := d.gN % printEnvRing
		d.gLevel[k], d.gAt[k] = printQuietDB, start
		if raw && !lost {
			d.gLevel[k] = float32(vdb)
		}
		d.gN++
	}
	idx := int(d.nFrames % ringSize)
	d.ring[idx] = frameRec{start: start, db: vdb, snr: snr, over: over, young: d.noise.Frames() < youngFrames, raw: raw, tonal: dtmf || v21, voice: voice, vlike: vlike, lost: lost}
	d.nFrames++
	mark, pure := int64(0), int64(0)
	if s, ok := d.single.Current(); ok {
		if d.pendOK && d.pendKind == holdVerify && s.Frames >= 2 && otherNote(d.pend, s) {
			// A tone at another pitch in the hold: a note that follows,
			// even if it ends before the hold does (see flushPending).
			d.pendFollowed = true
		}
		if s.Frames >= 3 {
			// And the frame before: the tone's onset fills part of it,
			// which makes a loud frame that is not a voice.
			pure = min((end-s.Start)/frameLen+1, d.nFrames-d.nConsumed)
		}
	}
	if s, ok := d.low.Current(); ok && s.Frames >= 15 && dense(s) {
		mark = max(mark, (end-s.Start)/frameLen)
		if d.answered(s.Start) {
			d.toneHeard = true
		}
	}
	if d.dtmfRun >= 2 {
		mark = max(mark, int64(d.dtmfRun+1))
	}
	if d.v21Run >= 3 {
		mark = max(mark, int64(d.v21Run))
	}
	mark = min(mark, d.nFrames-d.nConsumed)
	for i := range mark {
		d.ring[int((d.nFrames-1-i)%ringSize)].tonal = true
	}
	for i := range pure {
		d.ring[int((d.nFrames-1-i)%ringSize)].pure = true
	}
	for d.nFrames-d.nConsumed > lagFrames {
		d.consume()
	}
}

// The purity test: a frame is one tone near a frequency when the Goertzel
// share of the frame power there (pureBank) reaches TonePurity. While a
// tone is followed the test runs at the tone's running frequency, the
// estimate jitters in noise (pureBase), and 20 Hz below, 20 and 40 Hz
// above: coloured noise pulls the estimate down more often than up.

// pureBase returns the frequency the purity test centres on for an
// estimate f: the followed tone's when f is near it, else f.
func (d *Detector) pureBase(f float64) float64 {
	if ft, on := d.single.Tracking(); on && abs(f-ft) <= max(25, 0.03*ft) {
		return ft
	}
	return f
}

// pureOffsets are the frequencies of pureBank, relative to its base.
var pureOffsets = [4]float64{0, -20, 20, 40}

// pureBank returns the filters of the purity test around base f.
func pureBank(f float64) [4]tone.Goertzel {
	return [4]tone.Goertzel{tone.NewGoertzel(f, SampleRate), tone.NewGoertzel(f-20, SampleRate),
		tone.NewGoertzel(f+20, SampleRate), tone.NewGoertzel(f+40, SampleRate)}
}

// purest takes the powers of pureBank(base) on a frame of mean square ms:
// it returns the frequency with the largest share and whether that share
// reaches TonePurity.
func (d *Detector) purest(p []float64, ms, base float64) (float64, bool) {
	pur, f := p[0]/ms, base
	for i, df := range pureOffsets {
		if p[i]/ms > pur {
			pur, f = p[i]/ms, base+df
		}
	}
	return f, pur >= d.cfg.TonePurity
}

// dense reports whether most of a cadence segment's frames were tonal
// (vowels pass for a low tone now and then, not for most of 150 ms).
func dense(s tone.Segment) bool { return 10*int64(s.Frames)*frameLen >= 6*(s.End-s.Start) }

// toneNow reports whether a single tone loud enough to be a beep is being
// followed (it may be the beep that ends a short greeting: wait for it).
func (d *Detector) toneNow() bool {
	s, ok := d.single.Current()
	return ok && s.Frames >= 3 && d.couldBeep(s.Level)
}

// musicNow reports whether notes at two pitches or more ended in the 2.5 s
// before now, after the answer: tones in progress are more of the music,
// and do not hold a person's verdict back as a beep might.
func (d *Detector) musicNow(now int64) bool {
	hz, n := d.notePitches(now-musicSpan, math.MaxInt64)
	for _, f := range hz[min(1, n):n] {
		if abs(f-hz[0]) > 0.05*hz[0] {
			return true
		}
	}
	return false
}

// notePitches returns the pitches of the notes (the ring notes) that ended
// in [from, to), and how many there were.
func (d *Detector) notePitches(from, to int64) (hz [noteRing]float64, n int) {
	for i := max(0, d.nNotes-len(d.notes)); i < d.nNotes; i++ {
		if k := i % len(d.notes); d.notes[k].to >= from && d.notes[k].to < to {
			hz[n] = d.notesHz[k]
			n++
		}
	}
	return hz, n
}

// noteRing is how many notes are kept; musicSpan is how far back they
// make music (musicNow, amidMusic).
const noteRing = 4

// musicSpan: see noteRing.
var musicSpan = samples(2500e6)

// underVoice reports whether s, heard after the answer, is more than
// beepUnderDB under the voice heard: no beep that makes a machine of the
// call, and one that needs a longer look after it (verify, beep).
func (d *Detector) underVoice(s tone.Segment) bool {
	return d.answered(s.Start) && s.Level < d.voiceDB-beepUnderDB
}

// couldBeep reports whether a tone at level dB could be a beep that makes
// a machine of the call (see beepUnderDB).
func (d *Detector) couldBeep(level float64) bool {
	return d.v.Decided && d.v.Class == Machine || !d.answered(d.curStart) || level >= d.voiceDB-beepUnderDB
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (d *Detector) endDTMF() {
	if d.dtmfRun >= 3 {
		d.addEvent(Event{Kind: EventDTMF, Start: d.dtmfStart, End: d.dtmfEnd, Freq: d.dtmfLow, Freq2: d.dtmfHigh})
	}
	d.dtmfRun, d.dtmfMiss = 0, 0
}

// Kinds of tone held back before they are called a beep.
const (
	holdSIT    = iota + 1 // may be the first SIT segment
	holdBusy              // up to 480 Hz: may be one burst of a busy tone
	holdLone              // no speech before it: a beep-only voicemail, or the start of an announcement
	holdVerify            // a beep, unless voice follows at once (then it was a voice harmonic)
)

// voicedR is the voicing of a voiced frame (a vowel).
const voicedR = 0.4

// loudVoiceDB above the typical background, a burst needs no vowel to be a
// voice (see voiced).
const loudVoiceDB = 20

// consonantGap: unvoiced frames this close after a voiced one are the
// word's consonants (the "s" of "this").
var consonantGap = samples(150e6)

// lowBeepHz: beeps below it need more proof (see toneEnded).
const lowBeepHz = 380

// verifyFrames after a beep must be mostly quiet (or tone): a voicemail
// records after its beep, while a harmonic of a voice is followed by voice.
const verifyFrames = 10

// dtxFrames of digital silence after the answer before the first sound:
// the line sent nothing, rather than lost a packet or two.
const dtxFrames = 20

// bgSpreadDB is the most the background's median may stand over its low
// percentile on a line that suppresses silence.
const bgSpreadDB = 15

// sentVoiceDB: on a line that sent nothing before its first sound, a
// voiced frame it sent this close to the chain's loudest is the voice
// (decideSpeech). On the eight silence-suppressed evaluation sets, 18
// fewer voicemails were first taken for people (29 of 995 before); people
// were decided 24 ms later at p50 (8 dB and unvoiced frames too: 71 ms;
// 4 dB: 11 ms, one voicemail fewer).
const sentVoiceDB = 6

// bgVowelSpreadDB replaces bgSpreadDB once a talkspurt held a vowel of
// vowelRun voiced frames in a row (80 ms): the median was then learnt
// from a voice, whose first words stand only 10-12 dB over the hangover's
// noise at the usual SNRs, and the greeting's next words did not stand
// over them (a short utterance, then silence: a person). A dead line's
// rustles swing the median up to 13 dB and show three voiced frames in a
// row now and then, never vowelRun (TestNoiseBurstsOnSuppressedLine:
// relearning at 9 dB after any three made 5 of its 24 lines people).
const (
	bgVowelSpreadDB = 9
	vowelRun        = 8
)

// quietTail of speech only in bursts loudSpanDB under a chain's loudest
// (at their peak) after its last loud frame: the voice stopped, and what
// goes on is the background's.
var quietTail = samples(300e6)

// A voice is loud in frames, too: after loudHold of a burst's speech
// without a frame within loudSpanDB of the chain's loudest, what goes on
// counts as quieter bursts' (quietFrom), though no gap split it from the
// voice: a television's voices that run on from the end of a hello. And
// once heardQuiet has gone by without one, a long greeting's length
// counts only to the last (loudAt). On the 66 evaluation sets this made
// 7 more people right (four over a television, three real recordings cut
// from a reading, whose quieter tail ran on from their words; 31 of 6,769
// left called machines where 38 were) and no call wrong; machines' median
// verdict moved 5 ms later. Holds of 100-300 ms and 50-150 ms were all
// within 2 calls of this.
var loudHold, heardQuiet = samples(200e6), samples(100e6)

// dtxNoisePct is the background's percentile on a line that sent nothing
// before its first sound (silentStart): what such a line sends is mostly
// voice, with the line's noise only in each talkspurt's hangover, so the
// usual 10th percentile sits among the quieter words.
const dtxNoisePct = 0.05

// beepQuietDB: sound within this much of a tone's level right before it
// went on into it (soundBefore), and a note's pitch ring keeps notes this
// close in level as the same note.
const beepQuietDB = 3

// afterQuietDB: most of the verify frames after a beep are this much
// quieter than it, or the sound went on and the tone was a note
// (flushPending). A recording's quiet follows a beep; a music bed a note
// stood out of by 2-4 dB goes on at its level.
const afterQuietDB = 5

// lowVerifyFrames after a beep below lowBeepHz must hold fewer than three
// voiced frames.
const lowVerifyFrames = 30

// unmark gives back to the speech logic the frames of a single tone too
// short to be a beep and below lowBeepHz, where they are still in the lag:
// a voice whose fundamental stands alone for a few frames (a high-pitched
// "Hi!", F0 and the first formant near 300 Hz, on a line that passes it)
// is pure enough for the tone tracker, and its loudest vowel must not
// vanish from the speech. A pure frame is periodic, so it counts as
// voiced. Higher up, a voice's harmonics share the power and do not stand
// alone, while music's notes with vibrato break into short pieces that
// must stay tones (TestMelodyNoBeep).
func (d *Detector) unmark(s tone.Segment) {
	// A tone cut by lost packets is a piece of a longer one (a beep, a SIT
	// segment), maybe too short on its own: its frames stay a tone.
	if d.lostFrameAt(s.End) || d.lostFrameAt(s.Start-2*frameLen) {
		return
	}
	for i := d.nConsumed; i < d.nFrames; i++ {
		r := &d.ring[int(i%ringSize)]
		if r.pure && r.start >= s.Start-frameLen && r.start < s.End {
			r.pure = false
			if r.raw {
				r.voice, r.vlike = -1, true
			}
		}
	}
}

// lossBurstMax is the longest run of lost frames a beep's end is carried
// across: six packets of 20 ms.
var lossBurstMax = samples(120e6)

// beepUnderDB: a beep that would make a machine of a call is no quieter
// than this under the loudest burst of speech heard after the answer (its
// mean level). Voicemail systems play the beep about as loud as the
// greeting (the evaluation sets' beeps come out at -3 dB and up against
// it, the shared corpus's recorded beeps near 0 dB against their prompts,
// amd's suite's at -8 dB and up); music behind a person who answered,
// whose notes the tone tracker follows, comes out at -6 to -21 dB, most
// of it under -9 (12 dB let 23 notes of 3 sets with music behind people
// make machines of them, 9 dB 6).
const beepUnderDB = 9

// sitRest is the least room a lone first SIT segment leaves before the
// speech after it: the two segments lost after it last 550-650 ms, and
// their gaps a little more; 250 ms leaves room for a clipped one.
var sitRest = samples(250e6)

// beepEdge widens the beep band by the tone tracker's error at its edges,
// the 3% a beep's frequency may wander: a 2500 Hz beep measures 2504 Hz,
// a 300 Hz one 299 Hz, or 294 Hz in babble, which pulls the estimate down.
const beepEdge = 0.03

// v21MixMin frames that mix mark and space make a run V.21 flags, which
// mix them in about a third of their frames; a steady tone near 1650 or
// 1850 Hz (a beep) makes one or two such frames where it starts or ends.
const v21MixMin = 3

// gapHeard is the part of [from, to) not lost: lost packets (the latest
// runs of concealed frames, lostRuns) make no gap between two pieces of one
// tone, or between two SIT segments. Bursty loss cuts a SIT's 274 ms
// segments into pieces too short to be segments, and stretches the 0-30 ms
// between segments past what the sequence allows. A run of dtxFrames or
// more is no loss but a sender that stopped: the gap between two beeps of
// a voicemail that suppresses silence.
func (d *Detector) gapHeard(from, to int64) int64 {
	gap := to - from
	if gap <= 0 {
		return gap
	}
	for i := max(0, d.nLost-len(d.lostRuns)); i < d.nLost; i++ {
		r := d.lostRuns[i%len(d.lostRuns)]
		if r.to-r.from >= dtxFrames*frameLen {
			continue // the sender stopped (silence suppression): a real gap
		}
		if a, b := max(r.from, from), min(r.to, to); b > a {
			gap -= b - a
		}
	}
	return max(gap, 0)
}

// lostFrameAt reports whether the frame that starts at sample at was lost.
func (d *Detector) lostFrameAt(at int64) bool {
	for i := max(0, d.nLost-len(d.lostRuns)); i < d.nLost; i++ {
		if r := d.lostRuns[i%len(d.lostRuns)]; at >= r.from && at < r.to && (at-r.from)%frameLen == 0 {
			return true
		}
	}
	return false
}

// span is a stretch of the sample clock.
type span struct{ from, to int64 }

// toneEnded classifies a finished single tone: SIT segment, fax tone, beep
// or plain tone. now is the current stream position.
func (d *Detector) toneEnded(s tone.Segment, now int64) {
	if d.pendOK && s.Start >= d.pend.End && d.gapHeard(d.pend.End, s.Start) <= samples(60e6) && abs(s.Freq-d.pend.Freq) <= 0.05*d.pend.Freq {
		// The same tone, split by noise or loss (a piece of it may be
		// short): join the pieces.
		n, pn := float64(s.Frames), float64(d.pend.Frames)
		s.Freq, s.Level = (s.Freq*n+d.pend.Freq*pn)/(n+pn), (s.Level*n+d.pend.Level*pn)/(n+pn)
		s.Start, s.Frames, s.Missed = d.pend.Start, s.Frames+d.pend.Frames, s.Missed+d.pend.Missed
		d.pendOK = false
		if d.sitN == 1 {
			d.sitN = 0
		}
	}
	dur := s.End - s.Start
	if dur < d.minBeep || s.Missed*5 > s.Frames {
		// Too short, or too patchy for one tone: two close tones beating
		// (ringback 440+480), speech harmonics.
		if dur < d.minBeep && s.Missed*5 <= s.Frames && s.Freq < lowBeepHz {
			d.unmark(s)
		}
		return
	}
	if d.answered(s.Start) {
		d.toneHeard = true
	}
	// A tone that starts where another one ended, at another pitch, is a
	// voice gliding (a held vowel rising), not a beep.
	glide := d.lastToneEnd >= 0 && s.Start-d.lastToneEnd <= samples(20e6) && abs(s.Freq-d.lastToneHz) > 0.03*s.Freq
	prevEnd, prevHz := d.lastToneEnd, d.lastToneHz
	d.lastToneEnd, d.lastToneHz = s.End, s.Freq
	if d.answered(s.Start) {
		d.notes[d.nNotes%len(d.notes)], d.notesHz[d.nNotes%len(d.notes)] = span{s.Start, s.End}, s.Freq
		d.notesDB[d.nNotes%len(d.notes)] = float32(s.Level)
		d.nNotes++
	}
	if (abs(s.Freq-1650) <= 50 || abs(s.Freq-1850) <= 50) && d.v21Last > 0 && s.End-d.v21Last < SampleRate && d.v21Mix >= v21MixMin {
		return // a run of marks or spaces inside V.21 flags
	}
	if d.melody(&s, prevEnd, prevHz) {
		d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
		return
	}
	dur = s.End - s.Start
	if abs(s.Freq-2100) <= 50 {
		// The fax answer tone is never taken for a beep; pieces split by
		// phase reversals or packet loss add up.
		if d.cedEnd >= 0 && s.Start-d.cedEnd <= samples(150e6) {
			d.cedTotal += dur
		} else {
			d.cedTotal, d.cedStart = dur, s.Start
		}
		d.cedEnd = s.End
		if d.cedTotal >= d.cedMin {
			d.addEvent(Event{Kind: EventFaxCED, Start: d.cedStart, End: s.End, Freq: s.Freq, Level: s.Level})
			if d.open() || d.v.Class == Human {
				d.decide(Fax, 0.97, "ced 2100 Hz")
			}
		}
		return
	}
	band := tone.SITBand(s.Freq)
	sitLike := band != 0 && dur >= samples(180e6) && dur <= samples(450e6)
	if sitLike && d.sitN > 0 && band == d.sitBand+1 && d.gapHeard(d.sitEnd, s.Start) <= samples(60e6) {
		d.sitN++
		d.sitBand, d.sitEnd = band, s.End
		d.pendOK = false
		if band == 3 {
			d.fireSIT()
		} else {
			d.pendUntil = s.End + samples(150e6)
		}
		return
	}
	if d.pendOK && d.pendKind == holdLone && abs(s.Freq-d.pend.Freq) > 0.05*d.pend.Freq {
		// Another tone at another pitch within the second a lone tone
		// waits: a beep-only voicemail's beep is followed by quiet, this
		// was a note (a radio behind the person who answers).
		d.pendOK = false
		d.addEvent(Event{Kind: EventTone, Start: d.pend.Start, End: d.pend.End, Freq: d.pend.Freq, Level: d.pend.Level})
	}
	d.flushPending(now, true)
	if sitLike && band <= 2 {
		d.sitN, d.sitBand, d.sitStart, d.sitEnd, d.sitFreq = 1, band, s.Start, s.End, s.Freq
		d.hold(s, holdSIT, s.End+samples(150e6))
		return
	}
	// CNG is 0.5 s on: a burst cut to 250 ms by loss or noise still counts,
	// and pieces of one burst split by noise add up.
	cngStart := s.Start
	if abs(s.Freq-1100) <= 40 {
		if d.cngPieceEnd >= 0 && s.Start >= d.cngPieceEnd && s.Start-d.cngPieceEnd <= samples(100e6) {
			cngStart = d.cngPieceStart
		}
		d.cngPieceStart, d.cngPieceEnd = cngStart, s.End
	}
	cngLike := abs(s.Freq-1100) <= 40 && s.End-cngStart >= samples(250e6) && s.End-cngStart <= samples(800e6)
	if cngLike && d.cngLast >= 0 && cngStart-d.cngLast >= samples(2500e6) && cngStart-d.cngLast <= samples(4500e6) {
		// The calling tone's cadence (0.5 s on, 3 s off): a fax, whatever
		// was decided from the noise between the bursts.
		d.cngN++
		d.cngLast = s.End
		d.cngCadence(Event{Kind: EventFaxCNG, Start: cngStart, End: s.End, Freq: s.Freq, Level: s.Level}, 0.95, "cng 1100 Hz cadence")
		return
	}
	if cngLike {
		d.cngLast = s.End
	}
	if s.Freq < lowBeepHz && d.pendOK && d.pendKind == holdVerify && s.Start >= d.pend.End && s.Start-d.pend.End <= SampleRate/2 {
		d.flushPending(now, true) // the first of a low pair: decide it before judging the second
	}
	switch {
	case cngLike && d.sp.frames < cngSpeech:
		d.addEvent(Event{Kind: EventFaxCNG, Start: cngStart, End: s.End, Freq: s.Freq, Level: s.Level})
		d.cngN++
		d.cngHold = s.End + samples(3500e6)
		if d.cngN >= 2 && (d.open() || d.v.Class == Human) {
			d.decide(Fax, 0.95, "cng 1100 Hz")
			d.unbeepCNG()
		}
		return
	case dur > d.maxBeep || s.Freq < d.cfg.BeepMinHz*(1-beepEdge) || s.Freq > d.cfg.BeepMaxHz*(1+beepEdge),
		// Below 380 Hz a steady tone is as often a low voice's held vowel
		// or its harmonic: a beep there must last 150 ms, follow a
		// greeting after a pause of 120 ms and not glide out of another
		// tone; the second of a "bee-beep" pair is exempt (it is as short
		// as the first).
		s.Freq < lowBeepHz && (dur < samples(150e6) || !d.sp.everConfirmed || s.Start-d.sp.lastSpeech < samples(120e6) || glide) &&
			!(d.v.BeepEnd >= 0 && s.Start-d.v.BeepEnd <= SampleRate/2):
		d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
		return
	case d.cngN > 0 && abs(s.Freq-1100) <= 40 || d.v.Class == Fax,
		// 300..480 Hz with no greeting before it, or among busy/ringback
		// cadences, is a network tone (425 Hz ringback, busy, congestion).
		s.Freq <= 480 && (!d.sp.everConfirmed || d.cadenceHeard):
		d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
		return
	case d.answered(s.Start) && !d.sp.everConfirmed:
		d.hold(s, holdLone, s.End+SampleRate)
		return
	case s.Freq <= 480 && dur <= samples(700e6):
		d.hold(s, holdBusy, s.End+samples(800e6))
		return
	}
	d.verify(s)
}

// cngShare of a frame's power at 1100 Hz makes it a CNG frame for the
// narrow-band check (cngBand).
const cngShare = 0.45

// cngBand follows bursts of 1100 Hz found by band power alone: two of CNG
// length (0.3-0.9 s) 2.5-4.5 s apart are the calling tone's cadence and
// decide Fax, as the tone tracker's bursts do.
func (d *Detector) cngBand(start, end int64) {
	if dur := end - start; dur < samples(300e6) || dur > samples(900e6) {
		return
	}
	if d.nbLast >= 0 && start-d.nbLast >= samples(2500e6) && start-d.nbLast <= samples(4500e6) && d.v.Class != Fax && d.v.Class != Announcement {
		d.cngCadence(Event{Kind: EventFaxCNG, Start: start, End: end, Freq: 1100}, 0.9, "cng 1100 Hz cadence in noise")
	}
	d.nbLast = end
}

// cngCadence records a CNG burst that repeats the calling tone's cadence
// and decides Fax over anything but an announcement.
func (d *Detector) cngCadence(e Event, conf float64, reason string) {
	d.addEvent(e)
	if d.v.Class != Fax && d.v.Class != Announcement {
		d.decide(Fax, conf, reason)
		d.unbeepCNG()
	}
}

// unbeepCNG forgets a beep that was a burst of the fax calling tone.
func (d *Detector) unbeepCNG() {
	if d.v.BeepEnd >= 0 && abs(d.beepHz-1100) <= 40 {
		d.v.BeepStart, d.v.BeepEnd = -1, -1
	}
}

func (d *Detector) hold(s tone.Segment, kind int, until int64) {
	d.pend, d.pendOK, d.pendKind, d.pendUntil = s, true, kind, until
	d.verifyVoice, d.verifyLoud, d.pendFollowed, d.loneRaw = 0, 0, false, 0
	d.verifyN = verifyFrames
	if kind == holdVerify {
		d.verifyN = int((until - s.End) / frameLen)
	}
}

// flushPending resolves a tone held back once its window has passed, or at
// once when force is set.
func (d *Detector) flushPending(now int64, force bool) {
	if !force && d.sitN > 0 {
		// A tone that began right after the held one may be the next SIT
		// segment: wait for it to end.
		if s, ok := d.single.Current(); ok && s.Frames >= 3 && s.Start >= d.sitEnd && d.gapHeard(d.sitEnd, s.Start) <= samples(60e6) {
			return
		}
	}
	if d.sitN >= 2 && (force || now >= d.pendUntil) {
		d.fireSIT()
		return
	}
	if !d.pendOK || !force && now < d.pendUntil {
		return
	}
	d.pendOK = false
	d.sitN = 0
	s := d.pend
	switch d.pendKind {
	case holdVerify:
		if c, ok := d.single.Current(); ok && !force && c.Frames >= 2 && c.Start >= s.End {
			// Another tone follows at once: a beep ends with the tone
			// that has nothing after it (melody judges the run when it
			// ends). One at another pitch that is cut short or too patchy
			// to be judged still makes this a note, not a beep.
			d.pendOK = true
			d.pendFollowed = d.pendFollowed || otherNote(s, c)
			return
		}
		// A short tone glued to the end of a word is the word's last vowel
		// held steady (a synthetic or sung "this?"), not a beep: voicemail
		// beeps follow a pause.
		glued := s.End-s.Start < samples(200e6) && d.sp.lastSpeech <= s.End && s.Start-d.sp.lastSpeech <= samples(60e6)
		// Below 380 Hz (a low voice's vowels) the 300 ms after the tone
		// must be all but silent: a voicemail records after its beep.
		voiceAfter := d.verifyVoice*2 >= verifyFrames || s.Freq < lowBeepHz && d.verifyVoice >= 3
		// A beep ends with the quiet of a recording: sound that goes on
		// at the tone's level (the next note of music, the same note
		// again after the tracker lost it) makes it a note. It also
		// follows one: sound at its level right before it is the music
		// the note belongs to.
		soundOn := d.verifyLoud*2 >= d.verifyN
		if voiceAfter || glued || d.pendFollowed || soundOn || d.soundBefore(s) {
			d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
			return
		}
		d.beep(s)
		return
	case holdSIT:
		if d.answered(s.Start) && !d.sp.everConfirmed && !force {
			d.hold(s, holdLone, s.End+SampleRate)
			return
		}
	case holdBusy:
		if s.Freq < lowBeepHz && d.verifyVoice >= 3 {
			// Voice right after a low tone: a held vowel (see verify).
			d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
			return
		}
	case holdLone:
		if d.sp.everConfirmed && d.sp.lastSpeech > s.End {
			// Speech right after a tone that followed the answer: not a
			// voicemail beep (those end greetings). A lone SIT segment
			// before speech is a SIT with the rest lost, where the rest
			// would have been: speech that starts within sitRest of it
			// (or before it) leaves no room for the other segments, and
			// the tone was a note (B5, 988 Hz, is SIT's 985 Hz) of music
			// under a greeting; so does sound in that room (more music,
			// words not yet taken for speech): lost segments are quiet.
			d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
			if tone.SITBand(s.Freq) == 1 && d.open() && d.sp.chainStart >= s.End+sitRest && int64(d.loneRaw)*frameLen < sitRest/2 &&
				d.verifyLoud*2 < d.verifyN {
				d.decide(Announcement, 0.8, "sit segment then speech")
			}
			return
		}
	}
	// The window after the tone lies behind now: what was counted in it
	// (voice, sound going on at its level) still judges it.
	v, l, n := d.verifyVoice, d.verifyLoud, d.verifyN
	d.verify(s)
	d.verifyVoice, d.verifyLoud, d.verifyN = v, l, n
}

// melody reports whether s, a tone that just ended, is a note of a melody
// rather than (part of) a beep; prevEnd and prevHz are the tone before it.
// A beep is one tone, or a few at one or two pitches ("bee-boop"),
// followed by the quiet of a recording. Tones that start within the verify
// window after the one before form a run: a beep candidate that a tone at
// another pitch follows is joined with it into one candidate (s then starts
// where the first did, and is judged by what follows it), and a run whose
// pitch changes twice and that lasts over musicMin is a melody (a caller
// tune, music on the line or under a greeting: single notes of a flute, a
// whistle or a synthesiser are each as pure and steady as a beep). Tones
// that start within musicGap of the melody's last note are the melody too.
// A run does not go on across the answer.
func (d *Detector) melody(s *tone.Segment, prevEnd int64, prevHz float64) bool {
	if d.answerAt >= 0 && s.Start >= d.answerAt && prevEnd < d.answerAt+2*frameLen {
		// The first tone after the answer: a caller tune in the early
		// media is another source, and a beep-only voicemail's beep may
		// follow it at once.
		prevEnd, d.musicTill = -1, -1
	}
	if b := tone.SITBand(s.Freq); b != 0 && b == tone.SITBand(prevHz)+1 && d.musicTill < 0 {
		return false // the next segment of a SIT (toneEnded's SIT logic judges it)
	}
	follows := prevEnd >= 0 && s.Start >= prevEnd-frameLen && s.Start-prevEnd <= verifyFrames*frameLen
	changed := follows && abs(s.Freq-prevHz) > 0.05*prevHz
	switch {
	case changed:
		d.runChanges++
	case !follows:
		d.runChanges, d.runStart = 0, s.Start
	}
	candidate := d.pendOK && (d.pendKind == holdVerify || d.pendKind == holdLone) && abs64(d.pend.End-prevEnd) < frameLen
	if d.runChanges >= 2 && s.End-d.runStart > musicMin || d.musicTill >= 0 && s.Start <= d.musicTill {
		d.musicTill = s.End + musicGap
		if candidate {
			d.pendOK = false
			d.addEvent(Event{Kind: EventTone, Start: d.pend.Start, End: d.pend.End, Freq: d.pend.Freq, Level: d.pend.Level})
		}
		return true
	}
	if follows && candidate {
		// (At the same pitch too: a note repeated, or a "bee-beep", is
		// judged by what follows its last tone.)
		d.pendOK = false
		s.Start, s.Frames = d.pend.Start, s.Frames+d.pend.Frames
	}
	return false
}

// musicGap: a tone that starts this soon after a melody's last note goes on
// with the melody.
var musicGap = samples(400e6)

// musicMin: a run of tones shorter than this is a record tone of a few
// notes (three rising ones in 0.3 s), not a melody.
var musicMin = samples(1e9)

// verify holds a beep candidate for verifyFrames to check what follows.
func (d *Detector) verify(s tone.Segment) {
	n := int64(verifyFrames)
	switch {
	case s.Freq < lowBeepHz:
		n = lowVerifyFrames
	case d.amidMusic(s), d.underVoice(s):
		// And a tone far quieter than the voice heard (see beep): after a
		// greeting it may still end it, but a pause in the greeting where
		// a note of the music under it sounds is followed by more words.
		n = musicVerifyFrames
	default:
		// The quiet is judged on verifyFrames; the hold lasts
		// followFrames more, for a tone that follows (the next note).
		d.hold(s, holdVerify, s.End+(n+followFrames)*frameLen)
		d.verifyN = verifyFrames
		return
	}
	d.hold(s, holdVerify, s.End+n*frameLen)
}

// otherNote reports whether tone c, begun after the held s ended, is at
// another pitch: the next note, not a piece of s.
func otherNote(s, c tone.Segment) bool {
	return c.Start >= s.End && abs(c.Freq-s.Freq) > 0.05*s.Freq
}

// followFrames more after a beep candidate's verifyFrames show whether a
// tone follows it: plucked notes of a melody leave gaps of 100 ms.
const followFrames = 3

// levelRing is how many frames of levels soundBefore can look back on:
// 2.56 s, a tone of MaxBeep and the window before it.
const levelRing = 256

// lostLevel stands for a lost frame in Detector.levels.
const lostLevel = math.MaxUint8

// halfDB is a frame's level as Detector.levels keeps it: how many half
// dB it lies under full scale, down to -127 dBFS.
func halfDB(db float64, lost bool) uint8 {
	if lost {
		return lostLevel
	}
	return uint8(max(0, min(lostLevel-1, math.Round(-2*db))))
}

// beforeFrames is the window before a beep candidate that soundBefore
// looks at: 200 ms, ending onsetFrames before the tone.
const beforeFrames = 20

// onsetFrames before a tone may be its onset, not yet followed by the
// tracker on a noisy line: 50 ms.
const onsetFrames = 5

// gluedBeepGap: speech that ended less than this before a tone is the
// greeting's last word with the beep glued to it (soundBefore).
var gluedBeepGap = samples(150e6)

// soundBefore reports whether sound went on at a tone's level before it
// started: half of the frames of the 200 ms window that ends onsetFrames
// before it, of the ones heard after the answer, are within beepQuietDB of
// the tone. A voicemail's beep follows its greeting's pause (no beep of
// the evaluation sets is judged a note by it; the notes of music behind
// people had 10-20 such frames of 20). Tones at its pitch or its level
// that ended in the window (pieces of this one split by loss, a note
// repeated, the first note of a record tone) move it back to before them.
// Speech that ended less than 150 ms before the tone is the greeting's
// last word, with the beep glued to it, and a tone too long for the ring
// to hold what came before it is not judged either.
func (d *Detector) soundBefore(s tone.Segment) bool {
	// Tones before it: the window ends where they began.
	start := s.Start
	for range noteRing {
		moved := false
		for i := max(0, d.nNotes-noteRing); i < d.nNotes; i++ {
			n := d.notes[i%noteRing]
			same := abs(d.notesHz[i%noteRing]-s.Freq) <= 0.05*s.Freq || abs(float64(d.notesDB[i%noteRing])-s.Level) <= beepQuietDB
			if same && n.from < start && n.to >= start-beforeFrames*frameLen {
				start, moved = n.from, true
			}
		}
		if !moved {
			break
		}
	}
	first := start/frameLen - beforeFrames - onsetFrames
	if first < 0 || d.curStart/frameLen-first >= levelRing || d.sp.lastSpeech >= start-gluedBeepGap {
		return false
	}
	from := max(first, d.levelsFrom)
	if d.answerAt >= 0 {
		from = max(from, (d.answerAt+frameLen-1)/frameLen) // early media is another source
	}
	floor := halfDB(s.Level-beepQuietDB, false)
	loud := 0
	for i := from; i < first+beforeFrames; i++ {
		if v := d.levels[i%levelRing]; v <= floor {
			loud++
		}
	}
	return loud*2 >= beforeFrames
}

// musicVerifyFrames after a beep candidate amid music must be quiet: a
// melody whose notes the tracker follows in pieces, broken by a voice or
// by gaps, is not judged a melody, and a note followed by a gap and the
// next note had 100 ms of quiet after it.
const musicVerifyFrames = 30

// amidMusic reports whether two tones of a beep's length at other pitches
// than s (notes: maybe joined into s) ended in the 2.5 s before s ended,
// after the answer.
func (d *Detector) amidMusic(s tone.Segment) bool {
	hz, n := d.notePitches(s.End-musicSpan, s.End)
	other := 0
	for _, f := range hz[:n] {
		if abs(f-s.Freq) > 0.05*s.Freq {
			other++
		}
	}
	return other >= 2
}

func (d *Detector) fireSIT() {
	d.addEvent(Event{Kind: EventSIT, Start: d.sitStart, End: d.sitEnd, Freq: d.sitFreq})
	d.sitN, d.pendOK = 0, false
	if !d.v.Decided || d.v.Class != Announcement && d.v.Class != Fax {
		d.decide(Announcement, 0.98, "sit")
	}
}

func (d *Detector) beep(s tone.Segment) {
	machine := d.v.Decided && d.v.Class == Machine
	if d.v.Class == Fax || !machine && d.underVoice(s) {
		// A fax has no record tone: a piece of its CNG or CED. A tone far
		// quieter than the voice heard does not make a machine of a call
		// the voice has not: it is music or a tone behind a person (a
		// radio, a television); a voicemail plays its beep about as loud as
		// its greeting. After a greeting already called one, a quiet beep
		// still ends it.
		d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
		return
	}
	// A beep that runs into a burst of lost packets ended somewhere in it:
	// its end is where the line is heard again (speaking earlier would talk
	// over it, and a voicemail records only after its beep). Only a burst
	// that is over, and short: zeros that go on are digital silence after
	// the beep, not loss.
	for i := max(0, d.nLost-len(d.lostRuns)); i < d.nLost; i++ {
		if r := d.lostRuns[i%len(d.lostRuns)]; r.from >= s.End-frameLen && r.from <= s.End+frameLen &&
			r.to <= d.curStart-frameLen && r.to-r.from <= lossBurstMax {
			s.End = max(s.End, r.to)
		}
	}
	d.addEvent(Event{Kind: EventBeep, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
	if !d.answered(s.Start) {
		return
	}
	// Beeps less than 500 ms apart are one signal ("bee-beep"): report its
	// start and its end.
	const gap = SampleRate / 2
	switch {
	case d.v.BeepEnd >= 0 && s.Start <= d.v.BeepEnd+gap && s.End >= d.v.BeepStart-gap:
		d.v.BeepStart, d.v.BeepEnd = min(d.v.BeepStart, s.Start), max(d.v.BeepEnd, s.End)
	case s.End > d.v.BeepEnd:
		d.v.BeepStart, d.v.BeepEnd = s.Start, s.End
	}
	d.beepHz = s.Freq
	if d.open() || d.v.Class == Human {
		d.decide(Machine, 0.95, "beep")
	}
}

// lowEnded follows the cadence of 300..700 Hz tones (425 Hz, 440+480,
// 400+450, 480+620, 350+440): busy/congestion and ringback.
func (d *Detector) lowEnded(s tone.Segment) {
	dur := s.End - s.Start
	if dur < samples(150e6) || !dense(s) {
		return
	}
	if d.pendOK && d.pend.Freq <= 480 && s.Start >= d.pend.End && s.Start-d.pend.End <= samples(800e6) {
		d.pendOK = false // the held 300..480 Hz tone repeats: a cadence, not a beep
	}
	copy(d.cad[:], d.cad[1:])
	d.cad[3] = s
	d.cadN = min(d.cadN+1, 4)
	in := func(x int64, lo, hi time.Duration) bool {
		return x >= samples(lo*time.Millisecond) && x <= samples(hi*time.Millisecond)
	}
	if d.cadN >= 3 {
		a, b, c := d.cad[1], d.cad[2], d.cad[3]
		regular := func(x, y int64) bool { return 10*abs64(x-y) <= 3*max(x, y) }
		if in(a.End-a.Start, 150, 700) && in(b.End-b.Start, 150, 700) && in(c.End-c.Start, 150, 700) &&
			in(b.Start-a.End, 150, 700) && in(c.Start-b.End, 150, 700) &&
			regular(a.End-a.Start, b.End-b.Start) && regular(b.End-b.Start, c.End-c.Start) && regular(b.Start-a.End, c.Start-b.End) {
			if d.answered(a.Start) {
				d.cadenceHeard = true
			}
			if a.Start > d.busyTill {
				d.addEvent(Event{Kind: EventBusy, Start: a.Start, End: c.End, Freq: c.Freq, Level: c.Level})
				d.busyRun = 3
			} else {
				d.busyRun++
			}
			// A fourth regular burst decides: ringback broken up by noise
			// and loss is rarely regular that long.
			if d.busyRun >= 4 && d.open() {
				d.decide(Busy, 0.95, "busy cadence")
			}
			d.busyTill = c.End
			return
		}
	}
	ring := in(dur, 700, 2600)
	if !ring && d.cadN >= 2 {
		p := d.cad[2]
		ring = in(dur, 300, 500) && in(p.End-p.Start, 300, 500) && in(s.Start-p.End, 150, 300)
	}
	if !ring {
		if dur > samples(3e9) {
			d.addEvent(Event{Kind: EventTone, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
		}
		return
	}
	d.addEvent(Event{Kind: EventRingback, Start: s.Start, End: s.End, Freq: s.Freq, Level: s.Level})
	// Rings repeat after 2-4 s of quiet; one less than a second after the
	// last is a piece of it, or the second of a pair of long low beeps. The
	// early media's ringback is another source: the count starts afresh
	// after the answer.
	switch gap := s.Start - d.lastRing; {
	case d.lastRing < 0 || gap > samples(5.5e9) || d.answered(s.Start) && !d.answered(d.lastRing):
		d.ringN = 1
	case gap >= SampleRate:
		d.ringN++
	}
	// After a greeting one ringback-long tone may be a long low beep: only
	// a second one makes it a cadence.
	if d.answered(s.Start) && (!d.sp.everConfirmed || d.ringN >= 2) {
		d.cadenceHeard = true
	}
	d.lastRing = s.End
	if d.ringN >= 2 && d.answered(s.Start) && d.open() {
		d.decide(Ringback, 0.9, "ringback after answer")
	}
}

// consume runs the speech logic on the oldest unconsumed frame.
func (d *Detector) consume() {
	r := d.ring[int(d.nConsumed%ringSize)]
	d.nConsumed++
	end := r.start + frameLen
	isSpeech := r.raw && !r.tonal && !r.pure
	if d.answered(r.start) {
		if d.earlyVoice && d.v.Class == Announcement {
			// Speech in early media was an announcement only as long as
			// nobody answered: now the answering side decides.
			d.earlyVoice, d.earlyAnn = false, true
			if e := &d.early; e.burstFrames > 0 {
				d.earlyLevel = e.burstLevel / float64(e.burstFrames)
			}
			d.v = Verdict{DecidedAt: -1, BeepStart: d.v.BeepStart, BeepEnd: d.v.BeepEnd, GreetingEnd: -1}
		}
		chain := d.sp.chainOn
		d.step(&d.sp, r, isSpeech)
		if d.silentStart && d.sp.chainOn && !r.lost && !r.tonal && !r.pure && (r.voice >= voicedR || r.voice < 0) && r.db >= d.sp.chainDB-sentVoiceDB {
			d.sp.lastLevel = r.start + frameLen // sent, voiced, at the voice's level (see decideSpeech)
		}
		if d.pendOK && d.pendKind == holdLone && r.start >= d.pend.End {
			// Sound between a lone tone and the speech after it; the
			// frames of the burst that starts the speech are the speech.
			switch {
			case !chain && d.sp.chainOn:
				d.loneRaw = max(0, d.loneRaw-(d.sp.burstFrames-1))
			case !d.sp.chainOn && r.raw:
				d.loneRaw++
			}
		}
		if d.firstOK {
			d.firstHeard(r)
		}
		if d.silentStart && !d.sp.chainOn {
			d.spurtHeard(r)
		}
		d.noteLevel(r, isSpeech)
		d.decideSpeech(end)
		if d.greetings != nil {
			d.knownGreeting(end)
		}
	} else {
		d.step(&d.early, r, isSpeech)
		// Voice for EarlyMediaSpeech, at least half of it active (not the
		// odd burst of a noisy ringback), is an announcement.
		if e := &d.early; !d.v.Decided && e.chainOn && e.lastSpeech-e.chainStart >= d.earlySpeech &&
			2*int64(e.chainFrames)*frameLen >= e.lastSpeech-e.chainStart {
			d.decide(Announcement, 0.85, "speech in early media")
			d.earlyVoice, d.v.Provisional = true, true
			d.addEvent(Event{Kind: EventAnnouncement, Start: e.chainStart, End: e.lastSpeech, Level: e.burstLevel / float64(max(1, e.burstFrames))})
		}
	}
}

// Background voices. A person who answers with a television on, or with
// people talking nearby, says "Hello?" over voices that go on after it:
// the chain of speech never pauses, and by its length it would be a
// greeting. The person's close voice is louder than the voices behind:
// when the loudest fifth of the speech frames of 0.8 s from the voice
// start stands fgDropDB or more over that of 1-2 s after its start (where
// a greeting goes on at its level: a spoken or synthetic greeting's drops
// measure at most 4.3 dB on amd's suite), the voice stopped and others
// went on, and the verdict is Human, ReasonHelloOverVoices. The voices
// behind are often there before the hello too, and the voice start is
// theirs: the 0.8 s may then start up to 0.6 s in, if it also stands
// fgDropDB over the speech before it. A frame of speech counts when it
// stands fgOverDB over the line's noise: as much as a burst needs to go
// on with a chain (contOverDB), so voices that lengthen the chain are
// counted (10 dB left 9 of 200 people in sets with a newsreader behind
// them machines; one greeting of 2,700 in the usual sets, caught by its
// beep, is a person first at 6). The hang-up decides the same way: speech
// up to it that was a hello, then quieter voices, is a person.
const (
	fgAFrames = 80  // 0.8 s from the voice start
	fgBFrom   = 100 // 1 s in
	fgBFrames = 100 // to 2 s
	fgDropDB  = 6
	fgOverDB  = 6  // a frame counts this far over the line's noise
	fgSlide   = 60 // the 0.8 s may start up to 0.6 s into the chain
	fgFrames  = fgSlide + fgBFrom + fgBFrames
)

// noteLevel keeps the levels of the answered chain's speech frames.
func (d *Detector) noteLevel(r frameRec, speech bool) {
	sp := &d.sp
	if !sp.chainOn {
		return
	}
	if sp.voiceStart != d.fgAt {
		d.fgAt, d.fgN = sp.voiceStart, 0
	}
	off := int((r.start - sp.voiceStart) / frameLen)
	if off < 0 || off >= fgFrames {
		return
	}
	for d.fgN <= off {
		d.fgL[d.fgN] = fgNone
		d.fgN++
	}
	if speech && r.db >= d.noise.Value(energy.SilenceDBFS)+fgOverDB {
		d.fgL[off] = float32(r.db)
	}
}

// fgNone marks a frame that was not speech in fgL.
const fgNone = -1000

// backgroundAfterHello reports whether 0.8 s of the chain (fgAFrames),
// starting in its first 0.6 s, stood fgDropDB over the speech that
// followed from 0.2 s after it (a voice, then quieter ones), and, when
// the chain began before it, over that start too: background voices
// already going when the person said hello (a television), which the
// voice start took for the start of the speech.
func (d *Detector) backgroundAfterHello() bool {
	if d.fgAt != d.sp.voiceStart {
		return false
	}
	for a := 0; a <= fgSlide; a += 5 {
		la, na := d.loudFifthOf(a, a+fgAFrames)
		lb, nb := d.loudFifthOf(a+fgBFrom, a+fgBFrom+fgBFrames)
		if na < 20 || nb < 30 || la-lb < fgDropDB {
			continue
		}
		if a == 0 {
			return true
		}
		if l0, n0 := d.loudFifthOf(0, a); n0 < 10 || la-l0 >= fgDropDB {
			return true
		}
	}
	return false
}

// loudFifthOf is loudFifth of the speech frames noted at offsets [from,
// to) of the chain, and how many there were.
func (d *Detector) loudFifthOf(from, to int) (float32, int) {
	n, to := 0, min(to, d.fgN)
	if from >= to {
		return fgNone, 0 // not heard yet: MachineSpeech can be short
	}
	for _, v := range d.fgL[from:to] {
		if v != fgNone {
			d.fgTmp[n] = v
			n++
		}
	}
	if n == 0 {
		return fgNone, 0
	}
	return loudFifth(d.fgTmp[:n]), n
}

// loudFifth returns the level at the 80th percentile of x (which it
// sorts).
func loudFifth(x []float32) float32 {
	for i := 1; i < len(x); i++ { // insertion sort: at most 100, once a call
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
	return x[len(x)*8/10]
}

func (d *Detector) silenceFor(chainLen int64) int64 {
	switch {
	case chainLen > d.longUtt*3/2:
		return d.humanSilLong + samples(150e6)
	case chainLen > d.longUtt:
		return d.humanSilLong
	}
	return d.humanSil
}

// step advances one speech tracker by one frame.
func (d *Detector) step(sp *speech, r frameRec, isSpeech bool) {
	end := r.start + frameLen
	if isSpeech {
		if !sp.inBurst {
			sp.inBurst, sp.confirmed, sp.burstStart, sp.burstFrames, sp.burstLevel, sp.burstPeak, sp.burstLow, sp.burstOver, sp.burstYoung = true, false, r.start, 0, 0, r.snr, r.snr, r.over, r.young
			sp.burstVoiced, sp.voicedRun = 0, 0
			sp.loudStart, sp.loudOver = r.start, r.over
			sp.burstDB, sp.burstVoice = r.db, -1
		}
		if sp.burstYoung && r.over > sp.loudOver+onsetJumpDB && r.start-sp.loudStart >= loudPrefix*frameLen {
			sp.loudStart, sp.loudOver = r.start, r.over
		}
		sp.burstFrames++
		if r.voice >= voicedR || r.voice < 0 {
			sp.voicedRun++
			sp.burstVoiced = max(sp.burstVoiced, sp.voicedRun)
		} else {
			sp.voicedRun = 0
		}
		if sp.burstVoice < 0 && (sp.voicedRun >= 2 || r.over >= loudVoiceDB && !r.young) {
			sp.burstVoice = voiceOnset(sp, r)
		}
		sp.burstLast = end
		sp.burstLevel += r.db
		sp.burstPeak, sp.burstLow, sp.burstOver = max(sp.burstPeak, r.snr), min(sp.burstLow, r.snr), max(sp.burstOver, r.over)
		sp.burstDB = max(sp.burstDB, r.db)
		fresh := false
		if !sp.confirmed && sp.burstFrames >= burstMin && voiced(sp) && d.utterance(sp) {
			sp.confirmed, fresh = true, true
			sp.everConfirmed = true
			if !sp.chainOn {
				sp.startChain(sp.burstStart)
			}
			sp.chainFrames += sp.burstFrames - 1
			sp.frames += sp.burstFrames - 1
			sp.lastSpeech = end // the burst so far is a voice
		}
		if sp.confirmed {
			sp.track()
			if r.vlike {
				sp.lastSpeech = end
			}
			if r.db >= sp.chainDB-loudSpanDB || fresh && sp.burstDB >= sp.chainDB-loudSpanDB {
				sp.loudAt = end
			}
			if sp.lastSpeech == end {
				if sp.burstDB >= sp.chainDB-loudSpanDB && end-sp.loudAt <= loudHold {
					sp.lastLoud = end
				} else if sp.quietFrom <= sp.lastLoud {
					sp.quietFrom = end - frameLen
				}
			}
			sp.chainFrames++
			sp.frames++
		}
		return
	}
	if sp.inBurst && r.start-sp.burstLast >= burstGap*frameLen {
		d.endBurst(sp)
	}
}

// startChain begins a chain of utterances at sample at.
func (sp *speech) startChain(at int64) {
	sp.chainOn, sp.chainStart, sp.voiceStart, sp.chainFrames, sp.chainOver, sp.nBursts = true, at, at, 0, 0, 0
	sp.chainDB = -200
	sp.utterances++
}

// track keeps the chain's loudest level and where its voice starts, after
// a frame of a confirmed burst. The start only moves later, and only over
// bursts (or a burst's onset) at least loudSpanDB quieter than the voice.
func (sp *speech) track() {
	i := sp.nBursts - 1
	if i < 0 || sp.bursts[i].start < sp.burstStart {
		if sp.nBursts == len(sp.bursts) {
			sp.chainOver, sp.chainDB = max(sp.chainOver, sp.burstOver), max(sp.chainDB, sp.burstDB)
			sp.everVoice = true
			return // the voice started long before: later bursts cannot move it
		}
		i = sp.nBursts
		sp.nBursts++
	}
	start := max(sp.loudStart, sp.burstStart, sp.burstVoice)
	if i == 0 {
		start = max(start, sp.voiceStart)
	}
	sp.bursts[i] = chainBurst{start: start, over: sp.burstOver}
	sp.chainOver, sp.chainDB = max(sp.chainOver, sp.burstOver), max(sp.chainDB, sp.burstDB)
	if sp.chainFrames >= tinyChain || sp.chainOver >= strongDB {
		sp.everVoice = true
	}
	for _, b := range sp.bursts[:sp.nBursts] {
		if b.over >= sp.chainOver-loudSpanDB {
			sp.voiceStart = max(sp.voiceStart, b.start)
			break
		}
	}
}

// voiceOnset is where the voice of a burst starts, given the frame r that
// shows it first (the second of two voiced frames, or a loud one once the
// background is known). Over a background learnt from a few frames after
// the answer, babble already running there looks loud and confirms a
// burst: one that began while the background was young, loudPrefix or
// more before its first vowel, was that babble running into the voice,
// and the voice starts at the vowel. Otherwise the burst's start stands:
// its lead is the voice's own onset (a consonant, a breath, "Zdr...").
func voiceOnset(sp *speech, r frameRec) int64 {
	at := r.start
	if sp.voicedRun >= 2 {
		at -= int64(sp.voicedRun-1) * frameLen
	}
	if !sp.burstYoung || at-sp.burstStart < loudPrefix*frameLen {
		return sp.burstStart
	}
	return at
}

// voiced reports whether the burst in progress can be a voice: one that
// stands loudVoiceDB above the typical background is one by its level
// alone; a quieter one, which may be the background swinging (babble,
// rumble), must have a vowel: two voiced frames in a row. Noise of any
// colour, and babble made of it, has a voiced frame about once in a
// hundred and two in a row about once in 20 s (voicing.go).
func voiced(sp *speech) bool {
	return sp.burstOver >= loudVoiceDB || sp.burstVoiced >= 2
}

// utterance reports whether the burst in progress is a voice rather than
// the background's own swings. A burst that starts a chain must peak
// peakSNR above the background's low percentile and overDB above its
// median (babble and rumble swing by less than that above their median; a
// voice at 10 dB SNR, whose peaks are 5 dB and more above its mean, does
// not), and, while the background is young, swing by swingDB (a flat rise
// is the background changing, as when comfort noise starts). A burst that
// continues a chain within contGap (400 ms) of its last speech need only
// peak within chainSpanDB of the chain's loudest frame (in dBFS: the
// background estimate may have moved in the pause, the voice has not) and
// reach contOverDB above the median: the quiet syllables of a voice already heard, not the
// background after it. After a longer pause the next burst must be a voice
// on its own terms, so a swing of the background after a long hello does
// not stretch it into a greeting.
func (d *Detector) utterance(sp *speech) bool {
	if sp.chainOn {
		near := sp.burstOver >= contOverDB && sp.burstDB >= sp.chainDB-chainSpanDB
		if sp.burstStart-sp.lastSpeech <= contGap*frameLen || !near {
			return near
		}
	}
	if sp.burstYoung && sp.burstPeak-sp.burstLow < swingDB {
		return false
	}
	peak, over := float64(peakSNR), float64(overDB)
	if sp.burstVoiced >= vowelFrames {
		peak -= vowelReliefDB
	}
	if sp.burstVoiced >= longVowelFrames {
		peak, over = peakSNR-longVowelReliefDB, overDB-longVowelReliefDB
	}
	return sp.burstOver >= over && sp.burstPeak >= peak
}

// A burst holding a vowel of vowelFrames (voiced frames in a row, which no
// noise and no babble made of noise shows) may peak vowelReliefDB below
// peakSNR: a short "Da?" at 10 dB SNR peaks about 13.5 dB over the noise.
const (
	vowelFrames   = 5
	vowelReliefDB = 2
)

// A burst voiced for longVowelFrames in a row (300 ms) is a held vowel,
// which no noise or babble shows (notes of music are tones, not speech):
// it may stand longVowelReliefDB under both peakSNR and overDB. A flat
// synthetic "Hello?" 11 dB over music behind it peaked 11.9 dB over the
// background, 10.9 over its median, and was dead air
// (TestFlatHelloOverMusic). Over the 66 evaluation sets and 29 others,
// two such people became people and no other outcome changed (on the 66,
// six switched-off calls' announcements are now heard as well, and one
// person is decided 150 ms later); a 200 ms vowel put one in and made a
// person an answered announcement.
const (
	longVowelFrames   = 30
	longVowelReliefDB = 3
)

func (d *Detector) endBurst(sp *speech) {
	if sp == &d.sp && sp.inBurst && !sp.confirmed && !sp.chainOn && d.firstSound(sp) {
		// The first sound after an answer that sent nothing (a phone
		// that suppresses silence without comfort noise) had no
		// background to stand over but itself: it is judged against the
		// one heard in the firstWait after it (firstHeard).
		d.first = firstBurst{start: sp.burstStart, last: sp.burstLast, frames: sp.burstFrames,
			db: sp.burstDB, level: sp.burstLevel / float64(sp.burstFrames), voiced: sp.burstVoiced}
		d.firstOK = true
	}
	if sp == &d.sp && sp.inBurst && sp.confirmed && sp.burstFrames >= 5 {
		d.voiceDB = max(d.voiceDB, sp.burstLevel/float64(sp.burstFrames))
	}
	if sp.inBurst && sp.confirmed {
		d.addEvent(Event{Kind: EventSpeech, Start: sp.burstStart, End: sp.burstLast, Level: sp.burstLevel / float64(sp.burstFrames), Freq2: float64(sp.burstVoiced)})
	}
	sp.inBurst = false
}

// firstSound reports whether the burst sp ends, not taken for a voice, is
// the first sound after an answer whose line sent nothing before it: the
// background was learnt from the burst itself (it started after dtxFrames
// of digital silence, with no frame of background heard before). It must
// hold a vowel.
func (d *Detector) firstSound(sp *speech) bool {
	return sp.burstYoung && sp.burstFrames >= burstMin && voiced(sp) && d.answered(sp.burstStart) && d.silentStart
}

// firstBurst is such a first sound, awaiting the background after it.
type firstBurst struct {
	start, last int64
	frames      int
	db, level   float64 // its loudest frame and its mean, dBFS
	voiced      int
	heard       bool // a frame that was not digital silence came after it
}

// firstWait is how long after a first sound the background heard decides
// it (a suppressor's hangover sends 100 ms or more of the line's noise).
var firstWait = samples(250e6)

// firstHeard judges a first sound (firstSound) once the frame r was heard
// after it: standing peakSNR over the noise heard since, it was a voice,
// the chain's first burst, as if it had been confirmed. A chain begun
// meanwhile, or firstWait passed, ends the wait; when nothing but digital
// silence came after the sound in that time, no hangover showed the line's
// noise, and the sound is judged against near-silence (-70 dBFS).
func (d *Detector) firstHeard(r frameRec) {
	sp, f := &d.sp, &d.first
	if sp.chainOn {
		d.firstOK = false
		return
	}
	if r.start >= f.last && !r.lost {
		f.heard = true
	}
	nf := max(d.noise.Value(-75), -70)
	if r.start > f.last+firstWait {
		d.firstOK = false
		if f.heard {
			return
		}
		nf = -70 // the line sent nothing after it: no background but near-silence
	}
	if f.db-nf < peakSNR {
		return
	}
	d.firstVoice(*f, nf)
}

// firstVoice makes f, a first sound on a line that sent nothing before
// it, the chain's first burst, as if it had been confirmed, standing over
// a background of nf.
func (d *Detector) firstVoice(f firstBurst, nf float64) {
	sp := &d.sp
	d.firstOK = false
	sp.startChain(f.start)
	sp.everConfirmed, sp.everVoice = true, true
	sp.chainFrames, sp.frames = f.frames, sp.frames+f.frames
	sp.chainOver, sp.chainDB, sp.lastSpeech, sp.lastLoud, sp.loudAt = f.db-nf, f.db, f.last, f.last, f.last
	sp.bursts[0], sp.nBursts = chainBurst{start: f.start, over: f.db - nf}, 1
	d.voiceDB = max(d.voiceDB, f.level)
	d.addEvent(Event{Kind: EventSpeech, Start: f.start, End: f.last, Level: f.level, Freq2: float64(f.voiced)})
}

// talkspurt is a run of frames that are not digital silence on a line
// that sends nothing between its sounds (silentStart): one sound and the
// suppressor's hangover after it.
type talkspurt struct {
	on         bool
	start      int64
	n          int // its frames
	voicedN    int // up to the last voiced one
	peak, sum  float64
	run, voice int                // voiced frames in a row, now and at most
	levels     [spurtRing]float32 // the levels of its last frames
	young      bool               // the background was young at its first frame
}

// spurtRing frames of a talkspurt's end are kept: its hangover and more.
const spurtRing = 16

// spurtHeard follows the talkspurts of a line that sent nothing before
// its first sound, while no chain is on and its background is young (or,
// for one that holds a vowel of vowelRun, was young when it began). Such
// a line's background is learnt from its sounds (the hangover after each
// is all it sends of its noise), and a word whose first frame was loud
// taught the background its own level: its vowels then stood too little
// over it to be a burst of their own, or a short one. A talkspurt whose
// frames are all the line sent, that holds a vowel (spurtVowel voiced
// frames in a row, its frames' voicing measured in every frame whether
// they stood over the background or not), and whose loudest frame stands
// peakSNR over its last ones (the hangover's noise, or the word dying away
// when there is none; vowelReliefDB less with a vowel of vowelFrames, as
// for a burst) is a voice.
func (d *Detector) spurtHeard(r frameRec) {
	t := &d.spurt
	if !r.lost {
		if !t.on {
			*t = talkspurt{on: true, start: r.start, peak: r.db, young: r.young}
		}
		t.levels[t.n%spurtRing] = float32(r.db)
		t.n++
		t.peak = max(t.peak, r.db)
		t.sum += r.db
		if r.voice >= voicedR || r.voice < 0 {
			t.run++
			t.voice = max(t.voice, t.run)
			t.voicedN = t.n
			d.vowelHeard = d.vowelHeard || t.run >= vowelRun
		} else {
			t.run = 0
		}
		return
	}
	if !t.on {
		return
	}
	t.on = false
	// A talkspurt judged once the background is no longer young must have
	// begun while it was, and hold a vowel of vowelRun: a loud first word
	// of half a second and its hangover outlast the young background.
	if t.voice < spurtVowel || t.voicedN < burstMin || !(r.young || t.young && t.voice >= vowelRun) || t.n < spurtTail {
		return
	}
	tail := 0.0
	for i := t.n - spurtTail; i < t.n; i++ {
		tail += float64(t.levels[i%spurtRing])
	}
	tail /= spurtTail
	peak := float64(peakSNR)
	if t.voice >= vowelFrames {
		peak -= vowelReliefDB // as utterance: a vowel may peak a little lower
	}
	if t.peak-tail < peak {
		return
	}
	// The sound ends with its last frame spurtOverDB over the tail, and
	// not before its last vowel (only the last spurtRing frames are kept).
	n := max(t.n-spurtTail, t.voicedN)
	for n > max(t.voicedN, t.n-spurtRing) && float64(t.levels[(n-1)%spurtRing]) < tail+spurtOverDB {
		n--
	}
	d.firstVoice(firstBurst{start: t.start, last: t.start + int64(n)*frameLen, frames: n, db: t.peak, level: t.sum / float64(t.n), voiced: t.voice}, tail)
}

// spurtTail frames end a talkspurt judged by spurtHeard: the background
// it stands over. Its sound ends with its last frame spurtOverDB over them.
// spurtVowel voiced frames in a row make a vowel: rustles of noise on a
// dead line (TestNoiseBurstsOnSuppressedLine) show two at most, measured
// in every frame, and people's first words 3 to 16 or more.
const (
	spurtTail   = 3
	spurtOverDB = 6
	spurtVowel  = 3
)

// An early announcement's speech that runs across the answer (heard up to
// tailLead before it, and again within tailGap after it: the background
// learnt afresh at the answer takes a few frames) and lasts
// announcementTail after it with no pause of tailPause (words of one
// sentence) continues the announcement; a shorter tail (early media
// trailing the 200 OK) is forgotten at its first pause. The same voice
// goes on at the same level: a first burst more than tailLevelDB away from
// the last early one is the callee's line (its noise or voice), not the
// announcement.
var tailLead, tailGap, tailPause, announcementTail = samples(60e6), samples(150e6), samples(200e6), samples(500e6)

const tailLevelDB = 6

// decideSpeech applies the human/machine/silence rules after a frame.
func (d *Detector) decideSpeech(now int64) {
	sp := &d.sp
	// After dead air, a click or a swing of the noise (a tiny, quiet chain)
	// does not undo the Silence verdict; a voice reopens the decision.
	voice := sp.chainFrames >= tinyChain || sp.chainOver >= strongDB
	if sp.chainOn && voice && d.v.Decided && d.v.Class == Silence {
		d.v = Verdict{DecidedAt: -1, BeepStart: d.v.BeepStart, BeepEnd: d.v.BeepEnd, GreetingEnd: -1, Reason: "speech after silence"}
	}
	if sp.chainOn && d.earlyAnn && sp.inBurst && sp.burstStart == sp.chainStart {
		d.tailLevel = sp.burstLevel / float64(sp.burstFrames)
	}
	if sp.chainOn && d.earlyAnn && d.open() && sp.chainStart <= d.answerAt+tailGap && d.early.lastSpeech >= d.answerAt-tailLead &&
		abs(d.tailLevel-d.earlyLevel) <= tailLevelDB && !(d.newSrc >= d.answerAt-tailLead && d.newSrc <= sp.chainStart) {
		// Speech running across the answer is the early announcement going
		// on (a network that answers to play it), not the callee: long
		// enough, it is the announcement; a tail cut short by the answer
		// is forgotten, so the callee's own voice decides.
		last := sp.lastSpeech
		if sp.inBurst {
			last = max(last, sp.burstLast) // a word not yet confirmed ends the pause
		}
		switch {
		case now-last >= tailPause:
			sp.chainOn, sp.everConfirmed, sp.everVoice, sp.utterances, sp.frames, sp.nBursts = false, false, false, 0, 0, 0
		case sp.lastSpeech-d.answerAt >= announcementTail:
			d.decide(Announcement, 0.85, "announcement continues after answer")
		}
		return
	}
	if sp.chainOn {
		// The utterance the pause is judged by runs from the voice's
		// start: bursts of the background before it (a television, babble
		// that starts with the answer) made a long one of a short hello,
		// and a person waited for 900-1,050 ms of pause instead of 650.
		chainLen := sp.lastSpeech - sp.voiceStart
		sil := now - sp.lastSpeech
		if sp == &d.sp && d.nFrames > 0 && d.rawLast <= sp.lastSpeech+burstGap*frameLen {
			// Nothing voice-like in the frames still in the lag: the
			// silence is known up to the newest frame analysed, and a tone
			// there (maybe a beep) holds the decision below.
			head := d.ring[int((d.nFrames-1)%ringSize)].start + frameLen
			sil = max(sil, head-sp.lastSpeech)
		}
		if sp.quietFrom > sp.lastLoud && sp.lastSpeech-sp.quietFrom >= quietTail {
			// Only bursts loudSpanDB under the voice for quietTail since
			// its last loud frame: the voices behind a person who
			// stopped (a television), not more of a greeting. The pause
			// runs from the voice's end.
			chainLen, sil = sp.lastLoud-sp.voiceStart, max(sil, now-sp.lastLoud)
		}
		// sent: a line that suppresses silence went on sending the voice
		// after the speech tracker's last frame.
		sent := d.silentStart && sp.lastLevel > sp.lastSpeech
		if sent {
			// A line that suppresses silence sends what its voice detector
			// takes for speech. A voiced frame it sent within sentVoiceDB
			// of the chain's loudest is the voice going on, even where the
			// background, learnt from the first words (all the line sent
			// while it was young), hid it from the speech tracker: no pause
			// runs through it, and it counts towards a long greeting.
			sil = min(sil, now-sp.lastLevel)
		}
		// Speech still in the lag pipeline that continues the chain counts
		// towards a long greeting: the lag is there to keep tones out of
		// speech, and a tone does not make a voice longer.
		heard := sp.lastSpeech - sp.voiceStart
		if d.rawRunStart <= sp.lastSpeech+burstGap*frameLen && d.rawLast > sp.lastSpeech {
			heard = d.rawLast - sp.voiceStart
		}
		if sp.lastLoud < sp.lastSpeech {
			// A long greeting is long in frames within loudSpanDB of its
			// loudest: quieter speech after them may be the voices
			// behind a person (a television), and counts once the voice
			// comes back.
			heard = min(heard, sp.lastLoud-sp.voiceStart)
		}
		if sp.lastSpeech-sp.loudAt >= heardQuiet {
			heard = min(heard, sp.loudAt-sp.voiceStart) // quieter speech since: a television after a long hello?
		}
		if sent {
			heard = max(heard, sp.lastLevel-sp.voiceStart)
		}
		hold := now < d.cngHold // a fax may be about to repeat its calling tone
		switch {
		case !d.open() || hold || d.v.Class == Silence:
		case heard >= d.machineSpeech && d.backgroundAfterHello():
			d.decide(Human, 0.6, ReasonHelloOverVoices)
		case heard >= d.machineSpeech:
			conf := 0.7 + 0.3*min(1, float64(sp.chainFrames*frameLen)/float64(chainLen+1))
			d.decide(Machine, min(conf, 0.95), "long greeting")
		case d.forwarded && heard >= d.fwdSpeech:
			d.decide(Machine, 0.8, ReasonForwardedGreeting)
		}
		if sil >= d.silenceFor(chainLen) {
			// A tone in progress may be the beep that ends a short greeting
			// (not one far quieter than the voice: music behind a person).
			beepLike := (d.pendOK && d.couldBeep(d.pend.Level) || d.toneNow()) && !d.musicNow(now)
			if d.open() && !hold && !beepLike && d.v.Class != Silence {
				margin := 1 - float64(chainLen)/float64(d.machineSpeech)
				d.decide(Human, 0.6+0.35*max(0, margin), "short utterance then silence")
			}
			if !beepLike {
				sp.chainOn = false
			}
		}
	}
	if d.v.Decided && d.v.Class == Machine && d.v.BeepEnd < 0 && sp.everConfirmed && now-sp.lastSpeech >= d.greetingSil {
		d.v.GreetingEnd = sp.lastSpeech
	}
	if !d.v.Decided && !sp.everVoice && !(sp.chainOn && sp.chainFrames > 0) && !d.toneHeard && d.answerAt >= 0 && now-d.answerAt >= d.silenceTimeout {
		d.decide(Silence, 0.9, "no speech after answer")
		d.addEvent(Event{Kind: EventSilence, Start: d.answerAt, End: now, Level: d.noise.Value(energy.SilenceDBFS)})
	}
}

// Package engine is the replay pipeline: capture -> signaling decoders ->
// correlator -> calls. It dispatches every payload the capture layer hands
// it to the right decoder, writes one event per decoded signaling message
// when asked, and feeds the correlator, whose calls go to the caller's sink.
//
// The engine runs on capture time only. It owns its state outright and is
// not safe for concurrent use.
package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/amd/asterisk"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/media"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling"
	"github.com/callsight/callsight/signaling/gtp"
	"github.com/callsight/callsight/signaling/isup"
	"github.com/callsight/callsight/signaling/m3ua"
	"github.com/callsight/callsight/signaling/sdp"
	"github.com/callsight/callsight/signaling/sip"
)

// Config configures an Engine.
type Config struct {
	Capture    capture.Config
	Correlator signaling.Config
	// MaxSIPFlows bounds the TCP flows framed as SIP at once.
	MaxSIPFlows int
	// MaxLoggedErrors is how many decode errors per file are logged one by
	// one; the rest are only counted.
	MaxLoggedErrors int
	// NoAudio turns RTP decoding and audio analysis off.
	NoAudio bool
	// Media and AMD configure each call's RTP stream and detector.
	Media media.Config
	AMD   amd.Config
	// Detector picks the audio classifier: DetectorCallsight (or empty),
	// amd's detector configured by AMD, or DetectorAsterisk, a baseline
	// running Asterisk AMD()'s rules configured by Asterisk, to compare on
	// the same capture.
	Detector string
	Asterisk asterisk.Config
	// MaxAudioLegs bounds the calls whose audio is analysed at once.
	MaxAudioLegs int
	// MaxLearnFlows bounds the RTP flows without an SDP binding tracked at
	// once to learn which call they belong to (learn.go); zero turns
	// learning off.
	MaxLearnFlows int
	// KnownGreetings is how many voicemail greetings the engine's detectors
	// learn and recognise (amd.Greetings: a recording heard to its beep is
	// a machine after 1.2 s of it the next time); zero turns that off.
	KnownGreetings int
	// ExplainCall keeps an energy trace for the call with this Call-ID.
	ExplainCall string
	// OnVerdict, when set, is called the moment a call's audio verdict is
	// reached and again when its beep ends, long before the call is over:
	// this is what a live call controller waits for. With AudioWorkers it
	// is called from the workers' goroutines, concurrently.
	OnVerdict func(VerdictEvent)
	// AudioWorkers, when positive, runs RTP decoding and audio analysis on
	// that many goroutines (about one per core), each owning its calls, for
	// live service. Zero runs them on the caller's goroutine: replay's
	// output is then byte-identical run to run.
	AudioWorkers int
	// AudioQueue bounds each worker's queue of packets; a full queue sheds
	// packets (counted), never blocking the engine.
	AudioQueue int
	// SettleAfter, when positive, stops a call's audio analysis once its
	// verdict is final: at once for a fax, an announcement, busy or
	// ringback; SettleAfter (on the sample clock) after the beep's end for
	// a machine (a later beep still moves it) or after the verdict for a
	// human (a beep in that time still makes it a machine). A machine with
	// no beep yet and dead air are never final. RTP is still decoded and
	// counted. Live service sets it to spend the CPU on calls still
	// undecided; replay leaves it zero, so every event of a call is heard.
	SettleAfter time.Duration
}

// DefaultConfig returns the configuration replay uses.
func DefaultConfig() Config {
	return Config{
		Capture:         capture.DefaultConfig(),
		Correlator:      signaling.DefaultConfig(),
		MaxSIPFlows:     65536,
		MaxLoggedErrors: 50,
		Media:           media.DefaultConfig(),
		AMD:             amd.DefaultConfig(),
		Detector:        DetectorCallsight,
		Asterisk:        asterisk.DefaultConfig(),
		MaxAudioLegs:    100000,
		MaxLearnFlows:   4096,
		AudioQueue:      16384,
		KnownGreetings:  256,
	}
}

// Greetings returns the engine's known-greetings store (nil when
// KnownGreetings is 0), for saving and loading it.
func (e *Engine) Greetings() *amd.Greetings { return e.greetings }

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if err := c.Capture.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Correlator.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Media.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.AMD.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := validDetector(c.Detector); err != nil {
		errs = append(errs, err)
	} else if c.Detector == DetectorAsterisk {
		if err := c.Asterisk.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.AudioWorkers < 0 || c.AudioWorkers > 256 || (c.AudioWorkers > 0 && (c.AudioQueue <= 0 || c.AudioQueue > 1<<20)) {
		errs = append(errs, errors.New("engine: audio workers must be 0-256 with a queue of 1-1048576 packets"))
	}
	if c.MaxAudioLegs <= 0 {
		errs = append(errs, errors.New("engine: max audio legs must be positive"))
	}
	if c.KnownGreetings < 0 {
		errs = append(errs, fmt.Errorf("engine: known greetings %d must not be negative", c.KnownGreetings))
	}
	if c.MaxLearnFlows < 0 {
		errs = append(errs, errors.New("engine: max learn flows must not be negative"))
	}
	if c.MaxSIPFlows <= 0 {
		errs = append(errs, errors.New("engine: max SIP flows must be positive"))
	}
	return errors.Join(errs...)
}

// Stats is what a replay counted.
type Stats struct {
	Capture      capture.Stats
	Correlator   signaling.Stats
	Messages     map[string]uint64 // decoded messages by protocol
	DecodeErrors map[string]uint64 // "proto: kind" -> count
	Calls        map[outcome.Outcome]uint64
	UDPOther     uint64 // UDP payloads that are neither signaling nor bound RTP
	RTPPackets   uint64 // RTP packets bound to a call and analysed
	AudioLegs    uint64 // calls whose audio was bound, through SDP or learned
	AudioSettled uint64 // calls whose analysis stopped once their verdict was final (Config.SettleAfter)
	AudioLearned uint64 // calls whose audio was learned without SDP
	// LearnAmbiguous counts RTP flows left unbound because they could be
	// more than one call's audio (or either direction of one call).
	LearnAmbiguous uint64
	// LearnShed counts RTP flows not tracked because MaxLearnFlows were.
	LearnShed    uint64
	AudioShed    uint64 // calls not analysed because MaxAudioLegs were busy
	AudioExpired uint64 // audio legs dropped without a call
	// AudioShedPackets counts RTP packets dropped because an audio worker
	// was behind (live service only).
	AudioShedPackets uint64
	SCTPOther        uint64 // SCTP user messages of other protocols
	Files            int
	FileErrors       int
}

// Engine replays captures into calls.
type Engine struct {
	greetings *amd.Greetings // known greetings, shared by the detectors; nil when off
	cfg       Config
	log       *slog.Logger
	corr      *signaling.Correlator
	events    io.Writer
	calls     func(*outcome.Call) // the correlator's sink: fuse, then emitted
	sink      func(*outcome.Call) // the caller's

	// Calls whose audio legs the workers finished, waiting to be fused
	// and emitted on the engine goroutine (worker.go).
	doneMu    sync.Mutex
	done      []finishedCall
	doneSpare []finishedCall
	doneN     atomic.Int64
	settledN  atomic.Uint64 // legs settled (Config.SettleAfter), counted by their processors

	stats  Stats
	file   string
	logged int

	// Reused decoding state: the hot path allocates nothing it can reuse.
	m3    m3ua.Message
	isu   isup.Message
	sipm  sip.Message
	gt    gtp.Message
	body  []isup.Message
	bptr  []*isup.Message
	sdps  []sdp.Session
	sptr  []*sdp.Session
	flows map[flowKey]*sip.Framer

	audio         map[string]*audioLeg
	byDst         map[netip.AddrPort]*audioLeg
	bySrc         map[netip.AddrPort]*audioLeg
	inline        *proc
	workers       []*audioWorker
	workersWG     sync.WaitGroup
	audioShedPkts atomic.Uint64
	traces        map[string]*audioLeg // finished legs kept for explain

	// Learning RTP without SDP (learn.go).
	learn      map[flowKey]*learnFlow
	pending    map[*audioLeg]struct{}
	byHost     map[netip.Addr][]*audioLeg
	byPort     map[uint16][]*audioLeg
	learnEpoch uint64
	learnSweep time.Time
	audioSweep time.Time
	idleSweep  time.Time // the last sweepIdle
	idleSweeps int       // how many ran (tests)
	ev         []byte
	pl         *capture.Payload
}

type flowKey struct{ src, dst netip.AddrPort }

// New returns an Engine. Calls go to calls in order of start time; when
// events is not nil, one JSON line per decoded signaling message is written
// to it.
func New(cfg Config, log *slog.Logger, events io.Writer, calls func(*outcome.Call)) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, log: log, events: events, flows: make(map[flowKey]*sip.Framer),
		audio: map[string]*audioLeg{}, byDst: map[netip.AddrPort]*audioLeg{}, bySrc: map[netip.AddrPort]*audioLeg{},
		traces: map[string]*audioLeg{}, learn: map[flowKey]*learnFlow{}, pending: map[*audioLeg]struct{}{},
		byHost: map[netip.Addr][]*audioLeg{}, byPort: map[uint16][]*audioLeg{}}
	e.inline = newProc(e)
	if cfg.KnownGreetings > 0 {
		e.greetings = amd.NewGreetings(cfg.KnownGreetings)
	}
	if cfg.AudioWorkers > 0 {
		e.startWorkers(cfg.AudioWorkers)
	}
	e.sink = calls
	e.calls = func(c *outcome.Call) {
		if !e.fuse(c) {
			e.emitted(c)
		}
	}
	corr, err := signaling.New(cfg.Correlator, e.calls)
	if err != nil {
		return nil, err
	}
	e.corr = corr
	e.stats.Messages = map[string]uint64{}
	e.stats.DecodeErrors = map[string]uint64{}
	e.stats.Calls = map[outcome.Outcome]uint64{}
	return e, nil
}

// ReplayFile reads one capture file through the pipeline. A file that is
// not a capture returns an error wrapping capture.ErrNotCapture; a truncated
// file returns an error after everything before the damage was processed.
func (e *Engine) ReplayFile(name string, r io.Reader) error {
	e.stats.Files++
	e.file = name
	e.logged = 0
	rd, err := capture.NewReader(name, r, e.cfg.Capture)
	if err != nil {
		e.stats.FileErrors++
		return err
	}
	err = rd.Run(e.payload, e.captureError)
	e.stats.Capture.Add(rd.Stats())
	clear(e.flows)
	if err != nil {
		e.stats.FileErrors++
	}
	return err
}

// Finish flushes the correlator: every call still open is closed and
// emitted. Call it once after the last file.
func (e *Engine) Finish() {
	e.corr.Flush()
	e.expireAudio(time.Unix(1<<40, 0))
	e.stopWorkers()
	e.stats.Correlator = e.corr.Stats()
}

// SettledCalls is how many calls' analysis stopped once their verdict was
// final (Config.SettleAfter). Unlike Stats it may be read from any
// goroutine.
func (e *Engine) SettledCalls() uint64 { return e.settledN.Load() }

// AudioShedPackets is how many RTP packets the audio workers' full queues
// shed (Config.AudioQueue). Unlike Stats it may be read from any
// goroutine.
func (e *Engine) AudioShedPackets() uint64 { return e.audioShedPkts.Load() }

// Stats returns what was counted so far.
func (e *Engine) Stats() Stats {
	e.stats.Correlator = e.corr.Stats()
	st := e.stats
	for _, w := range e.workers {
		st.RTPPackets += w.pr.rtp.Load()
		st.DecodeErrors = maps.Clone(st.DecodeErrors)
		st.DecodeErrors["rtp: worker"] += w.pr.errs.Load()
	}
	st.AudioShedPackets = e.audioShedPkts.Load()
	st.AudioSettled = e.settledN.Load()
	return st
}

func (e *Engine) captureError(de *capture.DecodeError) {
	e.countErr(de.Layer, de.Err)
	if e.logged < e.cfg.MaxLoggedErrors {
		e.logged++
		e.log.Warn("decode error", "file", de.File, "frame", de.Frame, "layer", de.Layer, "err", de.Err)
	}
}

func (e *Engine) decodeError(proto string, p *capture.Payload, err error) {
	e.countErr(proto, err)
	if e.logged < e.cfg.MaxLoggedErrors {
		e.logged++
		e.log.Warn("decode error", "file", e.file, "frame", p.Frame, "layer", proto, "err", err)
	}
}

func (e *Engine) countErr(proto string, err error) {
	kind := "other"
	switch {
	case errors.Is(err, capture.ErrTruncated), errors.Is(err, isup.ErrTruncated), errors.Is(err, m3ua.ErrTruncated),
		errors.Is(err, sip.ErrTruncated), errors.Is(err, gtp.ErrTruncated), errors.Is(err, sdp.ErrTruncated):
		kind = "truncated"
	case errors.Is(err, capture.ErrMalformed), errors.Is(err, isup.ErrMalformed), errors.Is(err, m3ua.ErrMalformed),
		errors.Is(err, sip.ErrMalformed), errors.Is(err, gtp.ErrMalformed), errors.Is(err, sdp.ErrMalformed):
		kind = "malformed"
	}
	var pe *isup.ParamError
	if errors.As(err, &pe) {
		kind = "parameter"
	}
	e.stats.DecodeErrors[proto+": "+kind]++
}

// Well-known ports used for dispatch where a payload does not say what it is.
const (
	portM3UA  = 2905
	portGTPC  = 2123
	ppidM3UA  = 3
	ppidM2PA  = 5
	ppidSUA   = 4
	ppidM2UA  = 2
	ppidIUA   = 1
	ppidSCTPN = 0
)

func hasPort(p *capture.Payload, port uint16) bool {
	return p.Src.Port() == port || p.Dst.Port() == port
}

// Payload feeds one application payload, from a capture file or a live
// source. Payloads must come in capture-time order.
func (e *Engine) Payload(p *capture.Payload) {
	e.drainFinished()
	e.payload(p)
}

// emitted counts a fused call and hands it to the caller.
func (e *Engine) emitted(c *outcome.Call) {
	e.stats.Calls[c.Outcome]++
	if e.sink != nil {
		e.sink(c)
	}
}

// Tick advances the capture clock without a packet, so that timers fire
// while a live source is idle.
func (e *Engine) Tick(now time.Time) {
	e.drainFinished()
	e.corr.Advance(now)
	e.maybeSweepIdle(now)
}

// maybeSweepIdle runs sweepIdle when idleEvery of capture time passed
// since the last one, or when the clock went back by more than that (the
// next file of a replay may start earlier). Live sources interleave
// packets a little out of time order: a sweep for each small step back
// was 9 sweeps in 10 under load, each a pass over every leg.
func (e *Engine) maybeSweepIdle(now time.Time) {
	if d := now.Sub(e.idleSweep); len(e.audio) > 0 && (d >= idleEvery || d <= -idleEvery) {
		e.idleSweep = now
		e.sweepIdle(now)
	}
}

// payload dispatches one application payload.
func (e *Engine) payload(p *capture.Payload) {
	e.pl = p
	e.corr.Advance(p.Time)
	if len(e.audio) > 0 && p.Time.Sub(e.audioSweep) > time.Minute {
		e.audioSweep = p.Time
		e.expireAudio(p.Time)
	}
	e.maybeSweepIdle(p.Time)
	switch p.Transport {
	case capture.SCTP:
		if p.PPID == ppidM3UA || (p.PPID == ppidSCTPN && hasPort(p, portM3UA)) {
			e.m3uaMsg(p, p.Data)
			return
		}
		e.stats.SCTPOther++
	case capture.UDP:
		if hasPort(p, portGTPC) {
			e.gtpMsg(p)
			return
		}
		if sip.LooksLikeSIP(p.Data) {
			e.sipMsg(p, p.Data)
			return
		}
		if (len(e.audio) > 0 || e.cfg.MaxLearnFlows > 0 && e.audioEnabled()) && e.rtp(p) {
			return
		}
		e.stats.UDPOther++
	case capture.TCP:
		k := flowKey{p.Src, p.Dst}
		f := e.flows[k]
		if f == nil {
			if !sip.LooksLikeSIP(p.Data) {
				return
			}
			if len(e.flows) >= e.cfg.MaxSIPFlows {
				clear(e.flows)
			}
			f = &sip.Framer{}
			e.flows[k] = f
		}
		if err := f.Write(p.Data, func(msg []byte) { e.sipMsg(p, msg) }); err != nil {
			e.decodeError("sip", p, fmt.Errorf("tcp stream %v -> %v: %w", p.Src, p.Dst, err))
		}
	}
}

func (e *Engine) m3uaMsg(p *capture.Payload, b []byte) {
	for n := 0; len(b) > 0 && n < 8; n++ {
		m := &e.m3
		if err := m.Decode(b); err != nil {
			e.decodeError("m3ua", p, err)
			return
		}
		e.stats.Messages["m3ua"]++
		if m.Data && m.SI == m3ua.SIISUP {
			e.isupMsg(p, m)
		} else {
			e.m3uaEvent(p, m)
		}
		b = m.Trailing
	}
}

func (e *Engine) isupMsg(p *capture.Payload, m *m3ua.Message) {
	v := isup.ITU
	if m.OPC > 0x3fff || m.DPC > 0x3fff {
		v = isup.ANSI // 24-bit point codes are ANSI's
	}
	im := &e.isu
	if err := im.Decode(m.Payload, v); err != nil {
		e.decodeError("isup", p, fmt.Errorf("opc=%d dpc=%d: %w", m.OPC, m.DPC, err))
		if !im.HasCIC {
			return
		}
	}
	e.stats.Messages["isup"]++
	e.isupEvent(p, im, m.OPC, m.DPC, true)
	e.corr.ISUP(p.Time, m.OPC, m.DPC, m.NI, im)
}

func (e *Engine) sipMsg(p *capture.Payload, b []byte) {
	m := &e.sipm
	if err := m.Decode(b); err != nil {
		e.decodeError("sip", p, err)
		if m.CallID == "" {
			return
		}
	}
	e.stats.Messages["sip"]++
	e.sipEvent(p, m)
	e.bptr = e.bptr[:0]
	if len(m.ISUP) > 0 {
		if cap(e.body) < len(m.ISUP) {
			e.body = make([]isup.Message, len(m.ISUP))
		}
		e.body = e.body[:len(m.ISUP)]
		for i, b := range m.ISUP {
			im := &e.body[i]
			v := isup.ParseVariant(b.Version, b.Base)
			if err := im.DecodeBody(b.Data, v); err != nil {
				e.decodeError("isup", p, fmt.Errorf("sip-i body in call-id %s: %w", m.CallID, err))
				continue
			}
			e.stats.Messages["isup"]++
			e.isupEvent(p, im, 0, 0, false)
			e.bptr = append(e.bptr, im)
		}
	}
	e.sptr = e.sptr[:0]
	for i, b := range m.SDP {
		if i >= len(e.sdps) {
			e.sdps = append(e.sdps, sdp.Session{})
		}
		s := &e.sdps[i]
		if err := s.Decode(b); err != nil {
			e.decodeError("sdp", p, fmt.Errorf("call-id %s: %w", m.CallID, err))
			continue
		}
		e.sptr = append(e.sptr, s)
	}
	// A 2xx to an INVITE of a call the correlator did not know yet (the
	// capture started mid-call) also starts an audio leg.
	mid := e.audioEnabled() && m.CallID != "" && !m.Request && m.CSeqMethod == "INVITE" &&
		m.Status >= 200 && m.Status < 300 && e.audio[m.CallID] == nil
	var dialogs uint64
	if mid {
		dialogs = e.corr.Stats().SIPDialogs
	}
	e.sipForward(p, m, e.bptr) // before sdpBind: a 2xx answers
	e.sdpBind(p, m, e.sptr)
	e.sipAnswer(p, m)
	e.corr.SIP(p.Time, m, e.bptr, e.sptr)
	if mid && e.corr.Stats().SIPDialogs > dialogs {
		e.midCallAudio(p, m, e.sptr)
	}
}

func (e *Engine) gtpMsg(p *capture.Payload) {
	m := &e.gt
	if err := m.Decode(p.Data); err != nil {
		if errors.Is(err, gtp.ErrNotGTPC) {
			e.stats.UDPOther++
			return
		}
		e.decodeError("gtp", p, err)
		return
	}
	for g := m; g != nil; g = g.Piggybacked {
		proto := "gtpv2"
		if g.Version == 1 {
			proto = "gtpv1"
		}
		e.stats.Messages[proto]++
		e.gtpEvent(p, g, proto)
	}
	e.corr.GTP(p.Time, m)
}

// Event lines. They are appended by hand: the field order is fixed and the
// hot path does not go through reflection.

func (e *Engine) evStart(p *capture.Payload, proto string) []byte {
	b := e.ev[:0]
	b = append(b, `{"file":`...)
	b = strconv.AppendQuote(b, e.file)
	b = append(b, `,"frame":`...)
	b = strconv.AppendInt(b, p.Frame, 10)
	b = append(b, `,"ts":"`...)
	b = p.Time.UTC().AppendFormat(b, outcome.TimeLayout)
	b = append(b, `","proto":"`...)
	b = append(b, proto...)
	b = append(b, '"')
	return b
}

func (e *Engine) evEnd(b []byte) {
	b = append(b, "}\n"...)
	e.ev = b
	if _, err := e.events.Write(b); err != nil {
		e.log.Error("writing events", "err", err)
	}
}

func appendStr(b []byte, key, v string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return strconv.AppendQuote(b, v)
}

func appendUint(b []byte, key string, v uint64) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return strconv.AppendUint(b, v, 10)
}

func (e *Engine) isupEvent(p *capture.Payload, m *isup.Message, opc, dpc uint32, circuit bool) {
	if e.events == nil {
		return
	}
	b := e.evStart(p, "isup")
	b = appendUint(b, "code", uint64(m.Type))
	b = appendStr(b, "type", m.Type.String())
	if circuit {
		if m.HasCIC {
			b = appendUint(b, "cic", uint64(m.CIC))
		}
		b = appendUint(b, "opc", uint64(opc))
		b = appendUint(b, "dpc", uint64(dpc))
	} else {
		b = appendStr(b, "carrier", "sip")
	}
	if m.HasCause {
		b = appendUint(b, "cause", uint64(m.Cause.Value))
	}
	if m.Type.CircuitSupervision() {
		b = append(b, `,"network":true`...)
		if m.HasRange {
			b = appendUint(b, "range", uint64(m.Range))
		}
	}
	e.evEnd(b)
}

func (e *Engine) m3uaEvent(p *capture.Payload, m *m3ua.Message) {
	if e.events == nil {
		return
	}
	b := e.evStart(p, "m3ua")
	b = appendStr(b, "type", m.Name())
	if m.Data {
		b = appendUint(b, "opc", uint64(m.OPC))
		b = appendUint(b, "dpc", uint64(m.DPC))
		b = appendStr(b, "si", m.SI.String())
	}
	e.evEnd(b)
}

func (e *Engine) sipEvent(p *capture.Payload, m *sip.Message) {
	if e.events == nil {
		return
	}
	b := e.evStart(p, "sip")
	if m.Request {
		b = appendStr(b, "method", m.Method)
	} else {
		b = appendUint(b, "status", uint64(m.Status))
		b = appendStr(b, "cseq_method", m.CSeqMethod)
	}
	b = appendStr(b, "call_id", m.CallID)
	for i, r := range m.Reasons {
		if i == 0 {
			b = append(b, `,"reasons":[`...)
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, r.Protocol+";cause="+strconv.Itoa(r.Cause))
	}
	if len(m.Reasons) > 0 {
		b = append(b, ']')
	}
	e.evEnd(b)
}

func (e *Engine) gtpEvent(p *capture.Payload, m *gtp.Message, proto string) {
	if e.events == nil {
		return
	}
	b := e.evStart(p, proto)
	b = appendUint(b, "code", uint64(m.Type))
	b = appendStr(b, "type", m.Name())
	if m.IMSI != "" {
		b = appendStr(b, "imsi", m.IMSI)
	}
	if m.MSISDN != "" {
		b = appendStr(b, "msisdn", m.MSISDN)
	}
	if m.HasCause {
		b = appendUint(b, "cause", uint64(m.Cause))
	}
	e.evEnd(b)
}

package media

import (
	"math"
	"slices"
	"time"

	"github.com/callsight/callsight/media/g711"
	"github.com/pion/rtp"
)

const (
	maxHeld    = 64 // bound of Config.ReorderPackets
	maxSources = 16 // SSRCs tracked per stream; Stats.SSRCs keeps the first ones
	minChunk   = 480

	// RFC 3550 Appendix A.1.
	maxDropout  = 3000
	maxMisorder = 100

	nsPerSample = int64(time.Second) / 8000 // 125 µs
)

// DTMFEvent is one RFC 4733 telephone event, on the stream's sample clock.
type DTMFEvent struct {
	Digit byte  // '0'-'9', '*', '#', 'A'-'D', 'F' (flash), '?' for other events
	Event uint8 // the RFC 4733 §3.2 event code
	Start int64 // sample index of the event's start (its RTP timestamp)
	End   int64 // Start + the event's final duration
}

// SourceStats are the RFC 3550 receiver statistics of one SSRC.
type SourceStats struct {
	SSRC        uint32
	Packets     uint64  // unique packets received (duplicates excluded)
	Expected    int64   // extended highest sequence - base + 1 (A.3)
	Lost        int64   // Expected - Packets, never negative
	JitterMS    float64 // interarrival jitter estimate (A.8) after the last packet
	MaxJitterMS float64 // the largest value the estimate took
}

// Stats describes what a Stream saw. Counters never decrease.
type Stats struct {
	Packets     uint64 // valid RTP packets
	Bytes       uint64 // their UDP payload bytes
	Errors      uint64 // packets rejected by Process with an error
	Lost        uint64 // sum over SSRCs of the RFC 3550 cumulative loss
	Duplicates  uint64 // packets whose sequence number was already received
	Reordered   uint64 // packets that arrived after a later one and were still placed
	LateDropped uint64 // packets that arrived after their place was emitted or concealed
	Discarded   uint64 // packets of a sequence jump never confirmed (A.1), or of a superseded SSRC
	UnknownPT   uint64 // packets of a payload type mapped to Unknown
	Resyncs     uint64 // segments started: SSRC changes, sequence restarts, timestamp jumps
	Talkspurts  uint64 // packets with the marker bit

	JitterMS    float64 // RFC 3550 jitter of the current SSRC, ms
	MaxJitterMS float64 // the largest jitter estimate of any SSRC, ms

	SSRCs   []uint32      // SSRCs in the order first seen (at most 16)
	Sources []SourceStats // per-SSRC statistics, same order

	Codec      Codec  // codec of the latest audio packet (Unknown before any)
	Analysable bool   // Codec is decoded here (PCMU or PCMA)
	Codecs     uint16 // bit 1<<c set for every codec c seen

	Samples             int64 // samples emitted (decoded, concealed and noise)
	ConcealedSamples    int64 // silence inserted for lost packets and timestamp gaps
	QuietSamples        int64 // silence inserted while the sender sent nothing: before its first packet (StartAt) and by Idle
	ComfortNoiseSamples int64 // noise generated for CN packets
	SkippedSamples      int64 // sample-clock jumps: gaps beyond MaxGap and non-G.711 audio
	TrimmedSamples      int64 // decoded samples dropped because they overlapped earlier audio

	DTMF []DTMFEvent // telephone events in order (at most Config.MaxEvents)
}

// source is the per-SSRC state: RFC 3550 A.1 sequence tracking and A.8
// jitter.
type source struct {
	ssrc       uint32
	maxSeq     uint16
	cycles     int64
	baseSeq    int64
	badSeq     uint32 // RFC 3550 A.1 bad_seq: 1<<16 + 1 when none
	received   uint64
	lastExt    int64 // extended sequence of the previous packet, for run
	run        int   // consecutive in-sequence packets
	lastSeen   int64 // capture ns, for eviction
	superseded bool  // was the stream's active source, then replaced
	topExt     int64 // highest extended sequence so far, and its timestamp
	topTS      uint32
	haveTop    bool

	haveTransit bool
	prevTS      uint32
	prevArrival float64 // in RTP clock units
	jitter      float64 // RTP clock units
	maxJitter   float64
	rate        float64
}

func (src *source) init(seq uint16) {
	src.maxSeq = seq
	src.cycles = 0
	src.baseSeq = int64(seq)
	src.badSeq = 1<<16 + 1
	src.received = 0
	src.lastExt = int64(seq) - 1
	src.run = 0
}

// Verdicts of source.update.
const (
	seqOK      = iota
	seqBad     // a jump: held as a probe until the next packet confirms it
	seqRestart // the probe was confirmed: the source restarted
)

// update is RFC 3550 A.1 update_seq with extended sequence numbers: it
// returns the packet's extended sequence.
func (src *source) update(seq uint16) (int64, int) {
	udelta := seq - src.maxSeq
	switch {
	case udelta < maxDropout:
		if seq < src.maxSeq {
			src.cycles += 1 << 16
		}
		src.maxSeq = seq
		return src.cycles + int64(seq), seqOK
	case udelta <= 1<<16-maxMisorder:
		if uint32(seq) == src.badSeq {
			src.init(seq)
			return int64(seq), seqRestart
		}
		src.badSeq = uint32(seq+1) & 0xFFFF
		return 0, seqBad
	default: // duplicate or reordered, just before maxSeq
		ext := src.cycles + int64(seq)
		if seq > src.maxSeq {
			ext -= 1 << 16
		}
		return ext, seqOK
	}
}

func (src *source) expected() int64 { return src.cycles + int64(src.maxSeq) - src.baseSeq + 1 }

// slot is a packet held in the reorder buffer. payload is owned (copied).
type slot struct {
	ext     int64 // extended sequence
	ts      uint32
	arrival int64 // capture ns since Start
	pt      uint8
	marker  bool
	payload []byte
}

// segment is a run of packets placed on one timeline: one SSRC, one
// sequence space, consistent timestamps. Sample position of a packet:
// pos0 + (extTS - ts0).
type segment struct {
	src      int   // index in Stream.srcs
	ts0      int64 // extended timestamp of the anchor
	cap0     int64 // capture sample position of the anchor
	pos0     int64 // sample position of ts0 (cap0, shifted on first release)
	tsRef    int64 // highest extended timestamp seen
	floor    int64 // extended sequences below are late
	maxExt   int64 // highest extended sequence inserted
	anchored bool  // pos0 fixed by the first release
	pred     int64 // a re-anchored segment: pos0 on the timeline before it
	hasPred  bool
	released bool
	lastSeq  int64  // extended sequence of the last released packet
	relMask  uint64 // bit i: lastSeq-i was released
}

func (g *segment) extTS(ts uint32) int64 {
	e := g.tsRef + int64(int32(ts-uint32(g.tsRef)))
	if e > g.tsRef {
		g.tsRef = e
	}
	return e
}

// Fill modes for the samples between two packets.
const (
	fillSilence = iota // loss or a timestamp gap in G.711 audio
	fillNoise          // after a CN packet
	fillNone           // after non-G.711 audio: the clock jumps
)

// Stream turns the RTP packets of one direction of a call into 8 kHz PCM
// on a sample clock. It is not safe for concurrent use; the engine gives
// each stream to one worker.
type Stream struct {
	cfg        Config
	pts        [128]Codec
	window     int64 // ns
	maxGap     int64 // samples
	markerGap  int64 // samples
	maxEvents  int
	hdr        rtp.Header
	started    bool
	preset     bool // StartAt set start before the first packet
	quietFill  bool // Idle is filling: the silence is the sender's, not loss
	start      time.Time
	srcs       [maxSources]source
	nsrc       int
	active     int   // index in srcs, -1 before the first packet
	takeovers  int   // times a new SSRC took over from an active one
	takeoverAt int64 // capture sample position where the latest began
	seg        segment
	held       []slot
	free       [][]byte
	probe      slot
	probeSrc   int
	probeValid bool

	emitEnd int64 // sample index after the last emitted sample
	fill    int
	noise   int32 // amplitude of the comfort noise
	rng     uint32
	pcm     []int16

	ev struct {
		active, ended bool
		ts            int64
		code          uint8
		dur           int64
		lastTS        int64
		haveLast      bool
		startPos      int64
	}
	st Stats
}

// NewStream returns a Stream for cfg. An invalid cfg (see Validate) is
// replaced field by field with the defaults.
func NewStream(cfg Config) *Stream {
	def := DefaultConfig()
	if cfg.Validate() != nil {
		if cfg.ReorderWindow < 0 || cfg.ReorderWindow > time.Second {
			cfg.ReorderWindow = def.ReorderWindow
		}
		if cfg.ReorderPackets < 1 || cfg.ReorderPackets > maxHeld {
			cfg.ReorderPackets = def.ReorderPackets
		}
		if cfg.MaxGap < 100*time.Millisecond || cfg.MaxGap > time.Minute {
			cfg.MaxGap = def.MaxGap
		}
		cfg.ClockRate = 8000
		if cfg.TelephoneEventPT < -1 || cfg.TelephoneEventPT > 127 {
			cfg.TelephoneEventPT = -1
		}
		if cfg.MaxEvents < 0 || cfg.MaxEvents > 1<<16 {
			cfg.MaxEvents = def.MaxEvents
		}
	}
	s := &Stream{
		cfg:       cfg,
		pts:       cfg.PayloadTypes,
		window:    int64(cfg.ReorderWindow),
		maxGap:    int64(cfg.MaxGap) / nsPerSample,
		maxEvents: cfg.MaxEvents,
		active:    -1,
		held:      make([]slot, 0, cfg.ReorderPackets+1),
		free:      make([][]byte, 0, cfg.ReorderPackets+2),
		pcm:       make([]int16, 0, minChunk),
	}
	s.markerGap = max(4*s.window, int64(200*time.Millisecond)) / nsPerSample
	s.markerGap = min(s.markerGap, s.maxGap)
	if cfg.TelephoneEventPT >= 0 {
		s.pts[cfg.TelephoneEventPT] = TelephoneEvent
	}
	return s
}

// SetPayloadType maps a payload type to a codec (from the SDP rtpmap, e.g.
// 101 "telephone-event", 96 "opus"). Payload types above 127 are ignored.
func (s *Stream) SetPayloadType(pt uint8, c Codec) {
	if pt < 128 {
		s.pts[pt] = c
	}
}

// Start returns the capture time of sample 0: the capture time of the first
// valid RTP packet (zero before it).
func (s *Stream) Start() time.Time { return s.start }

// StartAt puts sample 0 at t, for a stream that has had no packet yet and
// whose clock is needed (a callee that sent nothing yet): its first packet
// is then placed on that clock, after the silence Idle filled. It does
// nothing once a packet was processed.
func (s *Stream) StartAt(t time.Time) {
	if !s.started {
		s.start, s.preset = t, true
	}
}

// Idle tells the stream that no packet came up to now: the packets it
// holds that are due are released, and when it holds none, the time up
// to now less lag is filled as a gap is (silence after G.711 audio, comfort
// noise after CN, nothing after another codec). A phone that suppresses
// silence without comfort noise sends nothing while its line is quiet;
// the quiet must be heard as it comes, not when the next talkspurt does.
// lag is how late a packet may still come: one that lands before the
// filled audio is trimmed (TrimmedSamples). Unlike a gap between two
// packets, the quiet is filled however long it lasts (the caller of Idle
// stops calling it when the call ends).
func (s *Stream) Idle(now time.Time, lag time.Duration, out func(pcm []int16, sample int64)) {
	if !s.started && !s.preset {
		return
	}
	t := int64(now.Sub(s.start))
	s.releaseReady(t, false, out)
	if len(s.held) > 0 {
		return
	}
	// Quiet is heard as long as it lasts: in steps of MaxGap, which a
	// single gap fills before it jumps.
	pos := floorDiv(t-int64(lag), nsPerSample)
	s.quietFill = true
	for s.fill != fillNone && pos > s.emitEnd {
		s.gap(min(pos, s.emitEnd+s.maxGap), out)
	}
	s.quietFill = false
}

// Process takes one RTP packet (a UDP payload) seen at capture time now.
// PCM that becomes ready, in order and with gaps filled, is passed to out
// with the sample index of its first sample on the stream's sample clock
// (sample 0 is the first packet's capture time; 8000 samples per second).
// Successive calls of out never overlap and never go back; the index jumps
// forward only over audio that is not decoded here (another codec) or over
// the part of a gap beyond MaxGap. out's slice is valid only during the
// call. Process returns an error wrapping ErrMalformed or ErrTruncated for
// a packet that is not RTP or is broken; the packet is skipped.
//
// Process allocates nothing in the steady state. pkt is not retained.
func (s *Stream) Process(now time.Time, pkt []byte, out func(pcm []int16, sample int64)) error {
	payload, err := parse(&s.hdr, pkt)
	if err != nil {
		s.st.Errors++
		return err
	}
	h := &s.hdr
	if !s.started {
		s.started = true
		if !s.preset || now.Before(s.start) {
			s.start = now
		}
		s.rng = h.SSRC ^ 0x9E3779B9
		if s.rng == 0 {
			s.rng = 1
		}
	}
	t := int64(now.Sub(s.start))
	capPos := floorDiv(t, nsPerSample)
	s.st.Packets++
	s.st.Bytes += uint64(len(pkt))
	if h.Marker {
		s.st.Talkspurts++
	}
	codec := s.pts[h.PayloadType&0x7F]
	s.st.Codecs |= 1 << codec

	si, fresh := s.source(h.SSRC, t)
	src := &s.srcs[si]
	src.lastSeen = t
	if fresh {
		src.init(h.SequenceNumber)
	}

	// A probe (a sequence jump) is confirmed only by its successor.
	if s.probeValid && s.probeSrc != si {
		s.dropProbe()
	}
	ext, verdict := src.update(h.SequenceNumber)
	switch verdict {
	case seqBad:
		if s.probeValid {
			s.dropProbe()
		}
		s.probe.ext = 0
		s.probe.ts, s.probe.arrival, s.probe.pt, s.probe.marker = h.Timestamp, t, h.PayloadType, h.Marker
		s.probe.payload = append(s.probe.payload[:0], payload...)
		s.probeValid, s.probeSrc = true, si
		s.jitter(src, codec, h.Timestamp, t)
		return nil
	case seqRestart:
		// src.init set maxSeq to the probe's successor; rebase so the
		// probe is the first packet of the new sequence space.
		src.baseSeq--
		src.lastExt = ext - 2
	default:
		s.dropProbe()
	}
	jit := src.jitter // before this packet, whose own jump must not widen its tolerance
	// A timestamp that runs ahead of the sequence since the source's
	// highest packet so far (more than this packet's length per sequence
	// number): silence suppressed, or another source behind the SSRC. The
	// marker says so too, but it may be lost, or its packet overtaken by
	// the next one.
	top, pcm := src.topExt, codec == PCMU || codec == PCMA
	jumped := verdict == seqOK && pcm && src.haveTop && ext > top &&
		int64(int32(h.Timestamp-src.topTS)) > (ext-top)*int64(len(payload))
	if verdict != seqOK {
		src.haveTop = false
	}
	if pcm && (!src.haveTop || ext > top) {
		src.topExt, src.topTS, src.haveTop = ext, h.Timestamp, true
	}
	s.jitter(src, codec, h.Timestamp, t)
	if ext == src.lastExt+1 {
		src.run++
	} else {
		src.run = 1
	}
	src.lastExt = ext

	if si != s.active {
		// A new SSRC takes over at once; a superseded one only after two
		// packets in sequence (a straggler must not flip the stream back).
		if s.active >= 0 && src.superseded && src.run < 2 {
			s.st.Discarded++
			return nil
		}
		if s.active >= 0 {
			s.srcs[s.active].superseded = true
			s.srcs[s.active].run = 0
			s.takeovers++
		}
		s.active = si
		if verdict != seqRestart {
			s.flushHeld(out)
			s.newSegment(si, ext, h.Timestamp, t, codec, payload, ext-maxMisorder)
		}
		s.takeoverAt = capPos
	}
	if verdict == seqRestart {
		s.flushHeld(out)
		if s.probeValid {
			p := &s.probe
			s.probeValid = false
			s.newSegment(si, ext-1, p.ts, p.arrival, s.pts[p.pt&0x7F], p.payload, ext-1)
			s.insert(ext-1, p.ts, p.arrival, p.pt, p.marker, p.payload, out)
		} else {
			s.newSegment(si, ext, h.Timestamp, t, codec, payload, ext)
		}
	} else if ext < s.seg.floor {
		s.st.LateDropped++
		src.received++
		return nil
	} else if codec == PCMU || codec == PCMA || codec == CN {
		// Timestamps must agree with capture time; otherwise re-anchor
		// on capture time (a timestamp jump without an SSRC change).
		e := s.seg.extTSPeek(h.Timestamp)
		dev := s.seg.cap0 + e - s.seg.ts0 - capPos
		if dev < 0 {
			dev = -dev
		}
		// A jump re-anchors beyond jumpTol: below it the timestamps are
		// kept and the packet goes out at once (a new timeline holds its
		// first packet for the reorder window, which would delay every
		// talkspurt after silence suppression on a steady line). A marker
		// without a jump needs the jitter's tolerance, and a segment
		// already anchored (the median of its first packets judges one
		// that is not).
		tol := s.markerTol(jit)
		if jumped {
			tol = jumpTol
		}
		if dev > s.maxGap || (jumped || h.Marker && s.seg.anchored) && dev > tol {
			s.flushBefore(ext, out)
			pred := s.seg.pos0 + e - s.seg.ts0 // where the old timeline puts it
			floor := ext
			if jumped {
				floor = top + 1 // packets it overtook belong to the new timeline
			}
			s.newSegment(si, ext, h.Timestamp, t, codec, payload, floor)
			s.seg.pred, s.seg.hasPred = pred, dev <= s.maxGap
			for i := range s.held {
				s.seg.maxExt = max(s.seg.maxExt, s.held[i].ext) // this packet was overtaken
			}
		}
	}
	s.insert(ext, h.Timestamp, t, h.PayloadType, h.Marker, payload, out)
	return nil
}

// markerTol is how far the timestamp of a packet with the marker bit may
// disagree with its capture time before the stream re-anchors on capture
// time; one whose timestamp jumped, beyond jumpTol. The marker
// starts a talkspurt after silence suppression, whose timestamp jump is the
// silence (capture time agrees, give or take the jitter), or a new source
// behind the same SSRC (a gateway that switches from early media to the
// callee), whose jump is whatever its sender chose: trusting that one
// moves all later audio, and the beep end with it, by the difference. One
// packet's capture time cannot tell the two apart when the jitter is as
// large as the difference, and re-anchoring costs little either way
// (anchor places the new segment at the median of its first packets). A
// marker without a jump (a sender that marks every packet) re-anchors only
// beyond the source's RFC 3550 jitter before it, at least markerMin, at
// most markerGap.
func (s *Stream) markerTol(jit float64) int64 {
	return min(max(markerMin, int64(jit)), s.markerGap)
}

// markerMin is the smallest markerTol: one packet of 20 ms.
const markerMin = 20 * 8000 / 1000

// jumpTol is how far a packet whose timestamp jumped may disagree with
// capture time and keep the timeline: 10 ms, under the jitter of a line
// where packets are late by tens of ms, over that of a steady one.
const jumpTol = 10 * 8000 / 1000

// extTSPeek extends ts without moving the reference.
func (g *segment) extTSPeek(ts uint32) int64 {
	return g.tsRef + int64(int32(ts-uint32(g.tsRef)))
}

// insert places one packet of the current segment: dropped as duplicate or
// late, emitted at once when it is the next in sequence and nothing is
// held, or held; then releases what is ready.
func (s *Stream) insert(ext int64, ts uint32, t int64, pt uint8, marker bool, payload []byte, out func([]int16, int64)) {
	g := &s.seg
	src := &s.srcs[g.src]
	if g.released && ext <= g.lastSeq {
		if d := g.lastSeq - ext; d < 64 && g.relMask&(1<<d) != 0 {
			s.st.Duplicates++
		} else {
			s.st.LateDropped++
			src.received++
		}
		return
	}
	for i := range s.held {
		if s.held[i].ext == ext {
			s.st.Duplicates++
			return
		}
	}
	src.received++
	if ext < g.maxExt {
		s.st.Reordered++
	} else {
		g.maxExt = ext
	}
	if len(s.held) == 0 && g.released && ext == g.lastSeq+1 {
		s.release(ext, ts, pt, payload, out)
		return
	}
	// Hold: insert sorted by extended sequence.
	var buf []byte
	if n := len(s.free); n > 0 {
		buf = s.free[n-1]
		s.free = s.free[:n-1]
	}
	i := len(s.held)
	for i > 0 && s.held[i-1].ext > ext {
		i--
	}
	s.held = append(s.held, slot{})
	copy(s.held[i+1:], s.held[i:])
	s.held[i] = slot{ext: ext, ts: ts, arrival: t, pt: pt, marker: marker, payload: append(buf[:0], payload...)}
	s.releaseReady(t, false, out)
}

// releaseReady emits held packets from the head while the head is the next
// in sequence, some held packet has waited the reorder window, or the
// buffer is over its bound; all of them when force is set.
func (s *Stream) releaseReady(t int64, force bool, out func([]int16, int64)) {
	for len(s.held) > 0 {
		h := &s.held[0]
		ok := force || len(s.held) > s.cfg.ReorderPackets || s.seg.released && h.ext == s.seg.lastSeq+1
		for i := 0; !ok && i < len(s.held); i++ {
			ok = t-s.held[i].arrival >= s.window
		}
		if !ok {
			return
		}
		s.releaseHead(out)
	}
}

// releaseHead releases the first held packet.
func (s *Stream) releaseHead(out func([]int16, int64)) {
	p := s.held[0]
	s.release(p.ext, p.ts, p.pt, p.payload, out)
	copy(s.held, s.held[1:])
	s.held[len(s.held)-1] = slot{}
	s.held = s.held[:len(s.held)-1]
	s.free = append(s.free, p.payload)
}

func (s *Stream) flushHeld(out func([]int16, int64)) { s.releaseReady(0, true, out) }

// flushBefore releases the held packets sequenced before ext. Those after
// it stay held for the segment that ext starts: on a re-anchor, a packet
// that overtook the marker packet belongs to the new timeline, not the old.
func (s *Stream) flushBefore(ext int64, out func([]int16, int64)) {
	for len(s.held) > 0 && s.held[0].ext < ext {
		s.releaseHead(out)
	}
}

func (s *Stream) dropProbe() {
	if s.probeValid {
		s.probeValid = false
		s.st.Discarded++
	}
}

// newSegment starts a timeline anchored at the capture time of the packet
// (ext, ts) seen at t. Sequences below floor are late in it.
func (s *Stream) newSegment(si int, ext int64, ts uint32, t int64, codec Codec, payload []byte, floor int64) {
	s.finishEvent()
	s.st.Resyncs++
	e := int64(ts)
	if codec == TelephoneEvent && len(payload) >= 4 {
		// An event's timestamp is its start: anchor on its end so far.
		e += int64(payload[2])<<8 | int64(payload[3])
	}
	s.seg = segment{
		src:    si,
		ts0:    e,
		tsRef:  int64(ts),
		cap0:   floorDiv(t, nsPerSample),
		floor:  floor,
		maxExt: math.MinInt64,
	}
	s.seg.pos0 = s.seg.cap0
}

// anchor places a segment on the capture clock at its first release, from
// the audio packets held then (its first packet waited the reorder window,
// so those are the packets of about that window): at the median of their
// capture times less their timestamps. One packet's capture time is off by
// its network jitter; the median of a few is off by much less, and a
// delayed first packet does not drag the whole segment late.
func (s *Stream) anchor(g *segment) {
	var offs [16]int64
	n := 0
	for i := range s.held {
		h := &s.held[i]
		if c := s.pts[h.pt&0x7F]; c != PCMU && c != PCMA && c != CN {
			continue
		}
		offs[n] = floorDiv(h.arrival, nsPerSample) - (g.extTSPeek(h.ts) - g.ts0)
		if n++; n == len(offs) {
			break
		}
	}
	if n == 0 {
		return
	}
	slices.Sort(offs[:n])
	m := offs[n/2]
	if n%2 == 0 {
		m = floorDiv(offs[n/2-1]+offs[n/2], 2)
	}
	if g.hasPred && abs64(m-g.pred) <= markerMin {
		// Capture time agrees with the timestamps, as after silence
		// suppression: they place the audio to the sample, and the
		// timeline did not move.
		m = g.pred
		s.st.Resyncs--
	}
	g.pos0, g.cap0 = m, m
}

// release emits one packet in sequence order.
func (s *Stream) release(ext int64, ts uint32, pt uint8, payload []byte, out func([]int16, int64)) {
	g := &s.seg
	if g.released {
		if d := ext - g.lastSeq; d >= 64 {
			g.relMask = 1
		} else {
			g.relMask = g.relMask<<d | 1
		}
	} else {
		g.relMask = 1
	}
	g.lastSeq = ext
	g.released = true
	codec := s.pts[pt&0x7F]
	e := g.extTS(ts)
	if !g.anchored && codec != TelephoneEvent {
		// The segment's first audio must not overlap earlier audio: shift
		// the segment (by at most the reorder window in practice).
		g.anchored = true
		s.anchor(g)
		if p := g.pos0 + e - g.ts0; p < s.emitEnd {
			g.pos0 += s.emitEnd - p
		}
	}
	pos := g.pos0 + e - g.ts0
	switch {
	case codec == TelephoneEvent:
		s.event(e, pos, payload)
	case codec == PCMU || codec == PCMA:
		s.st.Codec = codec
		s.st.Analysable = true
		s.gap(pos, out)
		if d := s.emitEnd - pos; d > 0 {
			if d >= int64(len(payload)) {
				s.st.TrimmedSamples += int64(len(payload))
				return
			}
			s.st.TrimmedSamples += d
			payload = payload[d:]
		}
		if codec == PCMU {
			s.pcm = g711.DecodeULaw(s.pcm[:0], payload)
		} else {
			s.pcm = g711.DecodeALaw(s.pcm[:0], payload)
		}
		s.emit(out)
		s.fill = fillSilence
	case codec == CN:
		s.gap(pos, out)
		level := 127
		if len(payload) > 0 {
			level = int(payload[0] & 0x7F)
		}
		s.noise = noiseAmp[level]
		s.fill = fillNoise
	case codec.audio():
		s.st.Codec = codec
		s.st.Analysable = false
		s.fill = fillNone
	default:
		s.st.UnknownPT++
	}
}

// gap fills the samples between the last emitted one and pos according to
// the fill mode: at most MaxGap of silence or noise, then a jump.
func (s *Stream) gap(pos int64, out func([]int16, int64)) {
	n := pos - s.emitEnd
	if n <= 0 {
		return
	}
	fillN := min(n, s.maxGap)
	if s.fill == fillNone {
		fillN = 0
	}
	for fillN > 0 {
		k := int(min(fillN, int64(cap(s.pcm))))
		s.pcm = s.pcm[:k]
		if s.fill == fillNoise {
			s.noiseInto(s.pcm)
			s.st.ComfortNoiseSamples += int64(k)
		} else {
			clear(s.pcm)
			if s.quietFill || s.st.Samples == 0 {
				s.st.QuietSamples += int64(k)
			} else {
				s.st.ConcealedSamples += int64(k)
			}
		}
		s.emit(out)
		fillN -= int64(k)
	}
	if skip := pos - s.emitEnd; skip > 0 {
		s.st.SkippedSamples += skip
		s.emitEnd = pos
	}
}

func (s *Stream) emit(out func([]int16, int64)) {
	if len(s.pcm) == 0 {
		return
	}
	if out != nil {
		out(s.pcm, s.emitEnd)
	}
	s.emitEnd += int64(len(s.pcm))
	s.st.Samples += int64(len(s.pcm))
}

// noiseAmp[L] is the peak of uniform noise whose RMS is -L dBov, with
// 0 dBov the RMS of a full-scale square wave (32767): peak = RMS·√3.
var noiseAmp = func() (a [128]int32) {
	for l := range a {
		a[l] = int32(min(32767, math.Round(32767*math.Pow(10, -float64(l)/20)*math.Sqrt(3))))
	}
	return a
}()

// noiseInto writes comfort noise with the stream's xorshift32 generator.
func (s *Stream) noiseInto(p []int16) {
	a := int64(s.noise)
	x := s.rng
	for i := range p {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p[i] = int16((int64(x&0xFFFF)*(2*a+1))>>16 - a)
	}
	s.rng = x
}

// event handles one RFC 4733 §2.3 payload:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// All packets of one event share its timestamp; the end packet (E) is
// usually sent three times. One DTMFEvent is reported per timestamp.
func (s *Stream) event(e, pos int64, payload []byte) {
	if len(payload) < 4 {
		s.st.UnknownPT++
		return
	}
	code, end := payload[0], payload[1]&0x80 != 0
	dur := int64(payload[2])<<8 | int64(payload[3])
	ev := &s.ev
	switch {
	case ev.active && e == ev.ts:
		ev.dur = max(ev.dur, dur)
	case ev.haveLast && e == ev.lastTS:
		return // retransmitted end of a finished event
	default:
		s.finishEvent()
		ev.active, ev.ended, ev.ts, ev.code, ev.dur = true, false, e, code, dur
		ev.lastTS, ev.haveLast = e, true
		ev.startPos = pos
	}
	if end {
		s.finishEvent()
	}
}

func (s *Stream) finishEvent() {
	ev := &s.ev
	if !ev.active {
		return
	}
	ev.active = false
	if len(s.st.DTMF) < s.maxEvents {
		s.st.DTMF = append(s.st.DTMF, DTMFEvent{Digit: digit(ev.code), Event: ev.code, Start: ev.startPos, End: ev.startPos + ev.dur})
	}
}

func digit(code uint8) byte {
	switch {
	case code <= 9:
		return '0' + code
	case code == 10:
		return '*'
	case code == 11:
		return '#'
	case code <= 15:
		return 'A' + code - 12
	case code == 16:
		return 'F'
	}
	return '?'
}

// jitter is RFC 3550 A.8 on capture time, per source, in arrival order.
// Telephone events (shared timestamps) and unknown payload types are left
// out.
func (s *Stream) jitter(src *source, codec Codec, ts uint32, t int64) {
	if codec == TelephoneEvent || codec == Unknown {
		return
	}
	rate := 8000.0
	if codec == Opus {
		rate = 48000
	}
	arrival := float64(t) * rate / 1e9
	if src.haveTransit && src.rate == rate {
		d := arrival - src.prevArrival - float64(int32(ts-src.prevTS))
		if d < 0 {
			d = -d
		}
		src.jitter += (d - src.jitter) / 16
		src.maxJitter = max(src.maxJitter, src.jitter)
	} else if src.rate != rate {
		src.jitter, src.maxJitter = 0, 0
	}
	src.haveTransit, src.prevTS, src.prevArrival, src.rate = true, ts, arrival, rate
}

// source returns the index of ssrc's state, creating it (evicting the
// least recently seen inactive source when all are taken).
func (s *Stream) source(ssrc uint32, t int64) (int, bool) {
	for i := 0; i < s.nsrc; i++ {
		if s.srcs[i].ssrc == ssrc {
			return i, false
		}
	}
	i := s.nsrc
	if i < maxSources {
		s.nsrc++
	} else {
		i = -1
		for j := 0; j < s.nsrc; j++ {
			if j != s.active && j != s.probeSrc && (i < 0 || s.srcs[j].lastSeen < s.srcs[i].lastSeen) {
				i = j
			}
		}
	}
	if len(s.st.SSRCs) < maxSources {
		s.st.SSRCs = append(s.st.SSRCs, ssrc)
	}
	s.srcs[i] = source{ssrc: ssrc, lastSeen: t}
	return i, true
}

// Takeovers returns how many times a new SSRC took over the stream from
// an active one (early media from an announcement server, then the
// callee's own phone after the answer) and the sample position, on the
// capture clock, where the latest began.
func (s *Stream) Takeovers() (n int, at int64) { return s.takeovers, s.takeoverAt }

// Advance releases the packets that have waited the reorder window at
// capture time now, for a caller that has no packet to give (a stream gone
// quiet). It never inserts audio that no packet announced.
func (s *Stream) Advance(now time.Time, out func(pcm []int16, sample int64)) {
	if s.started {
		s.releaseReady(int64(now.Sub(s.start)), false, out)
	}
}

// Flush releases everything held, at the end of the stream. Comfort noise
// after a final CN packet is not extended: no packet says how long it
// lasts.
func (s *Stream) Flush(out func(pcm []int16, sample int64)) {
	s.dropProbe()
	s.flushHeld(out)
	s.finishEvent()
}

// Stats returns a copy of the stream's counters.
func (s *Stream) Stats() Stats {
	st := s.st
	st.SSRCs = append([]uint32(nil), s.st.SSRCs...)
	st.DTMF = append([]DTMFEvent(nil), s.st.DTMF...)
	st.Sources = make([]SourceStats, 0, s.nsrc)
	st.Lost = 0
	// Sources in the order first seen (SSRCs), then any evicted-and-reused.
	for _, ssrc := range s.st.SSRCs {
		for i := 0; i < s.nsrc; i++ {
			src := &s.srcs[i]
			if src.ssrc != ssrc {
				continue
			}
			r := 1000 / max(src.rate, 1)
			ss := SourceStats{SSRC: ssrc, Packets: src.received, Expected: src.expected(), JitterMS: src.jitter * r, MaxJitterMS: src.maxJitter * r}
			if src.received == 0 {
				ss.Expected = 0
			}
			ss.Lost = max(0, ss.Expected-int64(src.received))
			st.Lost += uint64(ss.Lost)
			st.MaxJitterMS = max(st.MaxJitterMS, ss.MaxJitterMS)
			if i == s.active {
				st.JitterMS = ss.JitterMS
			}
			st.Sources = append(st.Sources, ss)
		}
	}
	return st
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

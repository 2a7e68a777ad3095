package gen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path"
	"sort"
	"strings"
)

// Real human speech for the evaluation set. Some captures in the shared
// corpus carry recorded people talking over G.711 RTP; the generator reads
// them (pcap, Ethernet or Linux SLL, IPv4/IPv6, UDP, RTP: all parsed here,
// stdlib only), finds short utterances between pauses with an energy-based
// segmentation, and plays them as the callee's "Hello?" of some human calls,
// with the recording's own background before, between and after.

// realSpeechFiles are the shared-corpus captures of real people speaking
// (see ../shared/corpus/SOURCES.md). Continuous monologues are used only for
// their short utterances between pauses, never as a machine greeting.
var realSpeechFiles = []string{
	"sipnab/voicecmd_combined.pcap",
	"sipnab/speech_8k_ulaw.pcap",
	"sipnab/SIP_CALL_RTP_G711",
	"sipp/g711a.pcap",
	"asterisk-testsuite/40msalaw.pcap",
}

// asterisk-testsuite/A_party_g711a.pcap is left out: its 110 s are wall to
// wall sound (frame energies within 6 dB of each other, sustained harmonic
// lines in the spectrogram), with no pause to cut an utterance at.

// Segmentation parameters, on 10 ms frames.
const (
	segFrame     = 80    // samples per frame
	segDigitalDB = -75.0 // frames quieter than this are digital silence
	segStartDB   = 15.0  // a frame this far above the noise floor starts speech
	segKeepDB    = 7.0   // speech extends over neighbours this far above the floor
	segBridgeMS  = 150   // pauses shorter than this stay inside an utterance
	segMinMS     = 300   // utterance length bounds
	segMaxMS     = 2000  //
	segQuietMS   = 300   // quiet needed on both sides of an utterance
	segMarginMS  = 350   // most real audio kept before and after the speech
	segFloorPct  = 0.15  // the noise floor is this quantile of frame energies
	segQuietDB   = 3.0   // background frames: at most this far above the floor
	segQuietHead = 6     // frames dropped at the start of a quiet stretch
	segQuietTail = 12    // and at its end
	segQuietRun  = 25    // background stretches of at least this many frames, once trimmed
	segFadeN     = 40    // crossfade at joins, samples
	segLowestDBF = -50.0 // an utterance's active level must reach this (dBFS)
)

// realRecording is one contiguous run of an RTP stream of real speech,
// decoded to 8 kHz.
type realRecording struct {
	name    string // file name without directory and extension, #SSRC when the capture has several streams
	file    int    // index in realSpeechFiles
	off     int    // sample position of x[0] in the stream (RTP timestamp based)
	x       []float64
	digital []bool    // per 10 ms frame: digital silence
	floor   float64   // noise floor, dBFS per 10 ms frame
	bg      []float64 // the recording's steady quiet stretches, joined; nil when too short
	bgDB    float64   // their RMS (the floor without bg), dBFS
}

// utterance is one short stretch of speech in a recording: speech is
// x[start:end], and x[start-before:end+after] holds no other speech.
type utterance struct {
	rec           int
	start, end    int
	before, after int
	levelDB       float64 // active speech RMS, dBFS
}

// realSpeech is every usable utterance of the shared corpus's recordings.
type realSpeech struct {
	recs  []realRecording
	utts  []utterance
	files []int       // indexes in realSpeechFiles that have utterances
	envs  [][]float64 // frame energies of the kept utterances
}

// loadRealSpeech reads the recordings of realSpeechFiles under shared. A
// missing or unreadable file is skipped and reported; it returns nil when
// no utterance was found.
func loadRealSpeech(shared string) (*realSpeech, []error) {
	rs := &realSpeech{}
	var errs []error
	for fi, rel := range realSpeechFiles {
		b, err := os.ReadFile(path.Join(shared, rel))
		if err != nil {
			errs = append(errs, fmt.Errorf("gen: real speech: %w", err))
			continue
		}
		streams, err := rtpStreams(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("gen: real speech %s: %w", rel, err))
			continue
		}
		name := strings.TrimSuffix(path.Base(rel), ".pcap")
		n := len(rs.utts)
		for _, s := range streams {
			for _, run := range s.runs {
				rec := realRecording{name: name, file: fi, off: run.off, x: run.x}
				if len(streams) > 1 {
					rec.name = fmt.Sprintf("%s#%08x", name, s.ssrc)
				}
				rs.add(rec)
			}
		}
		if len(rs.utts) > n {
			rs.files = append(rs.files, fi)
		}
	}
	if len(rs.utts) == 0 {
		return nil, errs
	}
	return rs, errs
}

// add segments rec and keeps it when it has utterances and background.
func (rs *realSpeech) add(rec realRecording) {
	db := frameDB(rec.x)
	if len(db) < 100 {
		return
	}
	var live []float64
	rec.digital = make([]bool, len(db))
	for i, v := range db {
		rec.digital[i] = v < segDigitalDB
		if !rec.digital[i] {
			live = append(live, v)
		}
	}
	if len(live) < 100 {
		return
	}
	rec.floor = quantile(live, segFloorPct)
	rec.bg = background(rec.x, db, rec.digital, rec.floor)
	rec.bgDB = rmsDB(rec.bg)
	if len(rec.bg) < msToN(500) {
		rec.bg, rec.bgDB = nil, rec.floor
	}
	k := len(rs.recs)
	var utts []utterance
	for _, u := range segment(db, rec.digital, rec.floor) {
		u.rec = k
		u.start *= segFrame
		u.end *= segFrame
		u.before *= segFrame
		u.after *= segFrame
		u.levelDB = activeRMS(rec.x[u.start:u.end])
		if u.levelDB < segLowestDBF || rs.dup(rec.x[u.start:u.end]) {
			continue
		}
		utts = append(utts, u)
	}
	if len(utts) == 0 {
		return
	}
	rs.recs = append(rs.recs, rec)
	rs.utts = append(rs.utts, utts...)
}

// dup reports whether an utterance with the same energy envelope (frame
// energies within 1.5 dB on average, same length to 20 ms) was kept
// before: some captures hold the same recording (voicecmd_combined contains
// speech_8k_ulaw twice, re-encoded), and a re-encoded copy differs in its
// samples, not in its envelope.
func (rs *realSpeech) dup(x []float64) bool {
	env := frameDB(x)
	for _, o := range rs.envs {
		if len(o) < len(env)-2 || len(o) > len(env)+2 {
			continue
		}
		n := min(len(o), len(env))
		var d float64
		for i := 0; i < n; i++ {
			d += math.Abs(o[i] - env[i])
		}
		if d/float64(n) < 1.5 {
			return true
		}
	}
	rs.envs = append(rs.envs, env)
	return false
}

// label names an utterance for truth: recording@seconds into the stream.
func (rs *realSpeech) label(u utterance) string {
	r := rs.recs[u.rec]
	return fmt.Sprintf("%s@%.2fs", r.name, float64(r.off+u.start)/sampleRate)
}

// frameDB returns the energy of each 10 ms frame of x in dBFS (at least -100).
func frameDB(x []float64) []float64 {
	out := make([]float64, len(x)/segFrame)
	for i := range out {
		var s float64
		for _, v := range x[i*segFrame : (i+1)*segFrame] {
			s += v * v
		}
		out[i] = math.Max(10*math.Log10(s/segFrame+1e-12), -100)
	}
	return out
}

// quantile returns the q-quantile of xs (not modified).
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1))]
}

// segment finds utterances in frame energies db with noise floor floor:
// hysteresis (a frame segStartDB above the floor starts speech, neighbours
// segKeepDB above extend it), short pauses bridged, then only utterances of
// segMinMS..segMaxMS with segQuietMS of quiet (not digital silence) on both
// sides. Positions are in frames.
func segment(db []float64, digital []bool, floor float64) []utterance {
	n := len(db)
	speech := make([]bool, n)
	for i, v := range db {
		if v < floor+segStartDB {
			continue
		}
		speech[i] = true
		for j := i - 1; j >= 0 && !speech[j] && db[j] >= floor+segKeepDB; j-- {
			speech[j] = true
		}
		for j := i + 1; j < n && db[j] >= floor+segKeepDB; j++ {
			speech[j] = true
		}
	}
	type span struct{ a, b int }
	var spans []span
	for i := 0; i < n; {
		if !speech[i] {
			i++
			continue
		}
		j := i
		for j < n && speech[j] {
			j++
		}
		if k := len(spans) - 1; k >= 0 && i-spans[k].b < segBridgeMS/10 {
			spans[k].b = j
		} else {
			spans = append(spans, span{i, j})
		}
		i = j
	}
	var out []utterance
	for k, s := range spans {
		if d := (s.b - s.a) * 10; d < segMinMS || d > segMaxMS {
			continue
		}
		// A run of packets starting or ending on speech (silence
		// suppression) has no quiet there: before/after stop at the edges.
		before, after := s.a, n-s.b
		if k > 0 {
			before = s.a - spans[k-1].b
		}
		if k+1 < len(spans) {
			after = spans[k+1].a - s.b
		}
		if before*10 < segQuietMS || after*10 < segQuietMS {
			continue
		}
		out = append(out, utterance{start: s.a, end: s.b, before: before, after: after})
	}
	return out
}

// background joins the recording's quiet stretches (frames near the noise
// floor, not digital silence, at least segQuietRun long once their edges
// are dropped) with short crossfades: real room noise for the callee's
// silence. Pauses in the middle of a reading are short and hold breaths,
// so most of them are left out.
func background(x []float64, db []float64, digital []bool, floor float64) []float64 {
	var out []float64
	quiet := func(i int) bool { return !digital[i] && db[i] <= floor+segQuietDB }
	for i := 0; i < len(db); {
		if !quiet(i) {
			i++
			continue
		}
		j := i
		for j < len(db) && quiet(j) {
			j++
		}
		// Breaths and the tails of words sit at the edges of a pause.
		if a, b := i+segQuietHead, j-segQuietTail; b-a >= segQuietRun {
			out = crossfade(out, x[a*segFrame:b*segFrame])
		}
		i = j
	}
	return out
}

// crossfade appends b to a, blending segFadeN samples across the join.
func crossfade(a, b []float64) []float64 {
	k := min(segFadeN, len(a), len(b))
	for i := 0; i < k; i++ {
		g := float64(i+1) / float64(k+1)
		a[len(a)-k+i] = a[len(a)-k+i]*(1-g) + b[i]*g
	}
	return append(a, b[k:]...)
}

// fill returns n samples of the recording's background, starting from
// offset from and wrapping around.
func (r *realRecording) fill(from, n int) []float64 {
	out := make([]float64, 0, n+len(r.bg))
	for i := from % len(r.bg); len(out) < n; i = 0 {
		out = crossfade(out, r.bg[i:])
	}
	return out[:n]
}

// pick draws one utterance (uniformly) and, when second, another of the
// same speaker; it returns one index when the speaker has no other.
func (rs *realSpeech) pick(r *rand.Rand, second bool) []int {
	first := r.Intn(len(rs.utts))
	if !second {
		return []int{first}
	}
	var same []int
	for i := range rs.utts {
		if i != first && rs.speaker(i) == rs.speaker(first) {
			same = append(same, i)
		}
	}
	if len(same) == 0 {
		return []int{first}
	}
	return []int{first, same[r.Intn(len(same))]}
}

// speaker names the stream utterance i comes from.
func (rs *realSpeech) speaker(i int) string { return rs.recs[rs.utts[i].rec].name }

// realAnswer makes the callee's audio of a human call answered by a real
// person: the recording's background throughout, the utterance(s) of
// p.real cut with up to segMarginMS of their own surroundings (digital
// silence in a cut keeps the background instead), at level p.gain (lower
// when that would clip). A recording without steady pauses gets the plan's
// synthetic noise at its noise floor instead. It sets p.snr (measured),
// p.noiseKind ("real" for the recording's own background) and p.gain
// (applied).
func (g *audioGen) realAnswer(p *audioPlan) *callResult {
	rs := g.real
	r := &callResult{beepStart: -1, greetEnd: -1, firstEnd: -1, start: -1}
	u0 := rs.utts[p.real[0]]
	rec := &rs.recs[u0.rec]
	margin := msToN(segMarginMS)
	cut := func(u utterance) (pre, post int) {
		return min(margin, u.before-msToN(100)), min(margin, u.after-msToN(100))
	}
	// Timeline: speech starts at the same offsets a TTS "Hello?" would.
	at := []int{g.secs(0.2, 0.8)}
	end := at[0] + u0.end - u0.start
	if len(p.real) > 1 {
		u1 := rs.utts[p.real[1]]
		at = append(at, end+g.secs(1.5, 3))
		end = at[1] + u1.end - u1.start
	}
	n := end + g.secs(1.5, 3)
	var x []float64
	if rec.bg != nil {
		x = rec.fill(g.rnd().Intn(len(rec.bg)), n)
		p.noiseKind = noiseReal
	} else {
		// No steady pause in the recording (voicecmd_combined: commands
		// spliced into digital silence, breaths in every pause of its
		// reading): the plan's synthetic noise at the recording's floor.
		x = noise(g.rnd(), p.noiseKind, n, rec.floor)
	}
	peak := 0.0
	for k, i := range p.real {
		u := rs.utts[i]
		pre, post := cut(u)
		from := at[k] - pre
		for f := u.start - pre; f < u.end+post; f += segFrame {
			if rec.digital[f/segFrame] {
				continue
			}
			for j := f; j < f+segFrame && j < u.end+post; j++ {
				// Fade in and out over segFadeN samples at the cut's edges
				// and around digital silence.
				w := 1.0
				if d := min(j-(u.start-pre), u.end+post-1-j); d < segFadeN {
					w = float64(d+1) / float64(segFadeN+1)
				}
				o := from + j - (u.start - pre)
				if o < 0 || o >= len(x) {
					continue
				}
				x[o] = x[o]*(1-w) + rec.x[j]*w
				peak = math.Max(peak, math.Abs(rec.x[j]))
			}
		}
	}
	gain := dbToAmp(p.gain - u0.levelDB)
	if peak*gain > 0.9 {
		gain = 0.9 / peak
	}
	for i := range x {
		x[i] *= gain
	}
	p.gain = u0.levelDB + 20*math.Log10(gain)
	p.snr = math.Round((u0.levelDB-rec.bgDB)*10) / 10
	r.start = at[0]
	r.firstEnd = at[0] + u0.end - u0.start
	r.post = x
	return r
}

// noiseReal is the noise kind of calls whose background is a recording's own.
const noiseReal = "real"

// voiceLabel names where a call's voice comes from, for the evaluation
// set's truth: "real:FILE@S.SSs" (plus "+S.SSs" for a second utterance),
// "tts:ENGINE:VOICE", "prompt:SET", or "" when the call has no voice.
func (g *audioGen) voiceLabel(p *audioPlan) string {
	switch {
	case len(p.real) > 0:
		s := "real:" + g.real.label(g.real.utts[p.real[0]])
		for _, i := range p.real[1:] {
			u := g.real.utts[i]
			s += fmt.Sprintf("+%.2fs", float64(g.real.recs[u.rec].off+u.start)/sampleRate)
		}
		return s
	case p.shared != "":
		return "prompt:" + p.shared
	case p.voice != nil:
		return "tts:" + p.voice.String()
	}
	return ""
}

// realStream is one RTP stream of a capture: its SSRC and the contiguous
// runs of decoded audio (a gap in the RTP timestamps starts a new run).
type realStream struct {
	ssrc uint32
	runs []realRun
}

// realRun is contiguous audio starting off samples into its stream.
type realRun struct {
	off int
	x   []float64
}

// rtpStreams decodes every G.711 RTP stream of a classic pcap. A stream
// relayed on several legs (same SSRC) is read from its first leg only.
func rtpStreams(b []byte) ([]realStream, error) {
	type pkt struct {
		seq uint16
		ts  uint32
		pt  byte
		pay []byte
	}
	type flow struct {
		key  string
		ssrc uint32
		pkts []pkt
	}
	var flows []*flow
	byKey := map[string]*flow{}
	firstLeg := map[uint32]string{}
	err := pcapUDP(b, func(key string, p []byte) {
		if len(p) < 12 || p[0]>>6 != 2 {
			return
		}
		pt := p[1] & 0x7f
		if pt != ptPCMU && pt != ptPCMA {
			return
		}
		h := 12 + 4*int(p[0]&0x0f)
		if p[0]&0x10 != 0 {
			if len(p) < h+4 {
				return
			}
			h += 4 + 4*int(binary.BigEndian.Uint16(p[h+2:]))
		}
		end := len(p)
		if p[0]&0x20 != 0 && end > 0 {
			end -= int(p[end-1])
		}
		if h >= end {
			return
		}
		ssrc := binary.BigEndian.Uint32(p[8:])
		if k, ok := firstLeg[ssrc]; ok && k != key {
			return
		}
		firstLeg[ssrc] = key
		f := byKey[key+fmt.Sprint(ssrc)]
		if f == nil {
			f = &flow{key: key, ssrc: ssrc}
			byKey[key+fmt.Sprint(ssrc)] = f
			flows = append(flows, f)
		}
		f.pkts = append(f.pkts, pkt{binary.BigEndian.Uint16(p[2:]), binary.BigEndian.Uint32(p[4:]), pt, p[h:end]})
	})
	if err != nil {
		return nil, err
	}
	var out []realStream
	for _, f := range flows {
		s := realStream{ssrc: f.ssrc}
		ts0 := f.pkts[0].ts
		var cur *realRun
		next := 0
		for _, p := range f.pkts {
			pos := int(int32(p.ts - ts0))
			if cur != nil && pos < next {
				continue // duplicate or late packet
			}
			if cur == nil || pos-next > 2*len(p.pay) {
				s.runs = append(s.runs, realRun{off: pos})
				cur = &s.runs[len(s.runs)-1]
				next = pos
			}
			cur.x = append(cur.x, make([]float64, pos-next)...) // a lost packet: silence
			for _, c := range p.pay {
				v := alawDecode(c)
				if p.pt == ptPCMU {
					v = ulawDecode(c)
				}
				cur.x = append(cur.x, float64(v)/32768)
			}
			next = pos + len(p.pay)
		}
		out = append(out, s)
	}
	return out, nil
}

// pcapUDP calls fn with a flow key (addresses and ports) and the payload of
// every unfragmented UDP datagram of a classic pcap (either byte order, µs or
// ns) over Ethernet (with VLAN tags), Linux SLL, SLL2 or raw IP. The
// payload aliases b.
func pcapUDP(b []byte, fn func(key string, payload []byte)) error {
	if len(b) < 24 {
		return errors.New("not a pcap file")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return errors.New("not a classic pcap file")
	}
	lt := bo.Uint32(b[20:]) & 0x0fffffff
	for off := 24; off+16 <= len(b); {
		incl := int(bo.Uint32(b[off+8:]))
		off += 16
		if incl < 0 || off+incl > len(b) {
			return nil // truncated last record
		}
		fr := b[off : off+incl]
		off += incl
		var et uint16
		var ip []byte
		switch lt {
		case 1: // Ethernet
			if len(fr) < 14 {
				continue
			}
			et, ip = binary.BigEndian.Uint16(fr[12:]), fr[14:]
			for (et == 0x8100 || et == 0x88a8) && len(ip) >= 4 {
				et, ip = binary.BigEndian.Uint16(ip[2:]), ip[4:]
			}
		case 113: // Linux SLL
			if len(fr) < 16 {
				continue
			}
			et, ip = binary.BigEndian.Uint16(fr[14:]), fr[16:]
		case 276: // Linux SLL2
			if len(fr) < 20 {
				continue
			}
			et, ip = binary.BigEndian.Uint16(fr[0:]), fr[20:]
		case 101, 12: // raw IP
			if len(fr) < 1 {
				continue
			}
			et, ip = map[byte]uint16{4: 0x0800, 6: 0x86dd}[fr[0]>>4], fr
		default:
			return fmt.Errorf("link type %d not supported", lt)
		}
		var src, dst []byte
		var udp []byte
		switch et {
		case 0x0800:
			if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 17 {
				continue
			}
			ihl := int(ip[0]&0x0f) * 4
			if frag := binary.BigEndian.Uint16(ip[6:]); frag&0x3fff != 0 || len(ip) < ihl+8 {
				continue
			}
			tot := min(int(binary.BigEndian.Uint16(ip[2:])), len(ip))
			src, dst, udp = ip[12:16], ip[16:20], ip[ihl:max(tot, ihl)]
		case 0x86dd:
			if len(ip) < 48 || ip[6] != 17 {
				continue
			}
			src, dst, udp = ip[8:24], ip[24:40], ip[40:]
		default:
			continue
		}
		if len(udp) < 8 {
			continue
		}
		ul := min(int(binary.BigEndian.Uint16(udp[4:])), len(udp))
		if ul < 8 {
			continue
		}
		fn(fmt.Sprintf("%x:%x>%x:%x", src, udp[0:2], dst, udp[2:4]), udp[8:ul])
	}
	return nil
}

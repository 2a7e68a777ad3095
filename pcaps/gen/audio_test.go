package gen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/internal/testcorpus"
)

var updateAudio = flag.Bool("update-audio", false, "rewrite the committed audio corpus in pcaps/audio/")

// ttsCache is shared by the tests so TTS runs once per (engine, voice, text).
func ttsCache(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CALLSIGHT_TTS_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "callsight", "tts")
}

// needTools skips when the generation tools are absent.
func needTools(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"sox", "espeak-ng", "flite"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: audio generation needs sox, espeak-ng and flite (Debian packages)", bin)
		}
	}
}

// committedAudio renders the committed audio corpus in memory, once per test binary.
var committedCache []outFile

func committedAudio(t testing.TB) []outFile {
	t.Helper()
	needTools(t)
	if committedCache == nil {
		files, err := audioFiles(DefaultConfig(), AudioOptions{CacheDir: ttsCache(t)})
		if err != nil {
			t.Fatal(err)
		}
		committedCache = files
	}
	return committedCache
}

// TestAudioCorpusUpToDate regenerates pcaps/audio and compares. Run with
// -update-audio to rewrite it. A mismatch made by other TTS or sox versions
// than the README records is a skip, not a failure.
func TestAudioCorpusUpToDate(t *testing.T) {
	files := committedAudio(t)
	dir := filepath.Join("..", "audio")
	if *updateAudio {
		if _, err := Audio(dir, DefaultConfig(), AudioOptions{CacheDir: ttsCache(t)}); err != nil {
			t.Fatal(err)
		}
		return
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	for _, v := range toolVersions() {
		if !bytes.Contains(readme, []byte(v)) {
			t.Skipf("installed tools differ from those that made pcaps/audio (%s not in its README); cannot compare bytes", v)
		}
	}
	total := 0
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Errorf("%s: %v (run go test ./pcaps/gen -run TestAudioCorpusUpToDate -update-audio)", f.name, err)
			continue
		}
		total += len(got)
		if !bytes.Equal(got, f.data) {
			t.Errorf("%s differs from the generator output (run go test ./pcaps/gen -run TestAudioCorpusUpToDate -update-audio)", f.name)
		}
	}
	if total > 3<<20 {
		t.Errorf("pcaps/audio is %d bytes, want at most 3 MiB", total)
	}
}

func TestAudioDeterministic(t *testing.T) {
	a := committedAudio(t)
	b, err := audioFiles(DefaultConfig(), AudioOptions{CacheDir: ttsCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("runs wrote %d and %d files", len(a), len(b))
	}
	for i := range a {
		if a[i].name != b[i].name || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s: two runs with the same seed differ", a[i].name)
		}
	}
	other := DefaultConfig()
	other.Seed = 2
	c, err := audioFiles(other, AudioOptions{CacheDir: ttsCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[0].data, c[0].data) {
		t.Errorf("%s: seed 2 gives the same bytes as seed 1", a[0].name)
	}
}

func TestG711(t *testing.T) {
	tests := []struct {
		name   string
		enc    func(int16) byte
		dec    func(byte) int16
		zero   byte
		max    byte
		maxLin int16
	}{
		{"ulaw", ulawEncode, ulawDecode, 0xff, 0x80, 32124},
		{"alaw", alawEncode, alawDecode, 0xd5, 0xaa, 32256},
	}
	for _, tc := range tests {
		if got := tc.enc(0); got != tc.zero {
			t.Errorf("%s: encode(0) = %#x, want %#x", tc.name, got, tc.zero)
		}
		if got := tc.dec(tc.max); got != tc.maxLin {
			t.Errorf("%s: decode(%#x) = %d, want %d", tc.name, tc.max, got, tc.maxLin)
		}
		for c := 0; c < 256; c++ {
			lin := tc.dec(byte(c))
			if back := tc.dec(tc.enc(lin)); back != lin {
				t.Errorf("%s: decode(encode(decode(%#x)=%d)) = %d", tc.name, c, lin, back)
			}
		}
		prev := tc.dec(tc.enc(-32768))
		for s := -32768; s <= 32767; s += 7 {
			v := tc.dec(tc.enc(int16(s)))
			if v < prev {
				t.Fatalf("%s: not monotonic at %d: %d after %d", tc.name, s, v, prev)
			}
			if d := math.Abs(float64(v) - float64(s)); d > math.Max(16, math.Abs(float64(s))/16) {
				t.Fatalf("%s: %d decodes as %d", tc.name, s, v)
			}
			prev = v
		}
	}
}

// readTruthLines parses a truth file.
func readTruthLines(t *testing.T, b []byte) []Truth {
	t.Helper()
	var out []Truth
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tr Truth
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatalf("truth line %q: %v", sc.Text(), err)
		}
		// encoding/json decodes null into a nil pointer: keep the fields'
		// presence (checked below) apart from their nullness.
		raw := map[string]json.RawMessage{}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for k, p := range map[string]**MS{"beep_start_ms": &tr.BeepStartMS, "beep_end_ms": &tr.BeepEndMS,
			"greeting_end_ms": &tr.GreetingEndMS, "first_utterance_end_ms": &tr.FirstUtteranceEndMS} {
			if _, ok := raw[k]; ok && *p == nil {
				*p = &MS{}
			}
		}
		out = append(out, tr)
	}
	return out
}

// checkTruth verifies one audio truth line is self-consistent.
func checkTruth(tr Truth) error {
	a := tr.Audio
	if a == nil || tr.BeepStartMS == nil || tr.BeepEndMS == nil || tr.GreetingEndMS == nil || tr.FirstUtteranceEndMS == nil {
		return errors.New("audio fields missing")
	}
	answered := tr.SIPStatus != nil && *tr.SIPStatus == 200
	switch tr.Outcome {
	case Human, Machine, Fax, Silence:
		if !answered {
			return fmt.Errorf("%s call not answered", tr.Outcome)
		}
	case SwitchedOff:
		if answered == (a.AnnouncementEarly == nil || *a.AnnouncementEarly) {
			return errors.New("switched_off: announcement_early disagrees with the SIP status")
		}
	}
	if answered && (tr.Outcome == Silence) != (a.SoundStartMS == nil) {
		return fmt.Errorf("sound start %v for %s", a.SoundStartMS, tr.Outcome)
	}
	if answered && (a.MediaStartMS <= 0 || a.MediaEndMS <= a.MediaStartMS) {
		return fmt.Errorf("media %d..%d ms", a.MediaStartMS, a.MediaEndMS)
	}
	in := func(m *MS) bool { return m.V >= a.MediaStartMS && m.V <= a.MediaEndMS }
	bs, be := tr.BeepStartMS, tr.BeepEndMS
	if bs.Valid != be.Valid || bs.Valid != (a.Beeps > 0) {
		return fmt.Errorf("beep fields %v/%v with %d beeps", bs.Valid, be.Valid, a.Beeps)
	}
	if bs.Valid {
		if tr.Outcome != Machine || !in(bs) || !in(be) || be.V-bs.V < 150 || !tr.GreetingEndMS.Valid || tr.GreetingEndMS.V > bs.V || a.BeepHz < 300 || a.BeepHz > 2500 {
			return fmt.Errorf("beep %d..%d ms (greeting end %v, %g Hz) not within media %d..%d after the greeting", bs.V, be.V, tr.GreetingEndMS, a.BeepHz, a.MediaStartMS, a.MediaEndMS)
		}
	}
	if tr.GreetingEndMS.Valid != (tr.Outcome == Machine) || tr.GreetingEndMS.Valid && (!in(tr.GreetingEndMS) || tr.GreetingEndMS.V < a.MediaStartMS+1000) {
		return fmt.Errorf("greeting end %+v", *tr.GreetingEndMS)
	}
	if tr.FirstUtteranceEndMS.Valid != (tr.Outcome == Human) || tr.FirstUtteranceEndMS.Valid && !in(tr.FirstUtteranceEndMS) {
		return fmt.Errorf("first utterance end %+v", *tr.FirstUtteranceEndMS)
	}
	if (a.Codec == "PCMA") == (a.Codec == "PCMU") || a.PtimeMS%10 != 0 || a.Loss < 0 || a.Loss > 0.05 || a.JitterMS > 10 {
		return fmt.Errorf("audio parameters %+v", *a)
	}
	return nil
}

func TestAudioTruth(t *testing.T) {
	counts := map[string]int{}
	calls := 0
	for _, f := range committedAudio(t) {
		if !strings.HasSuffix(f.name, ".truth.jsonl") {
			continue
		}
		for _, tr := range readTruthLines(t, f.data) {
			calls++
			counts[tr.Outcome]++
			if err := checkTruth(tr); err != nil {
				t.Errorf("%s %s (%s): %v", f.name, tr.CallID, tr.Outcome, err)
			}
		}
	}
	for _, c := range []string{Human, Machine, SwitchedOff, Fax, Silence, Busy, NoAnswer, Congestion, Unallocated} {
		if counts[c] == 0 {
			t.Errorf("no %s call in the committed audio corpus", c)
		}
	}
	if calls < 30 {
		t.Errorf("%d calls, want at least 30", calls)
	}
	t.Logf("%d calls: %v", calls, counts)
}

// udpRec is one UDP datagram read back from a capture.
type udpRec struct {
	ts       time.Time
	src, dst netip.AddrPort
	payload  []byte
}

// readUDP reads the IPv4/UDP datagrams of an Ethernet classic pcap (gzip allowed).
func readUDP(b []byte) ([]udpRec, error) {
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	le := binary.LittleEndian
	if len(b) < 24 || le.Uint32(b) != 0xa1b2c3d4 || le.Uint32(b[20:]) != 1 {
		return nil, errors.New("not an Ethernet µs pcap")
	}
	var out []udpRec
	for off := 24; off < len(b); {
		if off+16 > len(b) {
			return nil, errors.New("truncated record header")
		}
		sec, usec, incl := le.Uint32(b[off:]), le.Uint32(b[off+4:]), int(le.Uint32(b[off+8:]))
		off += 16
		if off+incl > len(b) {
			return nil, errors.New("truncated record")
		}
		fr := b[off : off+incl]
		off += incl
		if len(fr) < 14+20+8 || binary.BigEndian.Uint16(fr[12:]) != 0x0800 {
			continue
		}
		ip := fr[14:]
		ihl := int(ip[0]&0x0f) * 4
		if ip[9] != 17 || len(ip) < ihl+8 {
			continue
		}
		s, d := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		u := ip[ihl:]
		out = append(out, udpRec{
			ts:      time.Unix(int64(sec), int64(usec)*1000).UTC(),
			src:     netip.AddrPortFrom(s, binary.BigEndian.Uint16(u[0:])),
			dst:     netip.AddrPortFrom(d, binary.BigEndian.Uint16(u[2:])),
			payload: u[8:],
		})
	}
	return out, nil
}

// callerOf is the caller address in an audio call's Call-ID.
func callerOf(callID string) netip.Addr {
	_, h, _ := strings.Cut(callID, "@")
	a, _ := netip.ParseAddr(h)
	return a
}

func TestAudioTshark(t *testing.T) {
	if _, err := os.Stat("/usr/bin/tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if testing.Short() {
		t.Skip("short")
	}
	files := committedAudio(t)
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		pf, tf := files[i], files[i+1]
		codec := map[netip.Addr]string{}
		for _, tr := range readTruthLines(t, tf.data) {
			codec[callerOf(tr.CallID)] = tr.Audio.Codec
		}
		recs, err := readUDP(pf.data)
		if err != nil {
			t.Fatal(err)
		}
		wantSIP, wantRTP := 0, 0
		for _, r := range recs {
			if r.src.Port() == 5060 {
				wantSIP++
			} else {
				wantRTP++
			}
		}
		p := filepath.Join(dir, pf.name)
		if err := os.WriteFile(p, pf.data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/usr/bin/tshark", "-r", p, "-o", "rtp.heuristic_rtp:TRUE",
			"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
			"-T", "fields", "-E", "separator=\t", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.srcport",
			"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "rtp.p_type", "-e", "_ws.expert.message").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", pf.name, err)
		}
		gotSIP, gotRTP := 0, 0
		for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			f := strings.Split(line, "\t")
			for len(f) < 7 {
				f = append(f, "")
			}
			if strings.Contains(strings.ToLower(f[6]), "checksum") || strings.Contains(f[6], "Malformed") {
				t.Errorf("%s: tshark: %s", pf.name, f[6])
			}
			if f[2] == "5060" {
				if f[3] != "" || f[4] != "" {
					gotSIP++
				}
				continue
			}
			pt, err := strconv.Atoi(f[5])
			if err != nil {
				t.Errorf("%s: %s -> %s port %s not decoded as RTP", pf.name, f[0], f[1], f[2])
				continue
			}
			gotRTP++
			c := codec[netip.MustParseAddr(f[0])]
			if c == "" {
				c = codec[netip.MustParseAddr(f[1])]
			}
			want := map[string]int{"PCMU": ptPCMU, "PCMA": ptPCMA}[c]
			if pt != want && pt != ptCN && pt != ptEvent {
				t.Errorf("%s: %s -> %s: RTP payload type %d, call codec %s", pf.name, f[0], f[1], pt, c)
			}
		}
		if gotSIP != wantSIP || gotRTP != wantRTP {
			t.Errorf("%s: tshark decoded %d SIP and %d RTP packets, generator wrote %d and %d", pf.name, gotSIP, gotRTP, wantSIP, wantRTP)
		}
	}
}

// goertzel returns the power of frequency f in x relative to x's energy (0..1).
func goertzel(x []float64, f float64) float64 {
	w := 2 * math.Pi * f / sampleRate
	c := 2 * math.Cos(w)
	var s1, s2, e float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
		e += v * v
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	if e == 0 {
		return 0
	}
	return 2 * p / (float64(len(x)) * e)
}

// calleeAudio decodes the callee's RTP after answer into a timeline of
// samples from the 200 OK's capture time (packet capture times place them).
func calleeAudio(recs []udpRec, tr Truth) []float64 {
	caller := callerOf(tr.CallID)
	var answer time.Time
	for _, r := range recs {
		if r.dst.Addr() == caller && r.src.Port() == 5060 && bytes.HasPrefix(r.payload, []byte("SIP/2.0 200 OK")) && bytes.Contains(r.payload, []byte("INVITE")) {
			answer = r.ts
			break
		}
	}
	var out []float64
	for _, r := range recs {
		if r.dst.Addr() != caller || r.src.Port() == 5060 || r.ts.Before(answer) || len(r.payload) < 12 {
			continue
		}
		pt := r.payload[1] & 0x7f
		if pt != ptPCMU && pt != ptPCMA {
			continue
		}
		at := int(r.ts.Sub(answer) * sampleRate / time.Second)
		for i, c := range r.payload[12:] {
			v := alawDecode(c)
			if pt == ptPCMU {
				v = ulawDecode(c)
			}
			if at+i >= len(out) {
				out = append(out, make([]float64, at+i+1-len(out))...)
			}
			out[at+i] = float64(v) / 32768
		}
	}
	return out
}

// checkAudioTimeline verifies, on decoded audio, that the beep frequency
// fills the truth's beep window, and fax and human calls sound as labelled.
func checkAudioTimeline(t *testing.T, name string, recs []udpRec, tr Truth) {
	a := tr.Audio
	if a == nil || tr.SIPStatus == nil || *tr.SIPStatus != 200 || a.JitterMS > 0 || a.Reorder > 0 || a.Loss > 0 {
		return
	}
	x := calleeAudio(recs, tr)
	win := func(fromMS, toMS int64) []float64 {
		i, j := msToN(float64(fromMS)), msToN(float64(toMS))
		if i < 0 || j > len(x) || j <= i {
			return nil
		}
		return x[i:j]
	}
	if tr.BeepStartMS.Valid {
		in := win(tr.BeepStartMS.V+20, tr.BeepStartMS.V+150)
		if r := goertzel(in, a.BeepHz); r < 0.7 {
			t.Errorf("%s %s: beep %g Hz has %.2f of the energy in %d..%d ms", name, tr.CallID, a.BeepHz, r, tr.BeepStartMS.V+20, tr.BeepStartMS.V+150)
		}
		after := win(tr.BeepEndMS.V+50, tr.BeepEndMS.V+300)
		if r := rmsDB(after) - rmsDB(in); r > -10 {
			t.Errorf("%s %s: only %.1f dB quieter after the beep end", name, tr.CallID, r)
		}
	}
	if tr.GreetingEndMS.Valid {
		speech := win(tr.GreetingEndMS.V-1000, tr.GreetingEndMS.V)
		gap := win(tr.GreetingEndMS.V+30, tr.GreetingEndMS.V+180)
		// A greeting's last second (a fricative, a falling "tone.") at 10 dB
		// SNR stands only half its SNR above the noise after it.
		thr := 6.0
		if a.SNRDB != nil {
			thr = min(thr, *a.SNRDB/2)
		}
		if d := rmsDB(speech) - rmsDB(gap); d < thr {
			t.Errorf("%s %s: greeting end %d ms: speech only %.1f dB above what follows", name, tr.CallID, tr.GreetingEndMS.V, d)
		}
	}
	if tr.Outcome == Fax && a.Fax == "cng" {
		if r := goertzel(win(*a.SoundStartMS+20, *a.SoundStartMS+450), 1100); r < 0.7 {
			t.Errorf("%s %s: CNG 1100 Hz has %.2f of the energy", name, tr.CallID, r)
		}
	}
	if tr.Outcome == Fax && a.Fax == "ced" {
		if r := goertzel(win(*a.SoundStartMS+20, *a.SoundStartMS+430), 2100); r < 0.7 {
			t.Errorf("%s %s: CED 2100 Hz has %.2f of the energy", name, tr.CallID, r)
		}
	}
	if tr.Outcome == Human || tr.Outcome == Machine {
		s := *a.SoundStartMS
		if d := rmsDB(win(s, s+300)) - rmsDB(win(s-150, s-20)); d < 6 {
			t.Errorf("%s %s: speech at %d ms only %.1f dB above what precedes", name, tr.CallID, s, d)
		}
	}
	if tr.Outcome == Silence {
		if db := rmsDB(win(a.MediaStartMS, a.MediaEndMS-100)); db > -45 {
			t.Errorf("%s %s: dead air at %.1f dBFS", name, tr.CallID, db)
		}
	}
}

func TestAudioTimeline(t *testing.T) {
	files := committedAudio(t)
	checked := 0
	for i := 0; i+1 < len(files); i += 2 {
		recs, err := readUDP(files[i].data)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range readTruthLines(t, files[i+1].data) {
			checkAudioTimeline(t, files[i].name, recs, tr)
			if tr.BeepStartMS.Valid {
				checked++
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d beeps checked", checked)
	}
}

// TestAudioEval generates an evaluation set, with the shared corpus's real
// voicemail prompts mixed in when the corpus is present, and checks its
// truth, its audio timeline and the generation time.
func TestAudioEval(t *testing.T) {
	needTools(t)
	if testing.Short() {
		t.Skip("short")
	}
	calls := 400
	if s := os.Getenv("CALLSIGHT_AUDIO_CALLS"); s != "" {
		calls, _ = strconv.Atoi(s)
	}
	shared := ""
	if root, err := testcorpus.Root(); err == nil {
		d := filepath.Join(root, "..", "shared", "corpus")
		if v := os.Getenv("CALLSIGHT_CORPUS"); v != "" {
			d = v
		}
		if _, err := os.Stat(filepath.Join(d, "asterisk-2005-sounds", "vm-intro.gsm")); err == nil {
			shared = d
		} else {
			t.Logf("shared corpus not found at %s: no real voicemail prompts in the set", d)
		}
	}
	dir := t.TempDir()
	start := time.Now() // wall clock only to report the generation time
	names, err := Audio(dir, DefaultConfig(), AudioOptions{Calls: calls, Shared: shared, CacheDir: ttsCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	counts, sources, size := map[string]int{}, map[string]int{}, int64(0)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		size += int64(len(b))
		if !strings.HasSuffix(n, ".truth.jsonl") {
			continue
		}
		pb, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(n, ".truth.jsonl")+".pcap"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readUDP(pb)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range readTruthLines(t, b) {
			counts[tr.Outcome]++
			if tr.Audio.Source != "" {
				sources[tr.Audio.Source]++
			}
			if err := checkTruth(tr); err != nil {
				t.Errorf("%s %s (%s): %v", n, tr.CallID, tr.Outcome, err)
			}
			checkAudioTimeline(t, n, recs, tr)
		}
	}
	t.Logf("%d calls in %v, %d MB: %v; recorded prompts: %v", calls, took, size>>20, counts, sources)
	if shared != "" && len(sources) == 0 {
		t.Errorf("shared corpus present but no call used its prompts")
	}
}

// TestAudioHarshNetwork: an evaluation set made on a harsh network
// (AudioOptions.Network) says so in every truth, and its RTP shows it:
// losses that come in bursts, and reordering.
func TestAudioHarshNetwork(t *testing.T) {
	needTools(t)
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := Audio(t.TempDir(), DefaultConfig(), AudioOptions{Calls: 0, Network: NetworkHarsh}); err == nil {
		t.Error("a harsh committed corpus: no error")
	}
	if _, err := Audio(t.TempDir(), DefaultConfig(), AudioOptions{Calls: 10, Network: "awful"}); err == nil {
		t.Error(`network "awful": no error`)
	}
	dir := t.TempDir()
	names, err := Audio(dir, DefaultConfig(), AudioOptions{Calls: 60, CacheDir: ttsCache(t), Network: NetworkHarsh})
	if err != nil {
		t.Fatal(err)
	}
	lost, runs, reordered := 0, 0, 0
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, ".truth.jsonl") {
			for _, tr := range readTruthLines(t, b) {
				if tr.Audio == nil {
					continue
				}
				if a := tr.Audio; !a.BurstLoss || a.JitterMS < 20 || a.JitterMS > 40 || a.Reorder != 0.05 || (a.Loss != 0.02 && a.Loss != 0.05 && a.Loss != 0.08) {
					t.Errorf("%s: audio %+v, want burst loss of 2-8%%, jitter 20-40 ms, 5%% reordered", tr.CallID, *a)
				}
			}
			continue
		}
		recs, err := readUDP(b)
		if err != nil {
			t.Fatal(err)
		}
		// Per RTP stream (source, destination, SSRC): sequence numbers in
		// capture order.
		type key struct {
			src, dst netip.AddrPort
			ssrc     uint32
		}
		seqs := map[key][]uint16{}
		for _, r := range recs {
			if p := r.payload; len(p) >= 12 && p[0]>>6 == 2 && p[1]&0x7f < 64 {
				k := key{r.src, r.dst, binary.BigEndian.Uint32(p[8:])}
				seqs[k] = append(seqs[k], binary.BigEndian.Uint16(p[2:]))
			}
		}
		for _, s := range seqs {
			ext := make([]int, len(s)) // unwrapped, in capture order
			for i := range s {
				ext[i] = int(s[i])
				if i > 0 {
					ext[i] = ext[i-1] + int(int16(s[i]-s[i-1]))
					if ext[i] < ext[i-1] {
						reordered++
					}
				}
			}
			slices.Sort(ext)
			for i := 1; i < len(ext); i++ {
				if d := ext[i] - ext[i-1]; d > 1 {
					lost += d - 1
					if d > 2 {
						runs++
					}
				}
			}
		}
	}
	t.Logf("lost %d packets, %d runs of two or more; %d out of order", lost, runs, reordered)
	// Independent losses of 5% make a run of two or more about once in 20
	// lost packets; bursts that go on with probability 0.6, once in 4.
	if lost == 0 || runs*10 < lost || reordered == 0 {
		t.Errorf("lost %d, runs of two or more %d, reordered %d: want bursts (a run for every ten lost at least) and reordering", lost, runs, reordered)
	}
}

// renderSet renders an evaluation set in memory: its truth, and its
// captures.
func renderSet(t *testing.T, opts AudioOptions) ([]Truth, [][]byte) {
	t.Helper()
	files, err := audioFiles(DefaultConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var tr []Truth
	var caps [][]byte
	for _, f := range files {
		if strings.HasSuffix(f.name, ".truth.jsonl") {
			tr = append(tr, readTruthLines(t, f.data)...)
		} else {
			caps = append(caps, f.data)
		}
	}
	return tr, caps
}

// sameCallsBut checks that got has the calls of usual, a set of the same
// seed without one option, but for the audio truth fields that strip
// clears (reporting whether the call had them); it returns how many had.
func sameCallsBut(t *testing.T, what string, got, usual []Truth, strip func(*AudioTruth) bool) int {
	t.Helper()
	if len(got) != len(usual) {
		t.Fatalf("%s: %d calls, the usual set %d", what, len(got), len(usual))
	}
	n := 0
	for i, tr := range got {
		if a := tr.Audio; a != nil {
			b := *a
			if strip(&b) {
				n++
			}
			tr.Audio = &b
		}
		if x, y := mustJSON(t, tr), mustJSON(t, usual[i]); x != y {
			t.Errorf("%s: call %d differs from the usual set's beyond it:\n%s\n%s", what, i, x, y)
		}
	}
	if n == 0 {
		t.Errorf("%s: no call has it", what)
	}
	return n
}

// TestAudioBackground: a set made with music or voices behind the callee
// has the calls of the usual set of the same seed (the truth differs only
// by the sound behind), with music behind every person and under every
// voicemail greeting, voices behind every person only, 10-20 dB under
// the voice; a committed corpus or an unknown kind is an error.
func TestAudioBackground(t *testing.T) {
	needTools(t)
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := audioFiles(DefaultConfig(), AudioOptions{Calls: 0, Background: BackgroundMusic}); err == nil {
		t.Error("a committed corpus with music behind: no error")
	}
	if _, err := audioFiles(DefaultConfig(), AudioOptions{Calls: 10, Background: "radio"}); err == nil {
		t.Error(`background "radio": no error`)
	}
	usual, usualCaps := renderSet(t, AudioOptions{Calls: 40, CacheDir: ttsCache(t)})
	for _, kind := range []string{BackgroundMusic, BackgroundVoices} {
		got, caps := renderSet(t, AudioOptions{Calls: 40, CacheDir: ttsCache(t), Background: kind})
		if bytes.Equal(bytes.Join(caps, nil), bytes.Join(usualCaps, nil)) {
			t.Errorf("%s: the captures are those of the usual set", kind)
		}
		for _, tr := range got {
			want := tr.Outcome == Human || tr.Outcome == Machine && kind == BackgroundMusic
			switch a := tr.Audio; {
			case a == nil && want:
				t.Errorf("%s: %s: no audio truth", kind, tr.CallID)
			case a != nil && want && (a.Behind != kind || a.BehindDB == nil || *a.BehindDB < 10 || *a.BehindDB > 20):
				t.Errorf("%s: %s (%s): behind %q %v, want %q 10-20 dB under", kind, tr.CallID, tr.Outcome, a.Behind, a.BehindDB, kind)
			case a != nil && !want && (a.Behind != "" || a.BehindDB != nil):
				t.Errorf("%s: %s (%s): behind %q, want nothing", kind, tr.CallID, tr.Outcome, a.Behind)
			}
		}
		sameCallsBut(t, kind, got, usual, func(a *AudioTruth) bool {
			had := a.Behind != ""
			a.Behind, a.BehindDB = "", nil
			return had
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAudioSilenceSuppression: a set whose callees suppress their silence
// has the calls of the usual set of the same seed (the truth differs only
// by silence_suppression, set on the answered calls but the ones sending
// comfort noise), and sends fewer callee packets, the first after a quiet
// stretch with the marker bit. A committed corpus with it is an error.
func TestAudioSilenceSuppression(t *testing.T) {
	needTools(t)
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := audioFiles(DefaultConfig(), AudioOptions{Calls: 0, SilenceSuppression: true}); err == nil {
		t.Error("a committed corpus with silence suppression: no error")
	}
	udp := func(caps [][]byte) []udpRec {
		var recs []udpRec
		for _, c := range caps {
			r, err := readUDP(c)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r...)
		}
		return recs
	}
	usual, usualCaps := renderSet(t, AudioOptions{Calls: 40, CacheDir: ttsCache(t)})
	got, caps := renderSet(t, AudioOptions{Calls: 40, CacheDir: ttsCache(t), SilenceSuppression: true})
	sameCallsBut(t, "silence suppression", got, usual, func(a *AudioTruth) bool {
		had := a.SilenceSuppression && a.HangoverMS >= 20 && a.HangoverMS <= 200
		a.SilenceSuppression, a.HangoverMS = false, 0
		return had
	})
	usualRecs, recs := udp(usualCaps), udp(caps)
	// Callee RTP packets (10.80.0.0/16), those that come more than 150 ms
	// after the last of their source, and of those the ones without the
	// marker bit.
	callee := func(rs []udpRec) (n, gaps, unmarked int) {
		last := map[uint32]time.Time{}
		for _, r := range rs {
			p := r.payload
			if len(p) < 12 || p[0]>>6 != 2 || p[1]&0x7f >= 64 || r.src.Addr().As4()[1] != 80 {
				continue
			}
			n++
			ssrc := binary.BigEndian.Uint32(p[8:])
			if prev, ok := last[ssrc]; ok && r.ts.Sub(prev) > 150*time.Millisecond {
				gaps++
				if p[1]&0x80 == 0 {
					unmarked++
				}
			}
			last[ssrc] = r.ts
		}
		return n, gaps, unmarked
	}
	nu, _, _ := callee(usualRecs)
	ns, gaps, unmarked := callee(recs)
	if ns >= nu*9/10 {
		t.Errorf("callee packets %d with silence suppression, %d without: want fewer", ns, nu)
	}
	// (A talkspurt's first packet may be lost on the way: 1-5% of them.)
	if gaps < 20 || unmarked*10 > gaps {
		t.Errorf("%d of %d callee packets after a quiet stretch without the marker bit", unmarked, gaps)
	}
}

package gen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The text-to-speech engines the audio generator can drive. Each runs once
// per (engine, voice, text) into the cache directory; sox then resamples the
// result to 8 kHz mono 16-bit. Everything after the cache is pure Go, so a
// warm cache makes generation deterministic.
const (
	EngineEspeak   = "espeak-ng"
	EngineFlite    = "flite"
	EngineFestival = "festival"
)

// voice is one TTS voice: an engine, its voice name, and the languages it speaks.
type voice struct {
	engine, name, lang string
}

func (v voice) String() string { return v.engine + ":" + v.name }

// allVoices lists every voice the generator may use, in a fixed order.
var allVoices = []voice{
	{EngineEspeak, "en-us", "en"},
	{EngineEspeak, "en-us+f3", "en"},
	{EngineEspeak, "en-gb+m3", "en"},
	{EngineEspeak, "en-gb-x-rp+f2", "en"},
	{EngineEspeak, "en-us+m7", "en"},
	{EngineEspeak, "ru", "ru"},
	{EngineEspeak, "ru+f3", "ru"},
	{EngineEspeak, "ru+m3", "ru"},
	{EngineEspeak, "ru+f4", "ru"},
	{EngineFlite, "kal", "en"},
	{EngineFlite, "slt", "en"},
	{EngineFlite, "rms", "en"},
	{EngineFlite, "awb", "en"},
	// Festival voices (Debian festvox-kallpc16k, festvox-us-slt-hts,
	// festvox-ru) are used in evaluation sets only. The Russian voice reads
	// UTF-8 (KOI8-R input gives no audio), as written by speak.
	{EngineFestival, "kal_diphone", "en"},
	{EngineFestival, "cmu_us_slt_arctic_hts", "en"},
	{EngineFestival, "msu_ru_nsh_clunits", "ru"},
}

// tts synthesises speech through the engines with a file cache.
type tts struct {
	cache   string
	engines map[string]bool // usable engines
	broken  map[voice]bool  // voices of usable engines that give no audio
	log     io.Writer
}

// newTTS probes the requested engines (all when names is empty) and keeps
// the usable ones, writing why an engine is skipped to log.
func newTTS(cache string, names []string, log io.Writer) (*tts, error) {
	if log == nil {
		log = io.Discard
	}
	if _, err := exec.LookPath("sox"); err != nil {
		return nil, errors.New("gen: audio: sox not found (Debian package sox): it resamples TTS output to 8 kHz")
	}
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		cache = filepath.Join(d, "callsight", "tts")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("gen: audio: tts cache: %w", err)
	}
	if len(names) == 0 {
		names = []string{EngineEspeak, EngineFlite, EngineFestival}
	}
	t := &tts{cache: cache, engines: map[string]bool{}, broken: map[voice]bool{}, log: log}
	for _, e := range names {
		if err := t.probe(e); err != nil {
			fmt.Fprintf(log, "gen: audio: TTS engine %s skipped: %v\n", e, err)
			continue
		}
		t.engines[e] = true
	}
	if len(t.engines) == 0 {
		return nil, fmt.Errorf("gen: audio: no usable TTS engine among %s (install espeak-ng or flite)", strings.Join(names, ", "))
	}
	return t, nil
}

// probe checks that engine e is installed and that its voices produce
// audio (festival voices are separate packages): a voice that does not is
// skipped with a note; the engine is usable when one voice works.
func (t *tts) probe(e string) error {
	bin := map[string]string{EngineEspeak: "espeak-ng", EngineFlite: "flite", EngineFestival: "text2wave"}[e]
	if bin == "" {
		return fmt.Errorf("unknown engine")
	}
	if _, err := exec.LookPath(bin); err != nil {
		return fmt.Errorf("%s not installed", bin)
	}
	var first error
	ok := false
	for _, v := range allVoices {
		if v.engine != e {
			continue
		}
		hello := map[string]string{"en": "Hello.", "ru": "Алло."}[v.lang]
		if _, err := t.speak(v, hello); err != nil {
			t.broken[v] = true
			fmt.Fprintf(t.log, "gen: audio: TTS voice %s skipped: %v\n", v, err)
			if first == nil {
				first = err
			}
			continue
		}
		ok = true
	}
	if !ok {
		return first
	}
	return nil
}

// voices returns the usable voices for language lang.
func (t *tts) voices(lang string) []voice {
	var out []voice
	for _, v := range allVoices {
		if v.lang == lang && t.engines[v.engine] && !t.broken[v] {
			out = append(out, v)
		}
	}
	return out
}

// key names the cache entry of one (engine, voice, text).
func cacheKey(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// speak returns text spoken by v as 8 kHz samples, from the cache when present.
func (t *tts) speak(v voice, text string) ([]int16, error) {
	raw := filepath.Join(t.cache, v.engine+"-"+cacheKey(v.engine, v.name, text)+".s16")
	if b, err := os.ReadFile(raw); err == nil && len(b) > 0 {
		return s16(b), nil
	}
	tmp, err := os.MkdirTemp(t.cache, "tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wav := filepath.Join(tmp, "out.wav")
	var cmd *exec.Cmd
	switch v.engine {
	case EngineEspeak:
		cmd = exec.Command("espeak-ng", "-v", v.name, "-w", wav, text)
	case EngineFlite:
		cmd = exec.Command("flite", "-voice", v.name, "-t", text, "-o", wav)
	case EngineFestival:
		txt := filepath.Join(tmp, "in.txt")
		if err := os.WriteFile(txt, []byte(text), 0o644); err != nil {
			return nil, err
		}
		cmd = exec.Command("text2wave", "-eval", "(voice_"+v.name+")", "-o", wav, txt)
	default:
		return nil, fmt.Errorf("gen: audio: unknown engine %q", v.engine)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", v.engine, v.name, err, firstLine(stderr.String()))
	}
	if st, err := os.Stat(wav); err != nil || st.Size() <= 44 {
		return nil, fmt.Errorf("%s %s wrote no audio: %s", v.engine, v.name, firstLine(stderr.String()))
	}
	return t.convert(wav, raw)
}

// file returns an audio file (any format sox reads) as 8 kHz samples, cached.
func (t *tts) file(path string) ([]int16, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	raw := filepath.Join(t.cache, "file-"+cacheKey(path, fmt.Sprint(st.Size()))+".s16")
	if b, err := os.ReadFile(raw); err == nil && len(b) > 0 {
		return s16(b), nil
	}
	return t.convert(path, raw)
}

// convert resamples in to 8 kHz mono signed 16-bit raw at out (no dither,
// so the result depends only on the input) and returns the samples.
func (t *tts) convert(in, out string) ([]int16, error) {
	tmp := out + ".part"
	cmd := exec.Command("sox", "-D", in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", "-L", tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sox %s: %v: %s", filepath.Base(in), err, firstLine(stderr.String()))
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 {
		return nil, fmt.Errorf("sox %s: no samples", filepath.Base(in))
	}
	return s16(b), nil
}

func s16(b []byte) []int16 {
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

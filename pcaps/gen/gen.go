// Package gen writes labelled synthetic captures for callsight: the small
// committed corpus in pcaps/ (every call outcome, every encapsulation, each
// capture with a NAME.truth.jsonl) and large mixed-traffic captures for the
// speed benchmark.
//
// It is an independent check of callsight's decoders, so it imports none of
// them and no capture library: pcap and pcapng, Ethernet/802.1Q/QinQ, Linux
// cooked v1/v2, raw IP, BSD loopback, IPv4/IPv6 with fragmentation, UDP, TCP,
// SCTP (RFC 9260, CRC32c), M3UA (RFC 4666), ISUP (ITU-T Q.763), SIP/SIP-I
// (RFC 3261, RFC 3204), GTPv1-C/GTPv2-C/GTP-U and RTP are encoded here from
// the specifications with the standard library only.
//
// Output is a pure function of the Config: the same seed gives
// byte-identical files (no wall clock, no map iteration, math/rand seeded).
package gen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Config selects the generator's randomness and clock.
type Config struct {
	// Seed seeds every random choice (tags, ports, timings, payloads).
	Seed int64
	// Start is the capture clock origin.
	Start time.Time
}

// DefaultConfig returns the configuration the committed corpus is made with.
func DefaultConfig() Config {
	return Config{Seed: 1, Start: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Start.IsZero() {
		return errors.New("gen: zero start time")
	}
	return nil
}

// Truth is one line of a truth file: how one call ended.
type Truth struct {
	CallID    string   `json:"call_id"`
	Outcome   string   `json:"outcome"`
	Q850      *int     `json:"q850"`
	SIPStatus *int     `json:"sip_status"`
	Calling   string   `json:"calling"`
	Called    string   `json:"called"`
	Legs      []string `json:"legs"`
	File      string   `json:"file"`

	// Audio truth (audio corpus only; absent from signaling-only truth).
	// Times are milliseconds from the 200 OK's capture time.
	BeepStartMS         *MS         `json:"beep_start_ms,omitempty"`
	BeepEndMS           *MS         `json:"beep_end_ms,omitempty"`
	GreetingEndMS       *MS         `json:"greeting_end_ms,omitempty"`
	FirstUtteranceEndMS *MS         `json:"first_utterance_end_ms,omitempty"`
	Audio               *AudioTruth `json:"audio,omitempty"`

	start time.Time
}

// Outcomes written in truth files.
const (
	Answered    = "answered"
	Busy        = "busy"
	NoAnswer    = "no_answer"
	Unallocated = "unallocated"
	Rejected    = "rejected"
	Congestion  = "congestion"
	SwitchedOff = "switched_off"
	Unknown     = "unknown"
)

func intp(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

// sortTruth orders truth lines by start time then call_id.
func sortTruth(ts []Truth) {
	sort.SliceStable(ts, func(i, j int) bool {
		if !ts[i].start.Equal(ts[j].start) {
			return ts[i].start.Before(ts[j].start)
		}
		return ts[i].CallID < ts[j].CallID
	})
}

func writeTruth(w io.Writer, ts []Truth) error {
	for _, t := range ts {
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// fileSpec describes one corpus capture.
type fileSpec struct {
	name   string
	format capFormat
	gz     bool
	links  []link
	build  func(b *builder)
	readme string
}

// builder accumulates one capture's scenarios and truth.
type builder struct {
	n     *netw
	start time.Time
	name  string
	truth []Truth
}

func seedFor(seed int64, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return seed ^ int64(h.Sum64()>>1)
}

// render builds one capture file and its truth lines.
func render(fs fileSpec, cfg Config) ([]byte, []Truth, error) {
	data, truth, _, err := renderLog(fs, cfg, false)
	return data, truth, err
}

// renderLog is render that also returns the application messages sent when log is set.
func renderLog(fs fileSpec, cfg Config, log bool) ([]byte, []Truth, []note, error) {
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if fs.gz {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.ModTime = time.Time{}
		w = zw
	}
	cw := newCapWriter(w, fs.format, fs.links)
	n := newNetw(cw, seedFor(cfg.Seed, fs.name), fs.format.resolution())
	n.logOn = log
	b := &builder{n: n, start: cfg.Start, name: fs.name}
	fs.build(b)
	if err := n.run(); err != nil {
		return nil, nil, nil, fmt.Errorf("gen: %s: %w", fs.name, err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, nil, nil, err
		}
	}
	sortTruth(b.truth)
	return buf.Bytes(), b.truth, n.notes, nil
}

// Corpus writes the committed corpus into dir: capture files and, for each
// capture with decodable calls, NAME.truth.jsonl, plus the bad/ files.
// It returns the names written, relative to dir, in order.
func Corpus(dir string, cfg Config) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	files, err := corpusFiles(cfg)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return names, err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return names, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

type outFile struct {
	name string
	data []byte
}

// corpusFiles renders every corpus file in memory, in a fixed order.
func corpusFiles(cfg Config) ([]outFile, error) {
	var out []outFile
	for _, fs := range corpusSpecs() {
		data, truth, err := render(fs, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, outFile{fs.name, data})
		if len(truth) > 0 {
			var tb bytes.Buffer
			if err := writeTruth(&tb, truth); err != nil {
				return nil, err
			}
			out = append(out, outFile{truthName(fs.name), tb.Bytes()})
		}
	}
	bad, err := badFiles(cfg)
	if err != nil {
		return nil, err
	}
	return append(out, bad...), nil
}

func truthName(capture string) string {
	base := capture
	for _, ext := range []string{".gz", ".pcapng", ".pcap"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base + ".truth.jsonl"
}

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/engine"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
)

func cmdReplay(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "jsonl", "output: jsonl (one line per call), events (one line per signaling message) or table")
	store := fs.String("store", "none", "where calls are stored: none (storage arrives with the analytics issue)")
	mapping := fs.String("sip-mapping", "rfc3398", "SIP status to Q.850 mapping for calls without a raw cause: rfc3398 or q1912.5")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	fs.String("config", "", "JSON file of flag settings (command-line flags override it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: callsight replay [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("no capture files given")}
	}
	switch *format {
	case "jsonl", "events", "table":
	default:
		return usageError{fmt.Errorf("format %q: want jsonl, events or table", *format)}
	}
	if *store != "none" {
		return usageError{fmt.Errorf("store %q: only none is available in this version", *store)}
	}
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	cfg := engine.DefaultConfig()
	switch strings.ToLower(*mapping) {
	case "rfc3398":
		cfg.Correlator.Mapping = cause.RFC3398
	case "q1912.5", "q1912_5", "q.1912.5":
		cfg.Correlator.Mapping = cause.Q1912_5
	default:
		return usageError{fmt.Errorf("sip-mapping %q: want rfc3398 or q1912.5", *mapping)}
	}

	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	var events io.Writer
	var calls []*outcome.Call
	var emit func(*outcome.Call)
	var encErr error
	switch *format {
	case "events":
		events = out
	case "jsonl":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		emit = func(c *outcome.Call) {
			if err := enc.Encode(c); err != nil && encErr == nil {
				encErr = err
			}
		}
	case "table":
		emit = func(c *outcome.Call) { calls = append(calls, c) }
	}
	eng, err := engine.New(cfg, log, events, emit)
	if err != nil {
		return err
	}

	showProgress := *progress == "always"
	if *progress == "auto" {
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			showProgress = true
		}
	}
	start := time.Now()
	var failed []string
	notCapture := 0
	for _, path := range fs.Args() {
		if err := replayOne(eng, path, stderr, showProgress); err != nil {
			failed = append(failed, path)
			if errors.Is(err, capture.ErrNotCapture) || errors.Is(err, os.ErrNotExist) {
				notCapture++
			}
			log.Error("replay", "file", path, "err", err)
		}
	}
	eng.Finish()
	elapsed := time.Since(start)
	if *format == "table" {
		writeTable(out, calls)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if encErr != nil {
		return fmt.Errorf("writing output: %w", encErr)
	}
	if !*quiet {
		writeSummary(stderr, eng.Stats(), elapsed)
	}
	if notCapture > 0 {
		return fmt.Errorf("%d of %d files could not be read as captures: %s", notCapture, fs.NArg(), strings.Join(failed, ", "))
	}
	return nil
}

// replayOne replays one file, drawing a progress bar when asked.
func replayOne(eng *engine.Engine, path string, stderr io.Writer, progress bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	var done chan struct{}
	if progress {
		st, err := f.Stat()
		if err == nil && st.Size() > 4<<20 {
			cr := &countingReader{r: f}
			r = cr
			done = make(chan struct{})
			go drawProgress(stderr, path, st.Size(), cr, done)
		}
	}
	err = eng.ReplayFile(path, r)
	if done != nil {
		close(done)
		fmt.Fprint(stderr, "\r\033[K")
	}
	return err
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func drawProgress(w io.Writer, name string, size int64, cr *countingReader, done chan struct{}) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			n := cr.n.Load()
			frac := float64(n) / float64(size)
			const width = 30
			bar := strings.Repeat("=", int(frac*width)) + strings.Repeat(" ", width-int(frac*width))
			fmt.Fprintf(w, "\r%s [%s] %3.0f%% %d/%d MB", name, bar, frac*100, n>>20, size>>20)
		}
	}
}

// writeSummary prints what was read, what failed and what came out.
func writeSummary(w io.Writer, st engine.Stats, elapsed time.Duration) {
	pps := float64(st.Capture.Packets) / elapsed.Seconds()
	fmt.Fprintf(w, "summary: %d files, %d packets, %d bytes in %.3fs (%.0f packets/s)\n",
		st.Files, st.Capture.Packets, st.Capture.Bytes, elapsed.Seconds(), pps)
	fmt.Fprintf(w, "messages:%s\n", kv(st.Messages))
	if len(st.DecodeErrors) > 0 || len(st.Capture.Errors) > 0 {
		all := map[string]uint64{}
		for k, v := range st.DecodeErrors {
			all[k] += v
		}
		for k, v := range st.Capture.Errors {
			all[k] += v
		}
		fmt.Fprintf(w, "decode errors:%s\n", kv(all))
	}
	byOutcome := map[string]uint64{}
	var total uint64
	for k, v := range st.Calls {
		byOutcome[string(k)] = v
		total += v
	}
	fmt.Fprintf(w, "calls: %d:%s\n", total, kv(byOutcome))
	c := st.Correlator
	fmt.Fprintf(w, "correlation: %d sip dialogs, %d isup circuits, %d stitched, %d network events, %d gtp sessions, %d expired open\n",
		c.SIPDialogs, c.ISUPCircuits, c.Stitched, c.NetworkEvents, c.GTPSessions, c.Expired)
}

func kv(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, m[k])
	}
	return b.String()
}

// writeTable prints calls for people.
func writeTable(w io.Writer, calls []*outcome.Call) {
	fmt.Fprintf(w, "%-23s  %-28s  %-15s  %-15s  %-12s  %5s  %4s  %7s  %8s  %s\n",
		"START", "CALL", "CALLING", "CALLED", "OUTCOME", "Q850", "SIP", "PDD", "TALK", "LEGS")
	for _, c := range calls {
		q, s, pdd, talk := "-", "-", "-", "-"
		if c.Q850 != nil {
			q = fmt.Sprint(*c.Q850)
		}
		if c.SIPStatus != nil {
			s = fmt.Sprint(*c.SIPStatus)
		}
		if c.PostDialDelayMS != nil {
			pdd = fmt.Sprintf("%.1fs", float64(*c.PostDialDelayMS)/1000)
		}
		if c.DurationMS != nil {
			talk = fmt.Sprintf("%.1fs", float64(*c.DurationMS)/1000)
		}
		var legs []string
		for _, l := range c.Legs {
			legs = append(legs, string(l.Kind))
		}
		fmt.Fprintf(w, "%-23s  %-28s  %-15s  %-15s  %-12s  %5s  %4s  %7s  %8s  %s\n",
			c.Start.UTC().Format("2006-01-02 15:04:05.000"), clip(c.CallID, 28), clip(c.Calling, 15), clip(c.Called, 15),
			c.Outcome, q, s, pdd, talk, strings.Join(legs, "+"))
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

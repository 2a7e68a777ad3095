package main

import (
	"bufio"
	"bytes"
	"context"
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

	"log/slog"

	"golang.org/x/term"

	"github.com/callsight/callsight/analytics"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/engine"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
)

func cmdReplay(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "jsonl", "output: jsonl (one line per call), events (one line per signaling message) or table")
	store := fs.String("store", envOr("CALLSIGHT_STORE", "embedded"), "where calls and events are stored: embedded[:DIR] (chDB, ./callsight-data), clickhouse://user:pass@host:port/db, or none")
	spoolDir := fs.String("spool-dir", "", spoolDirUsage)
	tenant := fs.String("tenant", "", "tenant label stored with every call")
	campaign := fs.String("campaign", "", "campaign label stored with every call")
	noAudio := fs.Bool("no-audio", false, "skip RTP decoding and audio analysis (signaling only)")
	detector := fs.String("amd", engine.DetectorCallsight, "audio classifier: callsight, or asterisk (Asterisk AMD()'s rules at amd.conf defaults, a baseline to compare with)")
	var tuning audioTuning
	tuning.register(fs)
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
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}

	cfg := engine.DefaultConfig()
	cfg.NoAudio = *noAudio
	tuning.apply(&cfg)
	if err := cfg.AMD.Validate(); err != nil {
		return usageError{err}
	}
	switch d := strings.ToLower(*detector); d {
	case engine.DetectorCallsight, engine.DetectorAsterisk:
		cfg.Detector = d
	default:
		return usageError{fmt.Errorf("amd %q: want %s or %s", *detector, engine.DetectorCallsight, engine.DetectorAsterisk)}
	}
	switch strings.ToLower(*mapping) {
	case "rfc3398":
		cfg.Correlator.Mapping = cause.RFC3398
	case "q1912.5", "q1912_5", "q.1912.5":
		cfg.Correlator.Mapping = cause.Q1912_5
	default:
		return usageError{fmt.Errorf("sip-mapping %q: want rfc3398 or q1912.5", *mapping)}
	}

	storeSet := os.Getenv("CALLSIGHT_STORE") != ""
	fs.Visit(func(f *flag.Flag) { storeSet = storeSet || f.Name == "store" })
	writer, err := openStore(*store, storeSet, *spoolDir, analytics.Labels{Tenant: *tenant, Campaign: *campaign}, log, stderr)
	if err != nil {
		return err
	}

	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	var events io.Writer
	var calls []*outcome.Call
	var emit func(*outcome.Call)
	var encErr, storeErr error
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
	if writer != nil {
		// Every call and every event also goes to the store.
		show := emit
		emit = func(c *outcome.Call) {
			if err := writer.WriteCall(c); err != nil && storeErr == nil {
				storeErr = err
			}
			if show != nil {
				show(c)
			}
		}
		events = &eventStore{w: writer, next: events, err: &storeErr}
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
	if writer != nil {
		// With the store unreachable, Close retries the spool for up to
		// flushWait. Killing replay meanwhile loses nothing (the spool and
		// the write-ahead log stay on disk), which a user who waits is told.
		const flushWait = 2 * time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), flushWait)
		slow := time.AfterFunc(3*time.Second, func() {
			st := writer.Stats()
			if st.SpoolSegments == 0 {
				return // a large last batch, not a store that is down
			}
			log.Warn("still storing: the store does not take the spooled rows yet; retrying before exiting. Interrupting leaves them for the next replay or serve with this spool directory",
				"store", analytics.Redact(*store), "rows_spooled", st.SpooledRows, "segments", st.SpoolSegments, "wait", flushWait)
		})
		err := writer.Close(ctx)
		slow.Stop()
		cancel()
		if err == nil {
			err = storeErr
		}
		st := writer.Stats()
		if err != nil {
			log.Error("store", "store", analytics.Redact(*store), "err", err, "spooled", st.SpooledRows, "dropped", st.DroppedRows)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "store: %s: %d calls, %d events; %d calls and %d events inserted; %d rows spooled for retry, %d in the spool\n", analytics.Redact(*store), st.Calls, st.Events, st.InsertedCalls, st.InsertedEvents, st.SpooledRows, st.SpoolSegments)
		}
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
	if st.AudioLegs > 0 {
		fmt.Fprintf(w, "audio: %d calls with RTP bound by SDP, %d RTP packets analysed, %d other UDP payloads, %d calls not analysed (limit)\n",
			st.AudioLegs, st.RTPPackets, st.UDPOther, st.AudioShed)
	}
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

// spoolDirUsage documents --spool-dir (replay and serve).
const spoolDirUsage = "directory of the store's spool and write-ahead log, one writer at a time (default: DIR/spool for embedded:DIR, ./callsight-spool for a server)"

// openStore opens the call store. The embedded default falls back to no
// store, with a warning that says how to get one, when libchdb.so is not
// installed and --store was not given; an explicit store must work.
func openStore(spec string, explicit bool, spoolDir string, labels analytics.Labels, log *slog.Logger, stderr io.Writer) (*analytics.Writer, error) {
	if spec == "none" {
		return nil, nil
	}
	if !explicit && strings.HasPrefix(spec, "embedded") {
		if _, ok := analytics.LibCHDBAvailable(""); !ok {
			log.Warn("not storing calls: the embedded store needs libchdb.so (run `make libchdb`, set CHDB_LIB_PATH, or pass --store clickhouse://user:pass@host:9000/db); pass --store none to silence this")
			return nil, nil
		}
	}
	cfg := analytics.DefaultConfig()
	cfg.Labels = labels
	cfg.SpoolDir = spoolDir
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := analytics.Open(ctx, spec, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", analytics.Redact(spec), err)
	}
	return w, nil
}

// eventStore parses the engine's event lines into the store and passes
// them on to next (stdout for --format events), when set.
type eventStore struct {
	w    *analytics.Writer
	next io.Writer
	err  *error
	ev   analytics.Event
}

func (s *eventStore) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		s.ev = analytics.Event{}
		if err := json.Unmarshal(line, &s.ev); err != nil {
			continue
		}
		if err := s.w.WriteEvent(&s.ev); err != nil && *s.err == nil {
			*s.err = err
		}
	}
	if s.next != nil {
		return s.next.Write(p)
	}
	return len(p), nil
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

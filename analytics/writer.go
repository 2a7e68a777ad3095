package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/outcome"
)

// DefaultDir is where the embedded store lives unless configured.
const DefaultDir = "callsight-data"

// ErrClosed is returned by a write after Close.
var ErrClosed = errors.New("analytics: writer closed")

// Config configures a Writer.
type Config struct {
	// BatchSize is how many rows an insert carries at most.
	BatchSize int
	// FlushInterval is how long a row waits in memory at most.
	FlushInterval time.Duration
	// Concurrency is the number of inserting goroutines.
	Concurrency int
	// QueueSize bounds the rows waiting for a batch; WriteCall blocks when
	// it is full.
	QueueSize int
	// SpoolDir holds batches that could not be inserted. Empty: DIR/spool
	// for the embedded store, ./callsight-spool for a server.
	SpoolDir string
	// MaxSpoolBytes bounds the spool; a batch that does not fit is dropped
	// and counted.
	MaxSpoolBytes int64
	// RetryMin and RetryMax bound the backoff between spool replays.
	RetryMin, RetryMax time.Duration
	// DialTimeout and QueryTimeout bound server connections and queries.
	DialTimeout, QueryTimeout time.Duration
	// Labels are given to every call written with WriteCall.
	Labels Labels
	// TTLDays expires rows older than this (0: keep forever).
	TTLDays int
	// Cluster, when set, creates the ON CLUSTER schema (see SchemaOptions).
	Cluster string
	// LibCHDB is where libchdb.so is, if not in a standard place.
	LibCHDB string
	// WAL logs every accepted row to SpoolDir/wal before WriteCall returns,
	// so that rows still in memory survive kill -9 (see wal.go): they are
	// replayed by the next Open on the same spool directory.
	WAL bool
	// WALSync is how often the log is fsync'd, which bounds what a power
	// loss (not a process kill) can take: 0 never (the kernel writes it
	// back), < 0 after every row (slow).
	WALSync time.Duration
}

// DefaultConfig returns the defaults: 50 000-row batches flushed at least
// every second by two goroutines, a 1 GiB spool retried between 200 ms and
// 30 s, and a write-ahead log fsync'd every 200 ms.
func DefaultConfig() Config {
	return Config{
		BatchSize:     50000,
		FlushInterval: time.Second,
		Concurrency:   2,
		QueueSize:     100000,
		MaxSpoolBytes: 1 << 30,
		RetryMin:      200 * time.Millisecond,
		RetryMax:      30 * time.Second,
		DialTimeout:   5 * time.Second,
		QueryTimeout:  5 * time.Minute,
		WAL:           true,
		WALSync:       200 * time.Millisecond,
	}
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.BatchSize <= 0:
		return fmt.Errorf("analytics: batch size %d: want > 0", c.BatchSize)
	case c.FlushInterval <= 0:
		return fmt.Errorf("analytics: flush interval %v: want > 0", c.FlushInterval)
	case c.Concurrency <= 0:
		return fmt.Errorf("analytics: concurrency %d: want > 0", c.Concurrency)
	case c.QueueSize < 0:
		return fmt.Errorf("analytics: queue size %d: want >= 0", c.QueueSize)
	case c.MaxSpoolBytes <= 0:
		return fmt.Errorf("analytics: spool bound %d: want > 0", c.MaxSpoolBytes)
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("analytics: retry backoff %v..%v: want 0 < min <= max", c.RetryMin, c.RetryMax)
	}
	return SchemaOptions{Cluster: c.Cluster, TTLDays: c.TTLDays}.Validate()
}

// WriterStats counts what a Writer did.
type WriterStats struct {
	Calls, Events       int64 // accepted by WriteCall / WriteEvent
	InsertedCalls       int64 // inserted into the store (directly or from the spool)
	InsertedEvents      int64
	Batches             int64 // successful inserts
	Failures            int64 // failed inserts (each spooled or retried)
	SpooledRows         int64 // rows written to the spool
	ReplayedRows        int64 // rows inserted from the spool
	DroppedRows         int64 // rows lost: the spool was full or unwritable
	SpoolBytes          int64 // bytes now in the spool
	SpoolSegments       int64 // batches now in the spool
	CorruptSpoolRecords int64 // torn or unreadable spool lines skipped
	WALRecoveredRows    int64 // rows a killed process left in the write-ahead log, replayed by Open
	WALErrors           int64 // rows that could not be logged (they were queued anyway)
	WALBytes            int64 // bytes now in the write-ahead log
	WALSegments         int64 // write-ahead log segments now open
}

// backend is a store: a ClickHouse server or chDB.
type backend interface {
	features() Features
	version() Version
	exec(ctx context.Context, q string) error
	insertCalls(ctx context.Context, rows []CallRow) error
	insertEvents(ctx context.Context, evs []Event) error
	query(ctx context.Context, q string) (*Table, error)
	close() error
}

// Writer stores calls and events. Its methods are safe for concurrent use.
type Writer struct {
	cfg  Config
	log  *slog.Logger
	spec string

	mu      sync.Mutex // guards be and connecting
	be      backend
	connect func(ctx context.Context) (backend, error)

	calls  chan queuedCall
	events chan queuedEvent
	closed atomic.Bool
	wmu    sync.RWMutex // held for reading while sending on the channels

	spool   *spool
	wal     *wal // nil without Config.WAL
	kick    chan struct{}
	stop    chan struct{}
	workers sync.WaitGroup
	replay  sync.WaitGroup

	st struct {
		calls, events, insCalls, insEvents, batches, failures, spooled, replayed, dropped, corrupt atomic.Int64
		walRecovered, walErrors                                                                    atomic.Int64
	}
}

// Open opens the store named by spec and returns a Writer to it, after
// creating the schema and starting to replay any spooled batches.
//
// spec is "none" (calls are counted and dropped), "embedded" or
// "embedded:DIR" (chDB in DIR, ./callsight-data by default), or a
// clickhouse:// DSN. A server that cannot be reached yet is not an error:
// rows are spooled until it answers.
func Open(ctx context.Context, spec string, cfg Config, log *slog.Logger) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{cfg: cfg, log: log, spec: spec,
		calls: make(chan queuedCall, cfg.QueueSize), events: make(chan queuedEvent, cfg.QueueSize),
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
	kind, arg, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "none":
		w.closed.Store(false)
		return w, nil
	case "embedded":
		be, err := openEmbedded(arg, cfg)
		if err != nil {
			return nil, err
		}
		if err := createSchema(ctx, be, cfg); err != nil {
			be.close()
			return nil, err
		}
		w.be = be
		if cfg.SpoolDir == "" {
			cfg.SpoolDir = strings.TrimRight(arg, "/") + "/spool"
		}
	case "clickhouse":
		w.connect = func(ctx context.Context) (backend, error) {
			s, err := openServer(ctx, arg, cfg)
			if err != nil {
				return nil, err
			}
			if err := createSchema(ctx, s, cfg); err != nil {
				s.close()
				return nil, err
			}
			log.Info("analytics: connected", "server", Redact(arg), "version", s.ver.String())
			return s, nil
		}
		if cfg.SpoolDir == "" {
			cfg.SpoolDir = "callsight-spool"
		}
		if be, err := w.connect(ctx); err == nil {
			w.be = be
		} else {
			log.Warn("analytics: server not reachable yet; spooling", "err", err)
		}
	}
	w.cfg = cfg
	sp, err := openSpool(cfg.SpoolDir, cfg.MaxSpoolBytes)
	if err != nil {
		if w.be != nil {
			w.be.close()
		}
		return nil, err
	}
	w.spool = sp
	if cfg.WAL {
		dir := walDirOf(cfg.SpoolDir)
		w.recoverWAL(ctx, dir)
		if w.wal, err = openWAL(dir, cfg.WALSync); err != nil {
			w.closeBackend()
			sp.close()
			return nil, err
		}
	}
	for range cfg.Concurrency {
		w.workers.Add(1)
		go w.work()
	}
	w.replay.Add(1)
	go w.replayLoop()
	return w, nil
}

// parseSpec splits a store spec into its kind and argument.
func parseSpec(spec string) (kind, arg string, err error) {
	switch {
	case spec == "none":
		return "none", "", nil
	case spec == "" || spec == "embedded":
		return "embedded", DefaultDir, nil
	case strings.HasPrefix(spec, "embedded:"):
		dir := strings.TrimPrefix(spec, "embedded:")
		if dir == "" {
			dir = DefaultDir
		}
		return "embedded", dir, nil
	case strings.HasPrefix(spec, "clickhouse://"), strings.HasPrefix(spec, "tcp://"):
		return "clickhouse", spec, nil
	}
	return "", "", fmt.Errorf("analytics: store %q: want none, embedded[:DIR] or clickhouse://user:pass@host:9000/db", Redact(spec))
}

func createSchema(ctx context.Context, be backend, cfg Config) error {
	o := SchemaOptions{Features: be.features(), Cluster: cfg.Cluster, TTLDays: cfg.TTLDays}
	if s, ok := be.(*server); ok && cfg.Cluster != "" {
		o.Database = s.db
	}
	stmts, err := Schema(o)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if err := be.exec(ctx, s); err != nil {
			return fmt.Errorf("analytics: creating schema: %w", err)
		}
	}
	return nil
}

// backend returns the connected store, connecting to a server if needed.
func (w *Writer) backend(ctx context.Context) (backend, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.be != nil {
		return w.be, nil
	}
	if w.connect == nil {
		return nil, errors.New("analytics: no store")
	}
	be, err := w.connect(ctx)
	if err != nil {
		return nil, err
	}
	w.be = be
	return be, nil
}

// WriteCall queues c, with the writer's labels, for the store. It copies
// what it needs from c before returning and blocks only when the queue is
// full.
func (w *Writer) WriteCall(c *outcome.Call) error {
	return w.WriteRow(NewCallRow(c, w.cfg.Labels, MediaStatsOf(c.Audio)))
}

// MediaStatsOf flattens a call's audio analysis into its media columns.
func MediaStatsOf(a *outcome.Audio) MediaStats {
	if a == nil {
		return MediaStats{}
	}
	pk := uint32(min(a.Packets, 1<<32-1))
	var loss float32
	if n := a.Packets + a.Lost; n > 0 {
		loss = float32(100 * float64(a.Lost) / float64(n))
	}
	jit := float32(a.JitterMS)
	conf := float32(a.Confidence)
	return MediaStats{Codec: a.Codec, Packets: &pk, LossPct: &loss, JitterMS: &jit, AMDClass: a.Class, AMDConfid: &conf}
}

// queuedCall is a call row on its way to a batch, with the write-ahead
// log segment to acknowledge once it is inserted or spooled.
type queuedCall struct {
	r   CallRow
	seg *walSeg
}

// queuedEvent is an event on its way to a batch.
type queuedEvent struct {
	e   Event
	seg *walSeg
}

// WriteRow queues a prepared call row for the store. With Config.WAL the
// row is in the write-ahead log when WriteRow returns; when it cannot be
// logged it is queued anyway and the error is returned.
func (w *Writer) WriteRow(r CallRow) error {
	w.wmu.RLock()
	defer w.wmu.RUnlock()
	if w.closed.Load() {
		return ErrClosed
	}
	w.st.calls.Add(1)
	if w.spool == nil {
		return nil
	}
	var seg *walSeg
	var err error
	if w.wal != nil {
		if seg, err = w.wal.appendCall(&r); err != nil {
			w.st.walErrors.Add(1)
		}
	}
	w.calls <- queuedCall{r, seg}
	return err
}

// WriteEvent queues one signaling event for the store, logged like
// WriteRow's rows.
func (w *Writer) WriteEvent(e *Event) error {
	w.wmu.RLock()
	defer w.wmu.RUnlock()
	if w.closed.Load() {
		return ErrClosed
	}
	w.st.events.Add(1)
	if w.spool == nil {
		return nil
	}
	var seg *walSeg
	var err error
	if w.wal != nil {
		if seg, err = w.wal.appendEvent(e); err != nil {
			w.st.walErrors.Add(1)
		}
	}
	w.events <- queuedEvent{*e, seg}
	return err
}

// work batches rows from the queues and inserts them.
func (w *Writer) work() {
	defer w.workers.Done()
	calls, events := w.calls, w.events
	// The batches are allocated at their full size on first use: they are
	// reused from batch to batch, and growing a slice of 100 000 rows by
	// appending copies it a dozen times.
	var cb []CallRow
	var eb []Event
	var ca, ea []walAck // the log segments of cb's and eb's rows
	t := time.NewTicker(w.cfg.FlushInterval)
	defer t.Stop()
	for calls != nil || events != nil {
		select {
		case q, ok := <-calls:
			if !ok {
				calls = nil
				continue
			}
			if cb == nil {
				cb = make([]CallRow, 0, w.cfg.BatchSize)
			}
			cb = append(cb, q.r)
			ca = addAck(ca, q.seg)
			if len(cb) >= w.cfg.BatchSize {
				w.flush(cb, nil)
				w.wal.ack(ca)
				cb, ca = cb[:0], ca[:0]
			}
		case q, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if eb == nil {
				eb = make([]Event, 0, w.cfg.BatchSize)
			}
			eb = append(eb, q.e)
			ea = addAck(ea, q.seg)
			if len(eb) >= w.cfg.BatchSize {
				w.flush(nil, eb)
				w.wal.ack(ea)
				eb, ea = eb[:0], ea[:0]
			}
		case <-t.C:
			if len(cb) > 0 || len(eb) > 0 {
				w.flush(cb, eb)
				w.wal.ack(ca)
				w.wal.ack(ea)
				cb, eb, ca, ea = cb[:0], eb[:0], ca[:0], ea[:0]
			}
		}
	}
	if len(cb) > 0 || len(eb) > 0 {
		w.flush(cb, eb)
		w.wal.ack(ca)
		w.wal.ack(ea)
	}
}

// flush inserts one batch; a batch that fails goes to the spool whole. A
// clickhouse-go batch cannot be sent twice, so every attempt builds a new
// one from the rows.
func (w *Writer) flush(cb []CallRow, eb []Event) {
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.QueryTimeout)
	defer cancel()
	err := w.insert(ctx, cb, eb)
	if err == nil {
		return
	}
	w.st.failures.Add(1)
	w.log.Warn("analytics: insert failed; spooling", "calls", len(cb), "events", len(eb), "err", err)
	w.toSpool(cb, eb)
}

func (w *Writer) insert(ctx context.Context, cb []CallRow, eb []Event) error {
	be, err := w.backend(ctx)
	if err != nil {
		return err
	}
	if len(cb) > 0 {
		if err := be.insertCalls(ctx, cb); err != nil {
			w.dropIfBroken(be, err)
			return err
		}
		w.st.insCalls.Add(int64(len(cb)))
		w.st.batches.Add(1)
	}
	if len(eb) > 0 {
		if err := be.insertEvents(ctx, eb); err != nil {
			w.dropIfBroken(be, err)
			return err
		}
		w.st.insEvents.Add(int64(len(eb)))
		w.st.batches.Add(1)
	}
	return nil
}

// dropIfBroken forgets a server connection after a failure, so the next
// attempt reconnects (and re-creates the schema if the server lost it).
func (w *Writer) dropIfBroken(be backend, err error) {
	if _, ok := be.(*server); !ok {
		return
	}
	w.mu.Lock()
	if w.be == be {
		w.be = nil
		go be.close()
	}
	w.mu.Unlock()
}

func (w *Writer) toSpool(cb []CallRow, eb []Event) {
	n := int64(len(cb) + len(eb))
	if err := w.spool.write(cb, eb); err != nil {
		w.st.dropped.Add(n)
		w.log.Error("analytics: rows dropped: spool", "rows", n, "err", err)
		return
	}
	w.st.spooled.Add(n)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// replayLoop inserts spooled batches, oldest first, backing off while the
// store fails.
func (w *Writer) replayLoop() {
	defer w.replay.Done()
	delay := w.cfg.RetryMin
	for {
		ok := w.replayOnce()
		if ok {
			delay = w.cfg.RetryMin
		} else {
			delay = min(delay*2, w.cfg.RetryMax)
		}
		wait := delay
		if ok {
			wait = w.cfg.RetryMax
		}
		select {
		case <-w.stop:
			return
		case <-w.kick:
			if !ok {
				select {
				case <-w.stop:
					return
				case <-time.After(delay):
				}
			}
		case <-time.After(wait):
		}
	}
}

// replayOnce tries every spooled segment; it reports false when one failed.
func (w *Writer) replayOnce() bool {
	for _, seg := range w.spool.segments() {
		cb, eb, bad, err := w.spool.read(seg)
		if err != nil {
			w.log.Error("analytics: reading spool", "segment", seg, "err", err)
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.QueryTimeout)
		err = w.insertChunked(ctx, cb, eb)
		cancel()
		if err != nil {
			w.st.failures.Add(1)
			w.log.Debug("analytics: spool replay failed", "segment", seg, "err", err)
			return false
		}
		w.st.corrupt.Add(int64(bad))
		w.st.replayed.Add(int64(len(cb) + len(eb)))
		if err := w.spool.remove(seg); err != nil {
			w.log.Error("analytics: removing spool segment", "segment", seg, "err", err)
			return false
		}
	}
	return true
}

func (w *Writer) insertChunked(ctx context.Context, cb []CallRow, eb []Event) error {
	for len(cb) > 0 || len(eb) > 0 {
		nc, ne := min(len(cb), w.cfg.BatchSize), min(len(eb), w.cfg.BatchSize)
		if err := w.insert(ctx, cb[:nc], eb[:ne]); err != nil {
			return err
		}
		cb, eb = cb[nc:], eb[ne:]
	}
	return nil
}

// Close stops accepting rows, inserts what is queued (spooling what
// fails), and tries the spool until it is empty or ctx ends; rows left in
// the spool are replayed by the next Open on the same spool directory.
func (w *Writer) Close(ctx context.Context) error {
	w.wmu.Lock()
	if w.closed.Swap(true) {
		w.wmu.Unlock()
		return nil
	}
	close(w.calls)
	close(w.events)
	w.wmu.Unlock()
	if w.spool == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { w.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("analytics: close: %w", ctx.Err())
	}
	close(w.stop)
	w.replay.Wait()
	// Every queued row is inserted or spooled: the log is done with.
	w.wal.close()
	// Last chance for the spool, bounded by ctx: what stays is replayed by
	// the next Open, which the spool's lock is then free for.
	defer w.spool.close()
	defer w.closeBackend()
	delay := w.cfg.RetryMin
	for len(w.spool.segments()) > 0 {
		if w.replayOnce() {
			break
		}
		select {
		case <-ctx.Done():
			w.log.Warn("analytics: closing with rows in the spool; they are replayed on the next start",
				"segments", len(w.spool.segments()))
			return nil
		case <-time.After(delay):
			delay = min(delay*2, w.cfg.RetryMax)
		}
	}
	return nil
}

func (w *Writer) closeBackend() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.be != nil {
		w.be.close()
		w.be = nil
	}
}

// Stats returns the writer's counters.
func (w *Writer) Stats() WriterStats {
	s := WriterStats{
		Calls: w.st.calls.Load(), Events: w.st.events.Load(),
		InsertedCalls: w.st.insCalls.Load(), InsertedEvents: w.st.insEvents.Load(),
		Batches: w.st.batches.Load(), Failures: w.st.failures.Load(),
		SpooledRows: w.st.spooled.Load(), ReplayedRows: w.st.replayed.Load(),
		DroppedRows: w.st.dropped.Load(), CorruptSpoolRecords: w.st.corrupt.Load(),
	}
	if w.spool != nil {
		s.SpoolBytes, s.SpoolSegments = w.spool.size()
	}
	s.WALRecoveredRows, s.WALErrors = w.st.walRecovered.Load(), w.st.walErrors.Load()
	if w.wal != nil {
		s.WALBytes, s.WALSegments = w.wal.size()
	}
	return s
}

// recoverWAL replays the log segments a killed process left in dir, oldest
// first: into the store, or into the spool once the store fails. A
// segment is deleted once its rows are in one or the other; one that
// neither takes stays for the next Open.
func (w *Writer) recoverWAL(ctx context.Context, dir string) {
	names, _, err := walSegments(dir)
	if err != nil {
		w.log.Error("analytics: reading the write-ahead log", "dir", dir, "err", err)
		return
	}
	storeOK := true
	for _, n := range names {
		path := filepath.Join(dir, n)
		cb, eb, bad, err := readWAL(path)
		if err != nil {
			w.log.Error("analytics: reading the write-ahead log", "segment", path, "err", err)
			continue
		}
		w.st.corrupt.Add(int64(bad))
		rows := int64(len(cb) + len(eb))
		if storeOK && rows > 0 {
			ictx, cancel := context.WithTimeout(ctx, w.cfg.QueryTimeout)
			err = w.insertChunked(ictx, cb, eb)
			cancel()
			if err != nil {
				storeOK = false
				w.st.failures.Add(1)
				w.log.Warn("analytics: write-ahead log replay failed; spooling it", "segment", path, "err", err)
			}
		}
		if !storeOK && rows > 0 {
			if err := w.spool.write(cb, eb); err != nil {
				w.log.Error("analytics: write-ahead log kept: spool", "segment", path, "rows", rows, "err", err)
				continue
			}
			w.st.spooled.Add(rows)
		}
		w.st.walRecovered.Add(rows)
		if err := os.Remove(path); err != nil {
			w.log.Error("analytics: removing a replayed write-ahead log segment", "segment", path, "err", err)
		}
	}
	if len(names) > 0 {
		syncDir(dir)
		w.log.Info("analytics: write-ahead log replayed", "segments", len(names), "rows", w.st.walRecovered.Load())
	}
}

package signaling

import (
	"container/heap"
	"errors"
	"fmt"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
)

// Config configures a Correlator.
type Config struct {
	// Mapping is the SIP status to Q.850 mapping used when a call carries
	// no raw cause (RFC 3398 by default; Q.1912.5 maps 480 to 20).
	Mapping cause.Profile
	// StitchWindow is how far apart the setups of a SIP leg and an ISUP leg
	// may be to be stitched into one call.
	StitchWindow time.Duration
	// SetupTimeout closes a leg that was never answered and has seen no
	// message for this long (capture time).
	SetupTimeout time.Duration
	// CallTimeout closes an answered leg that has seen no message for this
	// long.
	CallTimeout time.Duration
	// GTPWindow is how long a GTP detach counts as evidence for calls to
	// that MSISDN.
	GTPWindow time.Duration
	// MaxLegs bounds the legs held at once; beyond it the oldest idle legs
	// are closed early and counted.
	MaxLegs int
	// EmitWhenReady emits each call as soon as it is finished and its
	// stitch window has passed. By default calls are emitted in start
	// order (replay's output is sorted by start), which holds a finished
	// call back while any call that started before it is still open: live
	// service sets this so that one long call does not delay every later
	// one.
	EmitWhenReady bool
}

// DefaultConfig returns the configuration used by replay.
func DefaultConfig() Config {
	return Config{
		Mapping:      cause.RFC3398,
		StitchWindow: 10 * time.Second,
		SetupTimeout: 5 * time.Minute,
		CallTimeout:  4 * time.Hour,
		GTPWindow:    24 * time.Hour,
		MaxLegs:      1 << 20,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.StitchWindow < 0 {
		errs = append(errs, fmt.Errorf("signaling: stitch window %v is negative", c.StitchWindow))
	}
	if c.SetupTimeout <= 0 || c.CallTimeout <= 0 {
		errs = append(errs, errors.New("signaling: setup and call timeouts must be positive"))
	}
	if c.MaxLegs <= 0 {
		errs = append(errs, errors.New("signaling: max legs must be positive"))
	}
	if c.Mapping != cause.RFC3398 && c.Mapping != cause.Q1912_5 {
		errs = append(errs, fmt.Errorf("signaling: unknown mapping profile %d", c.Mapping))
	}
	return errors.Join(errs...)
}

// Stats counts what the Correlator did.
type Stats struct {
	Calls         uint64
	SIPDialogs    uint64
	ISUPCircuits  uint64
	Stitched      uint64
	NetworkEvents uint64
	Expired       uint64
	Shed          uint64
	GTPSessions   uint64
}

// Correlator turns decoded signaling into calls. Feed it messages in capture
// order; it hands each finished call to the emit function, in order of the
// calls' start times. It is not safe for concurrent use: each worker owns
// one.
type Correlator struct {
	cfg  Config
	emit func(*outcome.Call)

	circuits map[circuitKey]*leg
	dialogs  map[string]*leg
	byCalled map[string][]*leg // recent legs by the last digits of the called number
	open     map[*call]struct{}
	ready    callHeap
	gtp      gtpState

	now       time.Time
	lastSweep time.Time
	seq       uint64
	legs      int
	stats     Stats
}

// New returns a Correlator that hands finished calls to emit.
func New(cfg Config, emit func(*outcome.Call)) (*Correlator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Correlator{
		cfg:      cfg,
		emit:     emit,
		circuits: make(map[circuitKey]*leg),
		dialogs:  make(map[string]*leg),
		byCalled: make(map[string][]*leg),
		open:     make(map[*call]struct{}),
		gtp:      newGTPState(),
	}, nil
}

// Stats returns what the Correlator has counted so far.
func (c *Correlator) Stats() Stats { return c.stats }

// Advance moves the capture clock to now: legs idle past their timeouts are
// closed and calls that can no longer change are emitted.
func (c *Correlator) Advance(now time.Time) {
	if now.After(c.now) {
		c.now = now
	}
	if c.now.Sub(c.lastSweep) < time.Second {
		return
	}
	c.lastSweep = c.now
	c.sweep(false)
}

// Flush closes every open leg, as at the end of a capture, and emits every
// call.
func (c *Correlator) Flush() {
	c.sweep(true)
}

func (c *Correlator) touch(at time.Time) {
	if at.After(c.now) {
		c.now = at
	}
}

// newCall makes a call holding l and indexes l for stitching.
func (c *Correlator) newCall(l *leg) {
	c.seq++
	cl := &call{legs: []*leg{l}, start: l.start, seq: c.seq}
	l.call = cl
	c.open[cl] = struct{}{}
	c.legs++
	if c.legs > c.cfg.MaxLegs {
		c.shed()
	}
}

func (c *Correlator) indexCalled(l *leg) {
	k := stitchKey(l.normCalled)
	if k == "" {
		return
	}
	c.byCalled[k] = append(c.byCalled[k], l)
}

// stitch attaches l to an open call whose other-kind leg dialed the same
// number within the stitch window, and reports whether it did.
func (c *Correlator) stitch(l *leg) bool {
	k := stitchKey(l.normCalled)
	if k == "" {
		return false
	}
	var best *leg
	var bestD time.Duration
	for _, o := range c.byCalled[k] {
		if o.call == nil || o == l || sameFamily(o.kind, l.kind) || hasFamily(o.call, l.kind) {
			continue
		}
		d := l.start.Sub(o.start)
		if d < 0 {
			d = -d
		}
		if d > c.cfg.StitchWindow || !suffixMatch(o.normCalled, l.normCalled) {
			continue
		}
		if !identityMatch(o.sipIIdentity, l.sipIIdentity) {
			continue
		}
		if best == nil || d < bestD {
			best, bestD = o, d
		}
	}
	if best == nil {
		return false
	}
	cl := best.call
	cl.legs = append(cl.legs, l)
	l.call = cl
	if l.start.Before(cl.start) {
		cl.start = l.start
	}
	c.legs++
	c.stats.Stitched++
	l.addEvidence(l.start, outcome.SrcRule, "stitched with %s leg %s by called number %s", best.kind, best.describe(), l.normCalled)
	return true
}

func (l *leg) describe() string {
	if l.hasCircuit {
		return fmt.Sprintf("opc=%d dpc=%d cic=%d", l.opc, l.dpc, l.cic)
	}
	return "call-id " + l.callID
}

func sameFamily(a, b outcome.LegKind) bool {
	return (a == outcome.LegISUP) == (b == outcome.LegISUP)
}

func hasFamily(cl *call, k outcome.LegKind) bool {
	for _, l := range cl.legs {
		if sameFamily(l.kind, k) {
			return true
		}
	}
	return false
}

// sweep closes idle legs and emits every finished call that can no longer
// be joined by another leg. With all set, everything is closed and emitted.
func (c *Correlator) sweep(all bool) {
	for k, l := range c.circuits {
		if all || c.idle(l) {
			c.expire(l)
			delete(c.circuits, k)
		} else if l.done {
			delete(c.circuits, k)
		}
	}
	for k, l := range c.dialogs {
		if all || c.idle(l) {
			c.expire(l)
			delete(c.dialogs, k)
		} else if l.done && l.call == nil && c.now.Sub(l.end) > 32*time.Second {
			// Finished dialogs stay a little after their call was emitted to
			// absorb retransmissions (RFC 3261 Timer H is 32 s).
			delete(c.dialogs, k)
		}
	}
	for k, ls := range c.byCalled {
		keep := ls[:0]
		for _, l := range ls {
			if !all && c.now.Sub(l.start) <= c.cfg.StitchWindow && l.call != nil {
				keep = append(keep, l)
			}
		}
		if len(keep) == 0 {
			delete(c.byCalled, k)
		} else {
			c.byCalled[k] = keep
		}
	}
	// Finished calls whose stitch window has passed are ready.
	var watermark time.Time
	for cl := range c.open {
		if all || (cl.done() && c.now.After(c.readyAt(cl))) {
			delete(c.open, cl)
			heap.Push(&c.ready, cl)
			continue
		}
		if watermark.IsZero() || cl.start.Before(watermark) {
			watermark = cl.start
		}
	}
	if watermark.IsZero() || all {
		watermark = c.now.Add(time.Nanosecond)
		if all {
			watermark = time.Unix(1<<40, 0)
		}
	}
	if c.cfg.EmitWhenReady {
		watermark = time.Unix(1<<40, 0)
	}
	// Emit in start order: a ready call is emitted once no open call can
	// start before it.
	for c.ready.Len() > 0 && c.ready[0].start.Before(watermark) {
		cl := heap.Pop(&c.ready).(*call)
		c.legs -= len(cl.legs)
		for _, l := range cl.legs {
			l.call = nil
		}
		c.stats.Calls++
		c.emit(c.decide(cl))
	}
}

func (c *Correlator) idle(l *leg) bool {
	if l.done {
		return false
	}
	if !l.answer.IsZero() {
		return c.now.Sub(l.lastSeen) > c.cfg.CallTimeout
	}
	return c.now.Sub(l.lastSeen) > c.cfg.SetupTimeout
}

// expire closes a leg that is still open when it times out or the capture
// ends: its end stays unknown.
func (c *Correlator) expire(l *leg) {
	if l.done {
		return
	}
	l.done = true
	c.stats.Expired++
	l.addEvidence(l.lastSeen, outcome.SrcRule, "leg still open when the capture ended or timed out")
}

// shed closes the oldest open legs when more than MaxLegs are held, so a
// flood cannot exhaust memory.
func (c *Correlator) shed() {
	var oldest *leg
	for _, l := range c.dialogs {
		if !l.done && (oldest == nil || l.lastSeen.Before(oldest.lastSeen)) {
			oldest = l
		}
	}
	for _, l := range c.circuits {
		if !l.done && (oldest == nil || l.lastSeen.Before(oldest.lastSeen)) {
			oldest = l
		}
	}
	if oldest != nil {
		c.expire(oldest)
		c.stats.Shed++
	}
}

// callHeap orders ready calls by start time, then creation order.
type callHeap []*call

func (h callHeap) Len() int { return len(h) }
func (h callHeap) Less(i, j int) bool {
	if !h[i].start.Equal(h[j].start) {
		return h[i].start.Before(h[j].start)
	}
	return h[i].seq < h[j].seq
}
func (h callHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *callHeap) Push(x any)   { *h = append(*h, x.(*call)) }
func (h *callHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return x
}

// stitchKey is the index key for a normalised called number: its last
// seven digits, or nothing when it is too short to stitch on safely.
func stitchKey(d string) string {
	if len(d) < 7 {
		return ""
	}
	return d[len(d)-7:]
}

// suffixMatch reports whether two called numbers are the same subscriber
// written with and without country or trunk prefixes.
func suffixMatch(a, b string) bool {
	n := min(len(a), len(b))
	if n < 7 {
		return false
	}
	return a[len(a)-n:] == b[len(b)-n:]
}

// authGrace is how long a call that ended on an authentication challenge
// (401, 407) waits for the INVITE with credentials that continues it.
const authGrace = 64 * time.Second

// readyAt is when a finished call can no longer change: no other leg can be
// stitched to it and no challenged INVITE can resume it.
func (c *Correlator) readyAt(cl *call) time.Time {
	t := cl.start.Add(c.cfg.StitchWindow)
	for _, l := range cl.legs {
		if l.sipStatus == 401 || l.sipStatus == 407 {
			t = latest(t, l.end.Add(authGrace))
		}
	}
	return t
}

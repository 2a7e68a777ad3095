// Package metrics is a tiny registry of counters, gauges and histograms
// written in the Prometheus text exposition format (version 0.0.4). It
// exists so that callsight needs no Prometheus client module: the service
// exposes a few dozen series, all without per-call labels.
//
// Names follow callsight_<area>_<what>_<unit>, for example
// callsight_capture_packets_total or callsight_api_request_duration_seconds.
// Every metric is safe for concurrent use; updating one takes no lock.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metrics and writes them in name order.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]metric
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{metrics: map[string]metric{}} }

type metric interface {
	write(w *bufio.Writer, name string)
	help() (help, typ string)
}

var nameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// register adds m under name; it panics on a bad or duplicate name, which is
// a programming error found by the first test run, never by input.
func (r *Registry) register(name string, m metric) {
	if !nameRE.MatchString(name) {
		panic("metrics: invalid metric name " + strconv.Quote(name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic("metrics: duplicate metric " + name)
	}
	r.metrics[name] = m
}

// Counter is a monotonically increasing count.
type Counter struct {
	v    atomic.Uint64
	text string
}

// NewCounter registers and returns a counter.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := &Counter{text: help}
	r.register(name, c)
	return c
}

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Value returns the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) help() (string, string) { return c.text, "counter" }
func (c *Counter) write(w *bufio.Writer, name string) {
	fmt.Fprintf(w, "%s %d\n", name, c.v.Load())
}

// Gauge is a value that goes up and down.
type Gauge struct {
	bits atomic.Uint64
	text string
}

// NewGauge registers and returns a gauge.
func (r *Registry) NewGauge(name, help string) *Gauge {
	g := &Gauge{text: help}
	r.register(name, g)
	return g
}

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds d (which may be negative).
func (g *Gauge) Add(d float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Value returns the value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

func (g *Gauge) help() (string, string) { return g.text, "gauge" }
func (g *Gauge) write(w *bufio.Writer, name string) {
	fmt.Fprintf(w, "%s %s\n", name, formatFloat(g.Value()))
}

// funcMetric reads its value when scraped: for counts another component
// keeps (the engine's packet counters, a queue's depth).
type funcMetric struct {
	fn   func() float64
	text string
	typ  string
}

// NewGaugeFunc registers a gauge whose value is fn() at scrape time. fn
// must be safe to call from any goroutine.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.register(name, &funcMetric{fn: fn, text: help, typ: "gauge"})
}

// NewCounterFunc registers a counter whose value is fn() at scrape time.
// fn must be safe to call from any goroutine and never decrease.
func (r *Registry) NewCounterFunc(name, help string, fn func() float64) {
	r.register(name, &funcMetric{fn: fn, text: help, typ: "counter"})
}

// NewCounterFuncVec registers a counter with one label whose series are
// the given values: the series value is fn(i) for values[i] at scrape time.
// fn must be safe to call from any goroutine and never decrease. It is for
// a few fixed values (protocol versions), never per-call labels.
func (r *Registry) NewCounterFuncVec(name, help, label string, values []string, fn func(i int) float64) {
	if !nameRE.MatchString(label) {
		panic("metrics: invalid label name " + strconv.Quote(label))
	}
	r.register(name, &funcVec{label: label, values: values, fn: fn, text: help})
}

type funcVec struct {
	label  string
	values []string
	fn     func(int) float64
	text   string
}

func (f *funcVec) help() (string, string) { return f.text, "counter" }
func (f *funcVec) write(w *bufio.Writer, name string) {
	for i, v := range f.values {
		fmt.Fprintf(w, "%s{%s=%s} %s\n", name, f.label, strconv.Quote(v), formatFloat(f.fn(i)))
	}
}

func (f *funcMetric) help() (string, string) { return f.text, f.typ }
func (f *funcMetric) write(w *bufio.Writer, name string) {
	fmt.Fprintf(w, "%s %s\n", name, formatFloat(f.fn()))
}

// Histogram counts observations in cumulative buckets.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // one per bound, plus +Inf
	sum    atomic.Uint64   // float64 bits
	text   string
}

// NewHistogram registers a histogram with the given upper bounds, which
// must be sorted ascending (+Inf is implicit).
func (r *Registry) NewHistogram(name, help string, bounds []float64) *Histogram {
	if !sort.Float64sAreSorted(bounds) {
		panic("metrics: histogram bounds of " + name + " are not sorted")
	}
	h := &Histogram{bounds: append([]float64(nil), bounds...), counts: make([]atomic.Uint64, len(bounds)+1), text: help}
	r.register(name, h)
	return h
}

// LatencyBuckets are bounds in seconds from 0.5 ms to 10 s.
var LatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

func (h *Histogram) help() (string, string) { return h.text, "histogram" }
func (h *Histogram) write(w *bufio.Writer, name string) {
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{le=\"%s\"} %d\n", name, formatFloat(b), cum)
	}
	cum += h.counts[len(h.bounds)].Load()
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n", name, cum)
	fmt.Fprintf(w, "%s_sum %s\n", name, formatFloat(math.Float64frombits(h.sum.Load())))
	fmt.Fprintf(w, "%s_count %d\n", name, cum)
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// WriteTo writes every metric in the text exposition format, sorted by name.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	names := make([]string, 0, len(r.metrics))
	for n := range r.metrics {
		names = append(names, n)
	}
	ms := make([]metric, len(names))
	sort.Strings(names)
	for i, n := range names {
		ms[i] = r.metrics[n]
	}
	r.mu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	for i, n := range names {
		help, typ := ms[i].help()
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", n, escapeHelp(help), n, typ)
		ms[i].write(bw, n)
	}
	err := bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ContentType is the media type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// ServeHTTP writes the registry as a scrape response.
func (r *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", ContentType)
	_, _ = r.WriteTo(w)
}

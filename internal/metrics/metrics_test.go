package metrics

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("callsight_capture_packets_total", "Packets read.")
	g := r.NewGauge("callsight_engine_active_calls", "Calls open.")
	h := r.NewHistogram("callsight_api_request_duration_seconds", "API latency.\nline two", []float64{0.001, 0.01})
	r.NewGaugeFunc("callsight_store_spool_depth_bytes", "Spool.", func() float64 { return 42 })
	r.NewCounterFuncVec("callsight_hep_packets_by_version_total", "HEP packets by version.", "version", []string{"1", "2", "3"},
		func(i int) float64 { return float64(10 * i) })
	c.Add(3)
	c.Inc()
	g.Set(7)
	g.Add(-2.5)
	h.Observe(0.0005)
	h.Observe(0.001)
	h.Observe(0.5)
	var sb strings.Builder
	if _, err := r.WriteTo(&sb); err != nil {
		t.Fatal(err)
	}
	want := `# HELP callsight_api_request_duration_seconds API latency.\nline two
# TYPE callsight_api_request_duration_seconds histogram
callsight_api_request_duration_seconds_bucket{le="0.001"} 2
callsight_api_request_duration_seconds_bucket{le="0.01"} 2
callsight_api_request_duration_seconds_bucket{le="+Inf"} 3
callsight_api_request_duration_seconds_sum 0.5015
callsight_api_request_duration_seconds_count 3
# HELP callsight_capture_packets_total Packets read.
# TYPE callsight_capture_packets_total counter
callsight_capture_packets_total 4
# HELP callsight_engine_active_calls Calls open.
# TYPE callsight_engine_active_calls gauge
callsight_engine_active_calls 4.5
# HELP callsight_hep_packets_by_version_total HEP packets by version.
# TYPE callsight_hep_packets_by_version_total counter
callsight_hep_packets_by_version_total{version="1"} 0
callsight_hep_packets_by_version_total{version="2"} 10
callsight_hep_packets_by_version_total{version="3"} 20
# HELP callsight_store_spool_depth_bytes Spool.
# TYPE callsight_store_spool_depth_bytes gauge
callsight_store_spool_depth_bytes 42
`
	if got := sb.String(); got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q, want %q", ct, ContentType)
	}
}

func TestRegisterPanics(t *testing.T) {
	for _, name := range []string{"bad name", "dup"} {
		r := NewRegistry()
		r.NewCounter("dup", "")
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %q did not panic", name)
				}
			}()
			r.NewCounter(name, "")
		}()
	}
}

func TestConcurrent(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("c_total", "")
	h := r.NewHistogram("h_seconds", "", LatencyBuckets)
	g := r.NewGauge("g", "")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.Inc()
				h.Observe(0.002)
				g.Add(1)
			}
		}()
	}
	wg.Wait()
	if c.Value() != 4000 || h.Count() != 4000 || g.Value() != 4000 {
		t.Errorf("counter %d, histogram %d, gauge %v; want 4000 each", c.Value(), h.Count(), g.Value())
	}
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := NewRegistry().NewHistogram("h_seconds", "", LatencyBuckets)
	b.ReportAllocs()
	for b.Loop() {
		h.Observe(0.003)
	}
}

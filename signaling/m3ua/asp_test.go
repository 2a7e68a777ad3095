package m3ua

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func validASP() ASPConfig {
	c := DefaultASPConfig()
	c.Remote = []string{"192.0.2.1:2905", "192.0.2.2:2905"}
	c.Local = []string{"0.0.0.0:0"}
	c.AS, c.RoutingContexts = "as1", []uint32{100}
	c.PointCode, c.PeerPointCode = 1201, 1202
	return c
}

func TestASPConfigValidate(t *testing.T) {
	if err := validASP().Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*ASPConfig)
	}{
		{"no remote", func(c *ASPConfig) { c.Remote = nil }},
		{"remote port 0", func(c *ASPConfig) { c.Remote = []string{"192.0.2.1:0"} }},
		{"hostname", func(c *ASPConfig) { c.Remote = []string{"sg.example:2905"} }},
		{"no port", func(c *ASPConfig) { c.Remote = []string{"192.0.2.1"} }},
		{"bad local", func(c *ASPConfig) { c.Local = []string{"x"} }},
		{"traffic mode", func(c *ASPConfig) { c.TrafficMode = 4 }},
		{"point code", func(c *ASPConfig) { c.PointCode = 0 }},
		{"peer point code", func(c *ASPConfig) { c.PeerPointCode = 1 << 24 }},
		{"ni", func(c *ASPConfig) { c.NetworkIndicator = 4 }},
		{"heartbeat", func(c *ASPConfig) { c.Heartbeat = -1 }},
		{"dial timeout", func(c *ASPConfig) { c.DialTimeout = 0 }},
	}
	for _, tt := range tests {
		c := validASP()
		tt.mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want an error", tt.name)
		} else if !strings.HasPrefix(err.Error(), "m3ua: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
	if _, err := NewASP(validASP(), nil); err == nil {
		t.Error("NewASP without a clock: no error")
	}
}

// TestASPRunWithoutSCTP: on a host without kernel SCTP (these machines),
// Run fails at once with an error that says so and how to fix it.
func TestASPRunWithoutSCTP(t *testing.T) {
	if SCTPAvailable() == nil {
		t.Skip("this host has SCTP: the failure path cannot be shown")
	}
	a, err := NewASP(validASP(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err = a.Run(ctx, func(*ASPData) { t.Error("data without an association") })
	if !errors.Is(err, ErrSCTPUnavailable) {
		t.Fatalf("Run() = %v, want ErrSCTPUnavailable", err)
	}
	msg := err.Error()
	for _, want := range []string{"SCTP is unavailable", "modprobe sctp"} {
		if !strings.Contains(msg, want) && !strings.Contains(msg, "security policy") {
			t.Errorf("Run() error %q does not say %q", msg, want)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run took %v to fail, want at once", d)
	}
	t.Logf("Run() = %v", err)
}

// TestAppendDATA: the re-encoded DATA message decodes to the payload and
// routing label it was built from.
func TestAppendDATA(t *testing.T) {
	payload := []byte{0x01, 0x00, 0x06, 0x0a} // an ISUP fragment: CIC 1, REL...
	b := appendDATA(nil, []uint32{100}, 1202, 1201, SIISUP, 2, payload)
	var m Message
	if err := m.Decode(b); err != nil {
		t.Fatalf("Decode(%x): %v", b, err)
	}
	if !m.Data || m.OPC != 1202 || m.DPC != 1201 || m.SI != SIISUP || m.NI != 2 || string(m.Payload) != string(payload) || len(b)%4 != 0 {
		t.Errorf("Decode(%x) = data %v opc %d dpc %d si %v ni %d payload %x", b, m.Data, m.OPC, m.DPC, m.SI, m.NI, m.Payload)
	}
}

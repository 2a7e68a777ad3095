package capture

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// rtpFrame is an Ethernet/IPv4/UDP frame with a 172-byte RTP-sized payload.
func rtpFrame(seq uint16) []byte {
	payload := make([]byte, 172)
	payload[0], payload[1] = 0x80, 0
	payload[2], payload[3] = byte(seq>>8), byte(seq)
	return ether(0x0800, ipv4(a4, b4, 17, udp(16384, 16386, payload)))
}

func rtpFile(n int) []byte {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = rtpFrame(uint16(i))
	}
	return pcapFile(linkEthernet, false, false, frames...)
}

// TestUDPPathAllocs proves the common UDP path allocates nothing per
// packet: decoding a frame, and reading records through pcapgo.
func TestUDPPathAllocs(t *testing.T) {
	r, err := NewReader("x", bytes.NewReader(rtpFile(1)), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	r.fn = func(p *Payload) { n += len(p.Data) }
	frame := rtpFrame(1)
	vlan := ether(0x0800, ipv4(a4, b4, 17, udp(16384, 16386, make([]byte, 172))), 0x8100, 5)
	r.link(layers.LinkTypeEthernet, frame) // warm up
	if a := testing.AllocsPerRun(1000, func() { r.link(layers.LinkTypeEthernet, frame) }); a != 0 {
		t.Errorf("Ethernet/IPv4/UDP: %v allocs per packet, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() { r.link(layers.LinkTypeEthernet, vlan) }); a != 0 {
		t.Errorf("802.1Q/IPv4/UDP: %v allocs per packet, want 0", a)
	}
	if n == 0 {
		t.Fatal("no payload delivered")
	}

	// Whole Run: allocations must not grow with the number of packets.
	runAllocs := func(file []byte) float64 {
		return testing.AllocsPerRun(5, func() {
			r, _ := NewReader("x", bytes.NewReader(file), DefaultConfig())
			r.Run(func(*Payload) {}, nil)
		})
	}
	small, large := runAllocs(rtpFile(10)), runAllocs(rtpFile(5000))
	if large > small {
		t.Errorf("Run allocates %v for 10 packets and %v for 5000: not flat", small, large)
	}
}

// BenchmarkRun reads an in-memory pcap of RTP-sized UDP packets end to
// end: file records, Ethernet, IPv4, UDP, callback.
func BenchmarkRun(b *testing.B) {
	const packets = 10000
	file := rtpFile(packets)
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		r, err := NewReader("bench", bytes.NewReader(file), DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := r.Run(func(p *Payload) { n++ }, nil); err != nil || n != packets {
			b.Fatalf("Run: %d payloads, %v", n, err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*packets/sec, "packets/s")
	b.ReportMetric(sec*1e9/(float64(b.N)*packets), "ns/packet")
}

// BenchmarkDecodeUDP measures the per-packet decode path alone.
func BenchmarkDecodeUDP(b *testing.B) {
	r, _ := NewReader("x", bytes.NewReader(rtpFile(1)), DefaultConfig())
	r.fn = func(*Payload) {}
	frame := rtpFrame(1)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		r.link(layers.LinkTypeEthernet, frame)
	}
}

// BenchmarkSCTPDecode measures decoding a bundle of three DATA chunks.
func BenchmarkSCTPDecode(b *testing.B) {
	pkt := sctp(2905, 2905, dataChunk(3, 10, 0, 0, 3, "one"), dataChunk(3, 11, 1, 0, 3, "two!"), dataChunk(3, 12, 0, 1, 46, "three"))
	var p sctpPacket
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := p.decode(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

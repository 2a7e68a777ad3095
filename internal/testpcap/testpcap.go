package testpcap

// Package testpcap is a minimal capture reader for decoder tests: classic
// pcap and pcapng, Ethernet (with VLAN tags), Linux SLL and raw IP; IPv4
// and IPv6 without reassembly; SCTP DATA chunks (every chunk, retransmitted
// ones too, as tshark shows them without TSN analysis), UDP and TCP
// payloads. Packet decoding proper belongs to internal/capture: decoders'
// tests use this instead so that they do not depend on it or on gopacket.

import (
	"encoding/binary"
	"os"
	"testing"
)

// Segment is one transport payload found in a captured frame.
type Segment struct {
	Frame   int    // 1-based frame number, as tshark counts
	Proto   uint8  // 132 SCTP, 17 UDP, 6 TCP
	SPort   uint16 // source port
	DPort   uint16 // destination port
	PPID    uint32 // SCTP payload protocol identifier
	Payload []byte
}

// ReadSegments returns every transport payload of the capture at path.
func ReadSegments(tb testing.TB, path string) []Segment {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	var segs []Segment
	frame := 0
	r := &reassembler{frags: map[uint64][]byte{}}
	emit := func(link uint32, data []byte) {
		frame++
		segs = append(segs, r.linkSegments(frame, link, data)...)
	}
	if len(raw) < 24 {
		tb.Fatalf("%s: too short for a capture", path)
	}
	switch m := binary.LittleEndian.Uint32(raw); m {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1:
		var order binary.ByteOrder = binary.LittleEndian
		if m == 0xd4c3b2a1 || m == 0x4d3cb2a1 {
			order = binary.BigEndian
		}
		link := order.Uint32(raw[20:])
		for p := raw[24:]; len(p) >= 16; {
			n := int(order.Uint32(p[8:]))
			if 16+n > len(p) {
				break
			}
			emit(link, p[16:16+n])
			p = p[16+n:]
		}
	case 0x0a0d0d0a:
		var links []uint32
		for p := raw; len(p) >= 12; {
			typ := binary.LittleEndian.Uint32(p)
			n := int(binary.LittleEndian.Uint32(p[4:]))
			if n < 12 || n > len(p) {
				break
			}
			body := p[8 : n-4]
			switch typ {
			case 0x0a0d0d0a:
				links = links[:0]
			case 1: // interface description block
				links = append(links, uint32(binary.LittleEndian.Uint16(body)))
			case 6: // enhanced packet block
				ifc := binary.LittleEndian.Uint32(body)
				capLen := int(binary.LittleEndian.Uint32(body[12:]))
				if int(ifc) < len(links) && 20+capLen <= len(body) {
					emit(links[ifc], body[20:20+capLen])
				}
			case 3: // simple packet block
				if len(links) > 0 {
					emit(links[0], body[4:])
				}
			}
			p = p[n:]
		}
	default:
		tb.Fatalf("%s: unknown capture format", path)
	}
	return segs
}

// reassembler joins fragmented SCTP DATA chunks, keyed by ports and stream.
type reassembler struct{ frags map[uint64][]byte }

func (r *reassembler) linkSegments(frame int, link uint32, d []byte) []Segment {
	var etype uint16
	switch link {
	case 1: // Ethernet
		if len(d) < 14 {
			return nil
		}
		etype, d = binary.BigEndian.Uint16(d[12:]), d[14:]
		for (etype == 0x8100 || etype == 0x88a8) && len(d) >= 4 {
			etype, d = binary.BigEndian.Uint16(d[2:]), d[4:]
		}
	case 113: // Linux cooked
		if len(d) < 16 {
			return nil
		}
		etype, d = binary.BigEndian.Uint16(d[14:]), d[16:]
	case 101, 12: // raw IP
		if len(d) == 0 {
			return nil
		}
		etype = 0x0800
		if d[0]>>4 == 6 {
			etype = 0x86dd
		}
	default:
		return nil
	}
	var proto uint8
	switch etype {
	case 0x0800:
		if len(d) < 20 {
			return nil
		}
		ihl := int(d[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(d[2:]))
		if binary.BigEndian.Uint16(d[6:])&0x3fff != 0 || ihl < 20 || total > len(d) || total < ihl {
			return nil // fragment or broken
		}
		proto, d = d[9], d[ihl:total]
	case 0x86dd:
		if len(d) < 40 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[4:]))
		if 40+n > len(d) {
			return nil
		}
		proto, d = d[6], d[40:40+n]
	default:
		return nil
	}
	switch proto {
	case 17:
		if len(d) < 8 {
			return nil
		}
		return []Segment{{Frame: frame, Proto: 17, SPort: binary.BigEndian.Uint16(d), DPort: binary.BigEndian.Uint16(d[2:]), Payload: d[8:]}}
	case 6:
		if len(d) < 20 || int(d[12]>>4)*4 > len(d) {
			return nil
		}
		return []Segment{{Frame: frame, Proto: 6, SPort: binary.BigEndian.Uint16(d), DPort: binary.BigEndian.Uint16(d[2:]), Payload: d[int(d[12]>>4)*4:]}}
	case 132:
		if len(d) < 12 {
			return nil
		}
		sport, dport := binary.BigEndian.Uint16(d), binary.BigEndian.Uint16(d[2:])
		var out []Segment
		for c := d[12:]; len(c) >= 4; {
			n := int(binary.BigEndian.Uint16(c[2:]))
			if n < 4 || n > len(c) {
				break
			}
			if c[0] == 0 && n >= 16 { // DATA chunk, RFC 9260 §3.3.1
				key := uint64(sport)<<32 | uint64(dport)<<16 | uint64(binary.BigEndian.Uint16(c[8:]))
				data := c[16:n]
				switch c[1] & 3 {
				case 3: // unfragmented
					out = append(out, Segment{Frame: frame, Proto: 132, SPort: sport, DPort: dport, PPID: binary.BigEndian.Uint32(c[12:]), Payload: data})
				case 2: // first fragment
					r.frags[key] = append([]byte(nil), data...)
				case 0: // middle fragment
					if f, ok := r.frags[key]; ok {
						r.frags[key] = append(f, data...)
					}
				case 1: // last fragment
					if f, ok := r.frags[key]; ok {
						delete(r.frags, key)
						out = append(out, Segment{Frame: frame, Proto: 132, SPort: sport, DPort: dport, PPID: binary.BigEndian.Uint32(c[12:]), Payload: append(f, data...)})
					}
				}
			}
			pad := (n + 3) &^ 3
			if pad > len(c) {
				break
			}
			c = c[pad:]
		}
		return out
	}
	return nil
}

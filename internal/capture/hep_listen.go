package capture

import (
	"bufio"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// HEPConfig configures a HEP listener.
type HEPConfig struct {
	// AuthKey, when not empty, is the key every packet's auth key chunk
	// (0x0e) must hold; other packets are dropped and counted. HEP v1
	// and v2 packets cannot carry a key: with one set, they are dropped
	// and counted as auth failures too.
	AuthKey string
	// TLS configures the "tls" networks of ListenHEP (a certificate at
	// least); the others ignore it.
	TLS *tls.Config
	// Now stamps HEP v1 packets, which carry no capture time, on arrival
	// (nil: time.Now; live serving is the one place that reads the wall
	// clock).
	Now func() time.Time
	// MaxConns bounds the TCP connections served at once; more are
	// closed on accept and counted.
	MaxConns int
	// IdleTimeout closes a TCP connection that sent nothing for this
	// long.
	IdleTimeout time.Duration
	// ReadBuffer is the UDP socket receive buffer (SO_RCVBUF) to ask
	// for, in bytes; 0 keeps the system default.
	ReadBuffer int
	// OnOther, when set, gets every valid packet that is not engine input
	// (RTCP and ISUP as JSON, logs...), see HEPPacket.ToPayload. It is
	// called under the same lock as the payload callback. The packet
	// aliases a buffer reused after the call.
	OnOther func(*HEPPacket)
}

// DefaultHEPConfig returns a configuration for a collector on a LAN.
func DefaultHEPConfig() HEPConfig {
	return HEPConfig{MaxConns: 256, IdleTimeout: 5 * time.Minute, ReadBuffer: 8 << 20}
}

// Validate reports the first field of c out of range.
func (c HEPConfig) Validate() error {
	switch {
	case c.MaxConns < 1:
		return fmt.Errorf("capture: hep: MaxConns %d must be positive", c.MaxConns)
	case c.IdleTimeout <= 0:
		return fmt.Errorf("capture: hep: IdleTimeout %v must be positive", c.IdleTimeout)
	case c.ReadBuffer < 0:
		return fmt.Errorf("capture: hep: ReadBuffer %d must not be negative", c.ReadBuffer)
	}
	return nil
}

// HEPStats counts what a HEP listener received. Counters never decrease.
type HEPStats struct {
	Packets   uint64            // HEP packets decoded
	Bytes     uint64            // bytes of those packets
	Payloads  uint64            // payloads handed to the callback
	Other     uint64            // valid packets that are not engine input
	ByProto   map[string]uint64 // decoded packets by HEP protocol type name
	ByVersion [4]uint64         // decoded packets by HEP version (1, 2, 3)
	Errors    uint64            // undecodable datagrams or TCP frames
	AuthFails uint64            // packets with a wrong or missing auth key
	Conns     uint64            // TCP connections accepted
	ConnsShed uint64            // TCP connections refused over MaxConns
}

// HEPListener receives HEP over UDP, TCP or TLS and hands SIP, raw RTP
// and M3UA payloads to a callback, as capture payloads stamped with the
// agent's capture time. Each packet's version is detected on its own: v3,
// and the older v1 and v2 (SIP only) on the same socket. Create it with
// ListenHEP, then Run it.
type HEPListener struct {
	cfg     HEPConfig
	network string
	pc      net.PacketConn
	ln      net.Listener

	mu     sync.Mutex // serializes deliveries: fn is never called concurrently
	frame  int64
	proto  [256]uint64
	vers   [4]uint64
	conns  sync.WaitGroup
	active atomic.Int64

	packets, bytes, payloads, other, errs, auth, accepted, shed atomic.Uint64
}

// ListenHEP binds a HEP listener on network ("udp", "udp4", "udp6",
// "tcp", "tcp4", "tcp6", or "tls", "tls4", "tls6": TCP with TLS per
// cfg.TLS) and addr ("host:port"; port 0 picks one, see Addr). Nothing is
// read until Run.
func ListenHEP(network, addr string, cfg HEPConfig) (*HEPListener, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &HEPListener{cfg: cfg, network: network}
	switch network {
	case "udp", "udp4", "udp6":
		pc, err := net.ListenPacket(network, addr)
		if err != nil {
			return nil, fmt.Errorf("capture: hep: %w", err)
		}
		if uc, ok := pc.(*net.UDPConn); ok && cfg.ReadBuffer > 0 {
			_ = uc.SetReadBuffer(cfg.ReadBuffer) // best effort: capped by net.core.rmem_max
		}
		l.pc = pc
	case "tcp", "tcp4", "tcp6":
		ln, err := net.Listen(network, addr)
		if err != nil {
			return nil, fmt.Errorf("capture: hep: %w", err)
		}
		l.ln = ln
	case "tls", "tls4", "tls6":
		if cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil && cfg.TLS.GetConfigForClient == nil {
			return nil, fmt.Errorf("capture: hep: network %q without a TLS certificate", network)
		}
		ln, err := net.Listen("tcp"+network[3:], addr)
		if err != nil {
			return nil, fmt.Errorf("capture: hep: %w", err)
		}
		l.ln = tls.NewListener(ln, cfg.TLS)
	default:
		return nil, fmt.Errorf("capture: hep: network %q: want udp, tcp or tls: %w", network, ErrUnsupported)
	}
	return l, nil
}

// Addr returns the address the listener is bound to.
func (l *HEPListener) Addr() net.Addr {
	if l.pc != nil {
		return l.pc.LocalAddr()
	}
	return l.ln.Addr()
}

// Stats returns the counters so far. Safe to call while Run runs.
func (l *HEPListener) Stats() HEPStats {
	s := HEPStats{
		Packets: l.packets.Load(), Bytes: l.bytes.Load(), Payloads: l.payloads.Load(),
		Other: l.other.Load(), Errors: l.errs.Load(), AuthFails: l.auth.Load(),
		Conns: l.accepted.Load(), ConnsShed: l.shed.Load(),
	}
	l.mu.Lock()
	s.ByVersion = l.vers
	for i, n := range l.proto {
		if n > 0 {
			if s.ByProto == nil {
				s.ByProto = make(map[string]uint64)
			}
			s.ByProto[HEPProto(i).String()] = n
		}
	}
	l.mu.Unlock()
	return s
}

// Run receives until ctx is done, then closes the socket (and every TCP
// connection) and returns nil. fn gets each payload, never concurrently
// (TCP connections are served by one goroutine each, delivering under
// one lock); Payload.Frame counts the payloads of this listener from 1
// and Payload.Time is the agent's capture time. Data is valid only during
// the call. Run returns an error only when the socket fails.
func (l *HEPListener) Run(ctx context.Context, fn func(*Payload)) error {
	return l.RunBatch(ctx, func(ps []Payload) {
		for i := range ps {
			fn(&ps[i])
		}
	})
}

// RunBatch is Run handing payloads over in batches: each call of fn gets
// every payload a TCP connection had fully received in its buffer (up to
// 64 KiB of HEP frames), or one UDP datagram's, in the order they came.
// One call per batch instead of one per payload lets a consumer pay its
// hand-off (a channel send, a lock) once per batch. fn is never called
// concurrently; the payloads and their Data alias buffers reused after fn
// returns.
func (l *HEPListener) RunBatch(ctx context.Context, fn func([]Payload)) error {
	stop := context.AfterFunc(ctx, func() {
		if l.pc != nil {
			l.pc.Close()
		} else {
			l.ln.Close()
		}
	})
	defer stop()
	if l.pc != nil {
		return l.runUDP(ctx, fn)
	}
	return l.runTCP(ctx, fn)
}

func (l *HEPListener) runUDP(ctx context.Context, fn func([]Payload)) error {
	defer l.pc.Close()
	buf := make([]byte, 65536)
	var b hepBatch
	for {
		n, _, err := l.pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("capture: hep: %w", err)
		}
		l.decode(&b, buf[:n], fn)
		l.deliver(&b, fn)
	}
}

func (l *HEPListener) runTCP(ctx context.Context, fn func([]Payload)) error {
	defer l.ln.Close()
	var mu sync.Mutex
	open := map[net.Conn]struct{}{}
	defer func() {
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		l.conns.Wait()
	}()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("capture: hep: %w", err)
		}
		if l.active.Load() >= int64(l.cfg.MaxConns) {
			l.shed.Add(1)
			c.Close()
			continue
		}
		l.accepted.Add(1)
		l.active.Add(1)
		mu.Lock()
		open[c] = struct{}{}
		mu.Unlock()
		l.conns.Add(1)
		go func() {
			defer l.conns.Done()
			defer l.active.Add(-1)
			l.serveConn(c, fn)
			mu.Lock()
			delete(open, c)
			mu.Unlock()
			c.Close()
		}()
	}
}

// hepBatch is what one connection (or the UDP socket) decoded and has not
// delivered yet. Payload data aliases the connection's read buffer, so a
// batch is delivered before that buffer is read into again.
type hepBatch struct {
	pkt   HEPPacket
	pl    []Payload
	n     uint32 // packets decoded, counted by type in proto
	bytes uint64
	proto [256]uint32
	vers  [4]uint32
}

// serveConn reads HEP packets from one TCP (or TLS) connection: v3
// frames by their own length, v1 and v2 packets (which have none) by the
// SIP message they carry, per its Content-Length. The frames already in
// the read buffer are decoded in place and delivered together, before the
// next read from the socket (which is also the only time the idle
// deadline is pushed back: one clock read and one deadline per read, not
// per frame). A frame that starts with neither "HEP3" nor version 1 or 2
// ends the connection: the stream cannot be resynchronised.
func (l *HEPListener) serveConn(c net.Conn, fn func([]Payload)) {
	if tc, ok := c.(*tls.Conn); ok {
		// Handshake under the idle deadline, so that a peer that
		// connects and stays silent does not hold a connection slot.
		c.SetDeadline(time.Now().Add(l.cfg.IdleTimeout))
		if err := tc.Handshake(); err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.errs.Add(1)
			}
			return
		}
		c.SetDeadline(time.Time{})
	}
	br := bufio.NewReaderSize(c, 1<<16)
	var b hepBatch
	defer l.deliver(&b, fn)
	// need makes n bytes readable without a read that would move the
	// buffered bytes the batch aliases.
	need := func(n int) ([]byte, error) {
		if br.Buffered() < n {
			l.deliver(&b, fn)
			c.SetReadDeadline(time.Now().Add(l.cfg.IdleTimeout))
		}
		return br.Peek(n)
	}
	for {
		head, err := need(hepHeaderLen)
		if err != nil {
			if len(head) > 0 && !errors.Is(err, net.ErrClosed) {
				l.errs.Add(1)
			}
			return
		}
		if head[0] == 1 || head[0] == 2 {
			n, err := l.legacyFrame(br, need)
			if err != nil {
				l.errs.Add(1)
				return
			}
			frame, _ := br.Peek(n) // buffered by legacyFrame
			l.decode(&b, frame, fn)
			_, _ = br.Discard(n)
			continue
		}
		if string(head[:4]) != "HEP3" {
			l.errs.Add(1)
			return
		}
		n := int(binary.BigEndian.Uint16(head[4:6]))
		if n < hepHeaderLen {
			l.errs.Add(1)
			return
		}
		frame, err := need(n) // n < 64 KiB: always fits the buffer
		if err != nil {
			l.errs.Add(1)
			return
		}
		l.decode(&b, frame, fn)
		_, _ = br.Discard(n)
	}
}

// legacyFrame finds the length of the HEP v1/v2 packet at the head of
// br, reading until its SIP message is complete; it fits the 64 KiB
// buffer or the connection fails.
func (l *HEPListener) legacyFrame(br *bufio.Reader, need func(int) ([]byte, error)) (int, error) {
	want := hepLegacyFixed
	for {
		buf, err := need(max(want, br.Buffered()))
		if err != nil {
			return 0, err
		}
		n, more, err := hepLegacyFrameLen(buf)
		if err != nil {
			return 0, err
		}
		if more == 0 {
			if _, err := need(n); err != nil {
				return 0, err
			}
			return n, nil
		}
		want = more
	}
}

// decode decodes one HEP packet into the batch.
func (l *HEPListener) decode(b *hepBatch, frame []byte, fn func([]Payload)) {
	p := &b.pkt
	if err := p.Decode(frame); err != nil {
		l.errs.Add(1)
		return
	}
	if l.cfg.AuthKey != "" && subtle.ConstantTimeCompare(p.AuthKey, []byte(l.cfg.AuthKey)) != 1 {
		l.auth.Add(1)
		return
	}
	if p.Version == 1 {
		if l.cfg.Now != nil {
			p.Time = l.cfg.Now().UTC()
		} else {
			p.Time = time.Now().UTC()
		}
	}
	b.n++
	b.vers[p.Version&3]++
	b.bytes += uint64(len(frame))
	b.proto[p.Proto]++
	if len(b.pl) == cap(b.pl) {
		b.pl = append(b.pl, Payload{})
	} else {
		b.pl = b.pl[:len(b.pl)+1]
	}
	if p.ToPayload(&b.pl[len(b.pl)-1]) {
		return
	}
	b.pl = b.pl[:len(b.pl)-1]
	l.other.Add(1)
	if l.cfg.OnOther != nil {
		// In order with the payloads, under the delivery lock.
		l.deliver(b, fn)
		l.mu.Lock()
		l.cfg.OnOther(p)
		l.mu.Unlock()
	}
}

// deliver hands the batch to fn under the delivery lock, numbering its
// payloads, and empties it.
func (l *HEPListener) deliver(b *hepBatch, fn func([]Payload)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, n := uint8(0), uint32(0); n < b.n; i++ {
		if c := b.proto[i]; c > 0 {
			l.proto[i] += uint64(c)
			n += c
			b.proto[i] = 0
		}
	}
	for i, c := range b.vers {
		l.vers[i] += uint64(c)
	}
	b.vers = [4]uint32{}
	l.packets.Add(uint64(b.n))
	b.n = 0
	l.bytes.Add(b.bytes)
	b.bytes = 0
	if len(b.pl) == 0 {
		return
	}
	for i := range b.pl {
		l.frame++
		b.pl[i].Frame = l.frame
	}
	l.payloads.Add(uint64(len(b.pl)))
	if fn != nil {
		fn(b.pl)
	}
	clear(b.pl) // drop the aliases
	b.pl = b.pl[:0]
}

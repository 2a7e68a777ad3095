//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/sys/unix"
)

// Live captures packets on a network interface with AF_PACKET TPACKET_V3
// rings (no libpcap, no cgo) and decodes them with the replay pipeline.
// Create it with OpenLive, then Run it once.
type Live struct {
	iface string
	cfg   LiveConfig
	socks []*afpacket.TPacket
	decs  []*Decoder
	decMu []sync.Mutex // one per decoder, held while it decodes

	mu    sync.Mutex // serializes fn: it is never called concurrently
	frame atomic.Int64

	statsMu sync.Mutex
	kernel  [3]uint64 // packets, drops, freezes, summed at the last Stats
	closed  bool      // sockets closed: Stats reports the last counters
}

// OpenLive opens cfg.Sockets AF_PACKET sockets on iface in one fanout
// group and attaches the filter (LiveConfig.Filter). It needs
// CAP_NET_RAW; the error says so when it is missing.
func OpenLive(iface string, cfg LiveConfig) (*Live, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	filter, err := cfg.Filter()
	if err != nil {
		return nil, err
	}
	l := &Live{iface: iface, cfg: cfg}
	fanout := cfg.FanoutID
	if fanout == 0 {
		fanout = uint16(os.Getpid())
	}
	frameSize := 1
	for frameSize < cfg.SnapLen {
		frameSize <<= 1
	}
	for i := 0; i < cfg.Sockets; i++ {
		tp, err := afpacket.NewTPacket(
			afpacket.OptInterface(iface),
			afpacket.OptSocketType(afpacket.SocketDgram),
			afpacket.TPacketVersion3,
			afpacket.OptFrameSize(min(frameSize, cfg.BlockSize)),
			afpacket.OptBlockSize(cfg.BlockSize),
			afpacket.OptNumBlocks(cfg.NumBlocks),
			afpacket.OptBlockTimeout(cfg.BlockTimeout),
			afpacket.OptPollTimeout(100*time.Millisecond),
		)
		if err != nil {
			l.Close()
			if errors.Is(err, unix.EPERM) {
				return nil, fmt.Errorf("capture: live: %s: AF_PACKET socket needs CAP_NET_RAW (run as root or setcap cap_net_raw+ep): %w", iface, err)
			}
			return nil, fmt.Errorf("capture: live: %s: %w", iface, err)
		}
		l.socks = append(l.socks, tp)
		if err := tp.SetBPF(filter); err != nil {
			l.Close()
			return nil, fmt.Errorf("capture: live: %s: attach filter: %w", iface, err)
		}
		if cfg.Sockets > 1 {
			if err := tp.SetFanout(afpacket.FanoutHash|afpacket.FanoutHashWithDefrag, fanout); err != nil {
				l.Close()
				return nil, fmt.Errorf("capture: live: %s: fanout group %d: %w", iface, fanout, err)
			}
		}
		if cfg.Promiscuous {
			if err := tp.SetPromiscuous(true); err != nil {
				l.Close()
				return nil, fmt.Errorf("capture: live: %s: promiscuous mode: %w", iface, err)
			}
		}
	}
	return l, nil
}

// Close closes the sockets. Run closes them itself when it returns.
func (l *Live) Close() {
	// statsMu keeps Stats from reading a socket's counters while it closes.
	l.statsMu.Lock()
	defer l.statsMu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	for _, s := range l.socks {
		s.Close()
	}
}

// Run reads every socket, one goroutine each, until ctx is done, then
// flushes the decoders and returns nil. Each socket has its own Decoder
// (the fanout hash keeps a flow on one socket); fn gets each payload,
// never concurrently, with Payload.Frame numbering the packets of this
// capture from 1 (in arrival order per socket) and Payload.Time the
// kernel's receive timestamp. onErr (may be nil) gets decode problems,
// under the same lock. Run returns an error when a socket fails.
func (l *Live) Run(ctx context.Context, fn func(*Payload), onErr func(*DecodeError)) error {
	defer l.Close()
	locked := func(p *Payload) {
		l.mu.Lock()
		fn(p)
		l.mu.Unlock()
	}
	lockedErr := func(de *DecodeError) {
		if onErr != nil {
			l.mu.Lock()
			onErr(de)
			l.mu.Unlock()
		}
	}
	l.mu.Lock()
	l.decs = make([]*Decoder, len(l.socks))
	l.decMu = make([]sync.Mutex, len(l.socks))
	l.mu.Unlock()
	for i := range l.socks {
		d, err := NewDecoder(l.iface, l.cfg.Capture, locked, lockedErr)
		if err != nil {
			return err
		}
		l.decs[i] = d
	}
	errs := make(chan error, len(l.socks))
	var wg sync.WaitGroup
	for i, s := range l.socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- l.read(ctx, s, l.decs[i], &l.decMu[i])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// read is one socket's loop.
func (l *Live) read(ctx context.Context, s *afpacket.TPacket, d *Decoder, mu *sync.Mutex) error {
	defer func() {
		mu.Lock()
		d.Flush()
		mu.Unlock()
	}()
	var last time.Time
	for ctx.Err() == nil {
		data, ci, err := s.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, afpacket.ErrTimeout) || errors.Is(err, unix.EINTR) {
				if !last.IsZero() {
					mu.Lock()
					d.Advance(last) // run capture-time timers on the last packet's clock
					mu.Unlock()
				}
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("capture: live: %s: %w", l.iface, err)
		}
		last = ci.Timestamp
		mu.Lock()
		d.Frame(l.frame.Add(1), ci.Timestamp.UTC(), LinkRawIP, data)
		mu.Unlock()
	}
	return nil
}

// Stats returns the decoders' counters summed and the kernel's socket
// statistics. Safe to call while Run runs.
func (l *Live) Stats() LiveStats {
	var st LiveStats
	l.mu.Lock()
	decs, decMu := l.decs, l.decMu
	l.mu.Unlock()
	for i, d := range decs {
		decMu[i].Lock()
		st.Decode.Add(d.Stats())
		decMu[i].Unlock()
	}
	l.statsMu.Lock()
	defer l.statsMu.Unlock()
	var sum [3]uint64
	for _, s := range l.socks {
		if l.closed {
			break
		}
		_, v3, err := s.SocketStats() // cumulative: afpacket sums the kernel's reset-on-read counters
		if err != nil {
			continue
		}
		sum[0] += uint64(v3.Packets())
		sum[1] += uint64(v3.Drops())
		sum[2] += uint64(v3.QueueFreezes())
	}
	for i := range sum {
		l.kernel[i] = max(l.kernel[i], sum[i])
	}
	st.KernelPackets, st.KernelDrops, st.QueueFreezes = l.kernel[0], l.kernel[1], l.kernel[2]
	return st
}

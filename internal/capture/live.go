package capture

import (
	"fmt"
	"slices"
	"time"

	"golang.org/x/net/bpf"
)

// LiveConfig configures a live capture on a network interface.
type LiveConfig struct {
	// Capture bounds the decoders' state, as for files.
	Capture Config
	// Sockets is the number of AF_PACKET sockets in the fanout group,
	// each read by its own goroutine with its own decoder. The kernel
	// spreads packets by a symmetric flow hash (PACKET_FANOUT_HASH, with
	// IP defragmentation before hashing), so both directions of a flow,
	// and every fragment of a datagram, reach the same socket.
	Sockets int
	// FanoutID names the fanout group; sockets of other processes with
	// the same id share the traffic. 0 derives one from the process id.
	FanoutID uint16
	// Ports keeps only UDP and TCP packets from or to one of these ports
	// (SIP 5060, 5061, the RTP range is not a list: see PortRanges),
	// plus IP fragments. Empty Ports and PortRanges keep all UDP and TCP.
	Ports []uint16
	// PortRanges are inclusive [low, high] port ranges kept like Ports.
	PortRanges [][2]uint16
	// SCTP keeps every SCTP packet (M3UA) whatever the port filter.
	SCTP bool
	// BPF, when set, replaces the filter built from the fields above.
	// It runs on the packet from its IP header (the sockets are
	// SOCK_DGRAM: no link-layer header) and may use the BPF ancillary
	// loads (SKF_AD_PROTOCOL for the EtherType).
	BPF []bpf.RawInstruction
	// Promiscuous puts the interface in promiscuous mode for as long as
	// the capture runs.
	Promiscuous bool
	// BlockSize and NumBlocks size each socket's TPACKET_V3 ring
	// (BlockSize a multiple of the page size); BlockTimeout is how long
	// the kernel waits before handing over a partly filled block.
	BlockSize    int
	NumBlocks    int
	BlockTimeout time.Duration
	// SnapLen caps the bytes kept per packet (the ring's frame size).
	SnapLen int
}

// DefaultLiveConfig returns a capture of SIP (5060, 5061), RTP (10000 to
// 60000), GTP-C (2123), GTP-U (2152) and SCTP, on two sockets with 64 MiB
// of ring each.
func DefaultLiveConfig() LiveConfig {
	return LiveConfig{
		Capture:      DefaultConfig(),
		Sockets:      2,
		Ports:        []uint16{5060, 5061, 2123, 2152},
		PortRanges:   [][2]uint16{{10000, 60000}},
		SCTP:         true,
		BlockSize:    1 << 20,
		NumBlocks:    64,
		BlockTimeout: 10 * time.Millisecond,
		SnapLen:      65536,
	}
}

// Validate reports the first field of c out of range.
func (c LiveConfig) Validate() error {
	if err := c.Capture.Validate(); err != nil {
		return err
	}
	switch {
	case c.Sockets < 1 || c.Sockets > 64:
		return fmt.Errorf("capture: live: Sockets %d out of range [1, 64]", c.Sockets)
	case c.BlockSize < 4096 || c.BlockSize%4096 != 0:
		return fmt.Errorf("capture: live: BlockSize %d must be a positive multiple of 4096", c.BlockSize)
	case c.NumBlocks < 1:
		return fmt.Errorf("capture: live: NumBlocks %d must be positive", c.NumBlocks)
	case c.BlockTimeout < time.Millisecond:
		return fmt.Errorf("capture: live: BlockTimeout %v must be at least 1ms", c.BlockTimeout)
	case c.SnapLen < 128 || c.SnapLen > c.BlockSize:
		return fmt.Errorf("capture: live: SnapLen %d out of range [128, BlockSize]", c.SnapLen)
	}
	for _, r := range c.PortRanges {
		if r[0] > r[1] {
			return fmt.Errorf("capture: live: port range %d-%d is empty", r[0], r[1])
		}
	}
	if len(c.Ports)+2*len(c.PortRanges) > 120 {
		return fmt.Errorf("capture: live: %d ports and %d ranges: at most 120 ports, a range counting as two", len(c.Ports), len(c.PortRanges))
	}
	return nil
}

// LiveStats counts what a live capture saw. Counters never decrease.
type LiveStats struct {
	// Decode sums the decoders' counters (packets, payloads, errors...).
	Decode Stats
	// KernelPackets and KernelDrops are the sockets' PACKET_STATISTICS:
	// packets that passed the filter, and those dropped because a ring
	// was full. QueueFreezes counts TPACKET_V3 ring freezes.
	KernelPackets uint64
	KernelDrops   uint64
	QueueFreezes  uint64
}

// Filter returns the classic BPF program OpenLive attaches to its
// sockets for c (c.BPF when set). The program sees the packet from its
// IP header: it keeps IPv4 and IPv6 (by SKF_AD_PROTOCOL), then SCTP when
// c.SCTP, IP fragments after the first, IPv6 with extension headers, and
// UDP or TCP with a source or destination port in c.Ports or
// c.PortRanges (all UDP and TCP when both are empty).
func (c LiveConfig) Filter() ([]bpf.RawInstruction, error) {
	if len(c.BPF) > 0 {
		return c.BPF, nil
	}
	prog, err := c.filterProgram()
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("capture: live: filter: %w", err)
	}
	return raw, nil
}

const (
	snapAccept = 0x40000 // bytes kept by an accepting filter: the whole packet
)

// filterProgram builds the filter. Jumps go forward only, to labels
// resolved at the end, so the program is a straight list of tests.
func (c LiveConfig) filterProgram() ([]bpf.Instruction, error) {
	var a filterAsm
	ports := slices.Clone(c.Ports)
	slices.Sort(ports)
	ports = slices.Compact(ports)
	anyPort := len(ports) == 0 && len(c.PortRanges) == 0

	a.emit(bpf.LoadExtension{Num: bpf.ExtProto})
	a.ifEq(0x86dd, "ip6")
	a.ifNe(0x0800, "reject")

	// IPv4: protocol at 9, flags+fragment offset at 6, IHL at 0.
	a.emit(bpf.LoadAbsolute{Off: 6, Size: 2})
	a.ifSet(0x1fff, "accept") // a later fragment: no ports to test
	a.emit(bpf.LoadAbsolute{Off: 9, Size: 1})
	if c.SCTP {
		a.ifEq(132, "accept")
	}
	a.jeq(17, "ip4ports", "")
	a.ifNe(6, "reject")
	a.label("ip4ports")
	if anyPort {
		a.jump("accept")
	} else {
		a.emit(bpf.LoadMemShift{Off: 0})
		a.emit(bpf.LoadIndirect{Off: 0, Size: 2})
		a.portTests(ports, c.PortRanges, "accept", "ip4dst")
		a.label("ip4dst")
		a.emit(bpf.LoadIndirect{Off: 2, Size: 2})
		a.portTests(ports, c.PortRanges, "accept", "reject")
	}

	// IPv6: next header at 6, ports at 40 and 42 when it is UDP or TCP.
	a.label("ip6")
	a.emit(bpf.LoadAbsolute{Off: 6, Size: 1})
	if c.SCTP {
		a.ifEq(132, "accept")
	}
	a.jeq(17, "ip6ports", "")
	a.jeq(6, "ip6ports", "")
	// Extension headers (hop-by-hop, routing, fragment, destination
	// options, AH): the decoder walks them; keep the packet.
	for _, h := range []uint32{0, 43, 44, 51, 60} {
		a.ifEq(h, "accept")
	}
	a.jump("reject")
	a.label("ip6ports")
	if anyPort {
		a.jump("accept")
	} else {
		a.emit(bpf.LoadAbsolute{Off: 40, Size: 2})
		a.portTests(ports, c.PortRanges, "accept", "ip6dst")
		a.label("ip6dst")
		a.emit(bpf.LoadAbsolute{Off: 42, Size: 2})
		a.portTests(ports, c.PortRanges, "accept", "reject")
	}

	a.label("reject")
	a.emit(bpf.RetConstant{Val: 0})
	a.label("accept")
	a.emit(bpf.RetConstant{Val: snapAccept})
	return a.resolve()
}

// portTests tests A against each port and range: yes on a match, else
// no. Conditional jumps reach 255 instructions at most, so matches land
// on a local unconditional jump to yes right after the tests.
func (a *filterAsm) portTests(ports []uint16, ranges [][2]uint16, yes, no string) {
	hit := fmt.Sprintf("hit%d", len(a.prog))
	for _, p := range ports {
		a.jeq(uint32(p), hit, "")
	}
	for i, r := range ranges {
		next := fmt.Sprintf("range%d_%d", len(a.prog), i)
		a.emitJump(bpf.JumpIf{Cond: bpf.JumpLessThan, Val: uint32(r[0])}, next, "")
		a.emitJump(bpf.JumpIf{Cond: bpf.JumpLessOrEqual, Val: uint32(r[1])}, hit, "")
		a.label(next)
	}
	a.jump(no)
	a.label(hit)
	a.jump(yes)
}

// filterAsm is a tiny assembler with forward labels for BPF programs.
type filterAsm struct {
	prog   []bpf.Instruction
	labels map[string]int
	fix    []filterFix
}

type filterFix struct {
	at          int
	true, false string
}

func (a *filterAsm) emit(ins bpf.Instruction) { a.prog = append(a.prog, ins) }

func (a *filterAsm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.prog)
}

// emitJump appends a conditional jump to labels yes and no ("" falls
// through).
func (a *filterAsm) emitJump(j bpf.JumpIf, yes, no string) {
	a.fix = append(a.fix, filterFix{at: len(a.prog), true: yes, false: no})
	a.prog = append(a.prog, j)
}

func (a *filterAsm) jeq(v uint32, yes, no string) {
	a.emitJump(bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, yes, no)
}

// ifEq, ifNe and ifSet branch to a label at any distance: a conditional
// jump over an unconditional one (conditional jumps reach 255 at most).
func (a *filterAsm) ifEq(v uint32, to string) {
	a.emit(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: v, SkipTrue: 1})
	a.jump(to)
}

func (a *filterAsm) ifNe(v uint32, to string) {
	a.emit(bpf.JumpIf{Cond: bpf.JumpEqual, Val: v, SkipTrue: 1})
	a.jump(to)
}

func (a *filterAsm) ifSet(mask uint32, to string) {
	a.emit(bpf.JumpIf{Cond: bpf.JumpBitsNotSet, Val: mask, SkipTrue: 1})
	a.jump(to)
}

func (a *filterAsm) jump(to string) {
	a.fix = append(a.fix, filterFix{at: len(a.prog), true: to})
	a.prog = append(a.prog, bpf.Jump{})
}

// resolve fills in the jump offsets. A conditional jump reaches at most
// 255 instructions ahead; the port limit in Validate keeps them short.
func (a *filterAsm) resolve() ([]bpf.Instruction, error) {
	for _, f := range a.fix {
		for _, l := range []string{f.true, f.false} {
			if to, ok := a.labels[l]; l != "" && (!ok || to <= f.at) {
				return nil, fmt.Errorf("capture: live: filter: label %q at %d: %w", l, f.at, ErrMalformed)
			}
		}
		if _, ok := a.prog[f.at].(bpf.JumpIf); ok {
			for _, l := range []string{f.true, f.false} {
				if l != "" && a.labels[l]-f.at-1 > 255 {
					return nil, fmt.Errorf("capture: live: filter: jump of %d: too many ports: %w", a.labels[l]-f.at-1, ErrUnsupported)
				}
			}
		}
		skip := func(label string) uint32 {
			if label == "" {
				return 0
			}
			return uint32(a.labels[label] - f.at - 1)
		}
		switch ins := a.prog[f.at].(type) {
		case bpf.JumpIf:
			ins.SkipTrue, ins.SkipFalse = uint8(skip(f.true)), uint8(skip(f.false))
			a.prog[f.at] = ins
		case bpf.Jump:
			a.prog[f.at] = bpf.Jump{Skip: skip(f.true)}
		}
	}
	return a.prog, nil
}

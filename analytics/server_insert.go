package analytics

import (
	"context"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/callsight/callsight/outcome"
)

// The server inserts are column by column: each column of a batch is filled
// from the rows into one typed scratch slice and handed to clickhouse-go in
// one Append, which copies it into the block without reflection or boxing.
// Array columns take one AppendRow per row (a typed slice, no reflection).
// The scratch slices are pooled, so a steady stream of batches allocates
// little beyond the block itself.

// colScratch holds one reusable slice per Go type the columns need; a
// slice is refilled for every column, since Append copies it.
type colScratch struct {
	str  []string
	tm   []time.Time
	ptm  []*time.Time
	u8   []uint8
	pu8  []*uint8
	u16  []uint16
	pu16 []*uint16
	u32  []uint32
	pu32 []*uint32
	u64  []uint64
	pstr []*string // one row of an Array(String): pointers box without allocating
	pi64 []*int64
	pf32 []*float32
}

// strPtrs returns pointers to the elements of v, for an Array(String) row:
// a []string would box every element into an interface (an allocation
// each), a []*string boxes pointers (none). The slice is reused.
func (sc *colScratch) strPtrs(v []string) []*string {
	sc.pstr = sc.pstr[:0]
	for i := range v {
		sc.pstr = append(sc.pstr, &v[i])
	}
	return sc.pstr
}

var scratchPool = sync.Pool{New: func() any { return new(colScratch) }}

// fill refills dst with f of every row.
func fill[R, T any](dst []T, rows []R, f func(*R) T) []T {
	dst = dst[:0]
	for i := range rows {
		dst = append(dst, f(&rows[i]))
	}
	return dst
}

// appendCols appends every column of a batch: cols[i] appends column i.
func appendCols(b driver.Batch, cols []func(driver.BatchColumn) error) error {
	for i, f := range cols {
		if err := f(b.Column(i)); err != nil {
			return err
		}
	}
	return nil
}

// blockRows is how many rows go in one block of an INSERT. The block's
// column buffers are reused from block to block, so they grow once; the
// server squashes the blocks of one INSERT into parts of its own size.
const blockRows = 16384

// send runs one INSERT of n rows, appending them block by block with fill
// (rows lo to hi) and sending each block as it is full.
func (s *server) send(ctx context.Context, q string, n int, fill func(b driver.Batch, lo, hi int) error) error {
	b, err := s.conn.PrepareBatch(ctx, q)
	if err != nil {
		return err
	}
	defer b.Abort()
	for lo := 0; lo < n; lo += blockRows {
		hi := min(lo+blockRows, n)
		if err := fill(b, lo, hi); err != nil {
			return err
		}
		if hi < n {
			if err := b.Flush(); err != nil {
				return err
			}
		}
	}
	return b.Send()
}

func otime(t *outcome.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

func (s *server) insertCalls(ctx context.Context, rows []CallRow) error {
	sc := scratchPool.Get().(*colScratch)
	defer scratchPool.Put(sc)
	str := func(f func(*CallRow) string) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.str = fill(sc.str, rows, f); return c.Append(sc.str) }
	}
	ptm := func(f func(*CallRow) *outcome.Time) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error {
			sc.ptm = fill(sc.ptm, rows, func(r *CallRow) *time.Time { return otime(f(r)) })
			return c.Append(sc.ptm)
		}
	}
	pu8 := func(f func(*CallRow) *uint8) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.pu8 = fill(sc.pu8, rows, f); return c.Append(sc.pu8) }
	}
	pi64 := func(f func(*CallRow) *int64) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.pi64 = fill(sc.pi64, rows, f); return c.Append(sc.pi64) }
	}
	pf32 := func(f func(*CallRow) *float32) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.pf32 = fill(sc.pf32, rows, f); return c.Append(sc.pf32) }
	}
	u32 := func(f func(*CallRow) uint32) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.u32 = fill(sc.u32, rows, f); return c.Append(sc.u32) }
	}
	strArr := func(f func(*CallRow) []string) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error {
			for i := range rows {
				if err := c.AppendRow(sc.strPtrs(f(&rows[i]))); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// The order is callColumns'.
	cols := []func(driver.BatchColumn) error{
		str(func(r *CallRow) string { return r.CallID }),
		str(func(r *CallRow) string { return r.Tenant }),
		str(func(r *CallRow) string { return r.Campaign }),
		str(func(r *CallRow) string { return r.Calling }),
		str(func(r *CallRow) string { return r.Called }),
		func(c driver.BatchColumn) error {
			sc.tm = fill(sc.tm, rows, func(r *CallRow) time.Time { return r.StartTime.Time })
			return c.Append(sc.tm)
		},
		ptm(func(r *CallRow) *outcome.Time { return r.AlertTime }),
		ptm(func(r *CallRow) *outcome.Time { return r.AnswerTime }),
		ptm(func(r *CallRow) *outcome.Time { return r.EndTime }),
		str(func(r *CallRow) string { return r.Outcome }),
		pu8(func(r *CallRow) *uint8 { return r.Q850 }),
		func(c driver.BatchColumn) error {
			sc.pu16 = fill(sc.pu16, rows, func(r *CallRow) *uint16 { return r.SIPStatus })
			return c.Append(sc.pu16)
		},
		pi64(func(r *CallRow) *int64 { return r.PDDMS }),
		pi64(func(r *CallRow) *int64 { return r.DurationMS }),
		str(func(r *CallRow) string { return r.ReleasedBy }),
		str(func(r *CallRow) string { return r.CauseName }),
		str(func(r *CallRow) string { return r.CauseClass }),
		str(func(r *CallRow) string { return r.CauseLocation }),
		str(func(r *CallRow) string { return r.CauseSource }),
		str(func(r *CallRow) string { return r.MappingProfile }),
		pu8(func(r *CallRow) *uint8 { return r.ISUPCause }),
		pu8(func(r *CallRow) *uint8 { return r.SIPICause }),
		pu8(func(r *CallRow) *uint8 { return r.ReasonCause }),
		func(c driver.BatchColumn) error { // causes_value: Array(UInt8)
			for i := range rows {
				sc.u8 = sc.u8[:0]
				for _, v := range rows[i].CausesValue {
					sc.u8 = append(sc.u8, uint8(v))
				}
				if err := c.AppendRow(sc.u8); err != nil {
					return err
				}
			}
			return nil
		},
		strArr(func(r *CallRow) []string { return r.CausesSource }),
		strArr(func(r *CallRow) []string { return r.LegKinds }),
		u32(func(r *CallRow) uint32 { return r.OPC }),
		u32(func(r *CallRow) uint32 { return r.DPC }),
		func(c driver.BatchColumn) error {
			sc.u16 = fill(sc.u16, rows, func(r *CallRow) uint16 { return r.CIC })
			return c.Append(sc.u16)
		},
		func(c driver.BatchColumn) error {
			sc.u8 = fill(sc.u8, rows, func(r *CallRow) uint8 { return r.NI })
			return c.Append(sc.u8)
		},
		str(func(r *CallRow) string { return r.Trunk }),
		str(func(r *CallRow) string { return r.Codec }),
		func(c driver.BatchColumn) error {
			sc.pu32 = fill(sc.pu32, rows, func(r *CallRow) *uint32 { return r.MediaPackets })
			return c.Append(sc.pu32)
		},
		pf32(func(r *CallRow) *float32 { return r.MediaLossPct }),
		pf32(func(r *CallRow) *float32 { return r.MediaJitterMS }),
		str(func(r *CallRow) string { return r.AMDClass }),
		pf32(func(r *CallRow) *float32 { return r.AMDConfidence }),
		pi64(func(r *CallRow) *int64 { return r.BeepEndMS }),
		pi64(func(r *CallRow) *int64 { return r.DecidedMS }),
		func(c driver.BatchColumn) error { // evidence_at: Array(DateTime[64])
			for i := range rows {
				sc.ptm = sc.ptm[:0]
				for j := range rows[i].EvidenceAt {
					sc.ptm = append(sc.ptm, &rows[i].EvidenceAt[j].Time)
				}
				if err := c.AppendRow(sc.ptm); err != nil {
					return err
				}
			}
			return nil
		},
		strArr(func(r *CallRow) []string { return r.EvidenceSource }),
		strArr(func(r *CallRow) []string { return r.EvidenceWhat }),
	}
	all := rows
	if err := s.send(ctx, "INSERT INTO calls ("+callColumns+")", len(all), func(b driver.Batch, lo, hi int) error {
		rows = all[lo:hi]
		return appendCols(b, cols)
	}); err != nil {
		return err
	}
	return s.insertLegs(ctx, all, sc)
}

// legRef is one leg with its call, for the legs table's columns.
type legRef struct {
	call *CallRow
	leg  *LegRow
}

func (s *server) insertLegs(ctx context.Context, rows []CallRow, sc *colScratch) error {
	var legs []legRef
	for i := range rows {
		for j := range rows[i].Legs {
			legs = append(legs, legRef{&rows[i], &rows[i].Legs[j]})
		}
	}
	if len(legs) == 0 {
		return nil
	}
	str := func(f func(*legRef) string) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.str = fill(sc.str, legs, f); return c.Append(sc.str) }
	}
	u32 := func(f func(*legRef) uint32) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.u32 = fill(sc.u32, legs, f); return c.Append(sc.u32) }
	}
	strArr := func(f func(*legRef) []string) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error {
			for i := range legs {
				if err := c.AppendRow(sc.strPtrs(f(&legs[i]))); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// The order is legColumns'.
	cols := []func(driver.BatchColumn) error{
		str(func(l *legRef) string { return l.call.CallID }),
		func(c driver.BatchColumn) error {
			sc.tm = fill(sc.tm, legs, func(l *legRef) time.Time { return l.call.StartTime.Time })
			return c.Append(sc.tm)
		},
		func(c driver.BatchColumn) error {
			sc.u8 = fill(sc.u8, legs, func(l *legRef) uint8 { return l.leg.Leg })
			return c.Append(sc.u8)
		},
		str(func(l *legRef) string { return l.leg.Kind }),
		str(func(l *legRef) string { return l.leg.SIPCallID }),
		u32(func(l *legRef) uint32 { return l.leg.OPC }),
		u32(func(l *legRef) uint32 { return l.leg.DPC }),
		func(c driver.BatchColumn) error {
			sc.u16 = fill(sc.u16, legs, func(l *legRef) uint16 { return l.leg.CIC })
			return c.Append(sc.u16)
		},
		func(c driver.BatchColumn) error {
			sc.u8 = fill(sc.u8, legs, func(l *legRef) uint8 { return l.leg.NI })
			return c.Append(sc.u8)
		},
		strArr(func(l *legRef) []string { return l.leg.MediaSide }),
		strArr(func(l *legRef) []string { return l.leg.MediaAddr }),
		strArr(func(l *legRef) []string { return l.leg.MediaType }),
		strArr(func(l *legRef) []string { return l.leg.MediaCodec }),
	}
	all := legs
	return s.send(ctx, "INSERT INTO legs ("+legColumns+")", len(all), func(b driver.Batch, lo, hi int) error {
		legs = all[lo:hi]
		return appendCols(b, cols)
	})
}

func (s *server) insertEvents(ctx context.Context, evs []Event) error {
	if err := s.insertEventTable(ctx, "INSERT INTO signaling_events ("+eventColumns+")", evs, false); err != nil {
		return err
	}
	var net []Event
	for i := range evs {
		if evs[i].isNetwork() {
			net = append(net, evs[i])
		}
	}
	if len(net) == 0 {
		return nil
	}
	return s.insertEventTable(ctx, "INSERT INTO network_events ("+netEventColumns+")", net, true)
}

// insertEventTable inserts evs into signaling_events, or with network into
// network_events (a prefix of its columns).
func (s *server) insertEventTable(ctx context.Context, q string, evs []Event, network bool) error {
	sc := scratchPool.Get().(*colScratch)
	defer scratchPool.Put(sc)
	str := func(f func(*Event) string) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.str = fill(sc.str, evs, f); return c.Append(sc.str) }
	}
	u16 := func(f func(*Event) uint16) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.u16 = fill(sc.u16, evs, f); return c.Append(sc.u16) }
	}
	u32 := func(f func(*Event) uint32) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.u32 = fill(sc.u32, evs, f); return c.Append(sc.u32) }
	}
	u8 := func(f func(*Event) uint8) func(driver.BatchColumn) error {
		return func(c driver.BatchColumn) error { sc.u8 = fill(sc.u8, evs, f); return c.Append(sc.u8) }
	}
	ts := func(c driver.BatchColumn) error {
		sc.tm = fill(sc.tm, evs, func(e *Event) time.Time { return e.TS.Time })
		return c.Append(sc.tm)
	}
	frame := func(c driver.BatchColumn) error {
		sc.u64 = fill(sc.u64, evs, func(e *Event) uint64 { return e.Frame })
		return c.Append(sc.u64)
	}
	cause := func(c driver.BatchColumn) error {
		sc.pu8 = fill(sc.pu8, evs, func(e *Event) *uint8 { return e.Cause })
		return c.Append(sc.pu8)
	}
	proto := str(func(e *Event) string { return protoEnum(e.Proto) })
	typ := str(func(e *Event) string { return e.Type })
	opc, dpc := u32(func(e *Event) uint32 { return e.OPC }), u32(func(e *Event) uint32 { return e.DPC })
	cic := u16(func(e *Event) uint16 { return e.CIC })
	rng := u8(func(e *Event) uint8 { return e.Range })
	var cols []func(driver.BatchColumn) error
	if network { // netEventColumns
		cols = []func(driver.BatchColumn) error{ts, str(func(e *Event) string { return e.File }), frame, proto, typ, opc, dpc, cic, rng, cause}
	} else { // eventColumns
		cols = []func(driver.BatchColumn) error{
			ts, str(func(e *Event) string { return e.File }), frame, proto, typ,
			u16(func(e *Event) uint16 { return e.Code }),
			str(func(e *Event) string { return e.Method }),
			u16(func(e *Event) uint16 { return e.Status }),
			str(func(e *Event) string { return e.CSeqMethod }),
			str(func(e *Event) string { return e.CallID }),
			opc, dpc, cic, rng, cause,
			u8(func(e *Event) uint8 { return b2u(e.Network) }),
			str(func(e *Event) string { return e.Carrier }),
			func(c driver.BatchColumn) error {
				for i := range evs {
					if err := c.AppendRow(sc.strPtrs(evs[i].Reasons)); err != nil {
						return err
					}
				}
				return nil
			},
		}
	}
	all := evs
	return s.send(ctx, q, len(all), func(b driver.Batch, lo, hi int) error {
		evs = all[lo:hi]
		return appendCols(b, cols)
	})
}

// Package analytics stores every call in ClickHouse and runs the analysts'
// reports over it.
//
// Two stores share one schema and one set of SQL files (sql/schema and
// sql/reports, embedded in the binary and readable by people):
//
//   - a ClickHouse server, written through clickhouse-go's native protocol
//     ("clickhouse://user:pass@host:9000/db"), from Debian's 18.16 to
//     current releases: the DDL adapts to the server's version;
//   - the embedded default, chDB ("embedded" or "embedded:DIR", ./callsight-data
//     unless configured), loaded from libchdb.so at run time without cgo.
//
// A Writer batches rows by size and time, inserts them from a few
// goroutines, and when an insert fails it appends the batch to an on-disk
// spool (append-only, fsync'd, bounded) that is retried with backoff and
// replayed when a Writer next opens the same spool. Tables are
// ReplacingMergeTree keyed on the call id (events on file and frame), and
// reports read them with FINAL, so a row written twice counts once.
//
// Writes are built for throughput. Into a server, each batch is appended
// column by column (one typed slice per column, no reflection, no value
// boxed per row) in blocks of 16 384 rows whose buffers are reused, all in
// one INSERT. Into chDB, rows are encoded by hand in ClickHouse's
// column-oriented Native format (blocks of 1 024 rows, into a reused
// buffer, outside the chDB lock) and inserted with INSERT ... FROM INFILE
// (chDB parses large inline query data in more than linear time) with
// optimize_on_insert = 0: a ReplacingMergeTree insert then skips
// collapsing duplicates inside the block, which background merges and the
// reports' FINAL do anyway. In both cases the store's own insert
// work (sorting, compressing, merging parts, the hourly rollup) dominates:
// see the benchmarks in bench_test.go and make analytics-bench.
//
// Nothing accepted is lost to kill -9: with Config.WAL (the default),
// WriteCall, WriteRow and WriteEvent append the row to a write-ahead log
// in SPOOLDIR/wal before they return (a copy into a preallocated segment
// mapped shared, or a write(2) where it cannot be mapped), and the kernel
// keeps what was written when the process dies; an fsync every
// Config.WALSync (200 ms by default) bounds what a power loss can take.
// The log is cut into segments of 32 768 rows, each emptied once it is
// full and all its rows are inserted or spooled: kept mapped for reuse (a
// fresh mapping's page faults cost more than the copies), or deleted; a
// clean Close leaves the log empty. Open replays the segments a killed
// process left, before any new row: into the store, or into the spool
// when the store fails. Rows that were inserted before the kill are
// inserted again and, the tables being ReplacingMergeTree read with FINAL,
// counted once. The log costs one record encoding and copy per row (about
// 0.26 µs, no allocation: BenchmarkWALAppend; 1.5 µs through write(2)).
// Without it, rows not yet inserted or spooled (at most QueueSize plus a
// batch per inserting goroutine, and FlushInterval old) live in memory
// only and kill -9 loses them.
//
// Report runs one of the named reports (Reports lists them) and returns a
// Table that can be rendered as text, CSV, JSON or a self-contained HTML
// page with SVG charts.
package analytics

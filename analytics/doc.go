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
// one INSERT. Into chDB, rows are encoded by hand in RowBinary into a
// pooled buffer, outside the chDB lock, and inserted with INSERT ... FROM
// INFILE (chDB parses large inline query data in more than linear time).
// In both cases the store's own insert work (sorting, compressing,
// merging parts, the hourly rollup) dominates: see the benchmarks in
// bench_test.go and make analytics-bench.
//
// Rows accepted by WriteCall and not yet inserted or spooled live in
// memory only (at most QueueSize plus a batch per inserting goroutine, and
// FlushInterval old): a clean Close inserts or spools them, kill -9 loses
// them.
//
// Report runs one of the named reports (Reports lists them) and returns a
// Table that can be rendered as text, CSV, JSON or a self-contained HTML
// page with SVG charts.
package analytics

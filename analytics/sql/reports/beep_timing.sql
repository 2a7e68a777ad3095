-- beep_timing: when the voicemail beep ended, after answer, in 500 ms
-- buckets, and how long the detector took to decide.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    intDiv(beep_end_ms, 500) * 500 AS beep_end_bucket_ms,
    count() AS calls,
    intDiv(toInt64(sum(decided_ms)) * 20 + toInt64(count(decided_ms)), toInt64(nullIf(count(decided_ms), 0)) * 2) / 10 AS avg_decided_ms
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND beep_end_ms IS NOT NULL
GROUP BY beep_end_bucket_ms
ORDER BY beep_end_bucket_ms

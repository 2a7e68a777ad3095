-- beep_timing: when the voicemail beep ended, after answer, in 500 ms
-- buckets, and how long the detector took to decide.
SELECT
    intDiv(beep_end_ms, 500) * 500 AS beep_end_bucket_ms,
    count() AS calls,
    round(avg(decided_ms), 1) AS avg_decided_ms
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND beep_end_ms IS NOT NULL
GROUP BY beep_end_bucket_ms
ORDER BY beep_end_bucket_ms

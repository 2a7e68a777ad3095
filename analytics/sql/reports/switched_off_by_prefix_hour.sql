-- switched_off_by_prefix_hour: the share of calls to a switched-off or
-- unreachable phone, by the first four digits of the called number and
-- the hour of day (UTC).
SELECT
    substring(called, 1, 4) AS prefix,
    toHour(start_time) AS hour,
    count() AS calls,
    countIf(outcome = 'switched_off') AS switched_off,
    round(switched_off / calls, 4) AS rate
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY prefix, hour
ORDER BY prefix, hour

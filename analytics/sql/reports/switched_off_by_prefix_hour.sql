-- switched_off_by_prefix_hour: the share of calls to a switched-off or
-- unreachable phone, by the first four digits of the called number and
-- the hour of day (UTC).
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    substring(called, 1, 4) AS prefix,
    toHour(start_time) AS hour,
    count() AS calls,
    countIf(outcome = 'switched_off') AS switched_off,
    intDiv(toInt64(switched_off) * 20000 + toInt64(calls), toInt64(calls) * 2) / 10000 AS rate
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY prefix, hour
ORDER BY prefix, hour

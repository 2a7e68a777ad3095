-- pdd: post-dial delay (setup to first alerting or progress), per tenant
-- and campaign, in milliseconds.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    tenant,
    campaign,
    count() AS calls,
    intDiv(toInt64(sum(pdd_ms)) * 20 + toInt64(count(pdd_ms)), toInt64(nullIf(count(pdd_ms), 0)) * 2) / 10 AS avg_ms,
    quantileExact(0.5)(pdd_ms) AS p50_ms,
    quantileExact(0.95)(pdd_ms) AS p95_ms,
    max(pdd_ms) AS max_ms
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND pdd_ms IS NOT NULL
GROUP BY tenant, campaign
ORDER BY tenant, campaign

-- pdd: post-dial delay (setup to first alerting or progress), per tenant
-- and campaign, in milliseconds.
SELECT
    tenant,
    campaign,
    count() AS calls,
    round(avg(pdd_ms), 1) AS avg_ms,
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

-- calls_hourly_mv feeds calls_hourly from every insert into calls.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{name "calls_hourly_mv"}} {{onCluster}} TO {{table "calls_hourly"}} AS
SELECT
    tenant,
    campaign,
    toStartOfHour(toDateTime(start_time, 'UTC')) AS hour,
    outcome,
    countState() AS calls,
    sumState(toInt64(ifNull(duration_ms, 0))) AS talk_ms_sum,
    sumState(toInt64(ifNull(pdd_ms, 0))) AS pdd_ms_sum,
    sumState(toUInt64(isNotNull(pdd_ms))) AS pdd_calls
FROM {{table "calls"}}
GROUP BY tenant, campaign, hour, outcome

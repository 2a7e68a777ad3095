-- calls_hourly: the hourly rollup behind dashboards. Partial aggregate
-- states per tenant, campaign, hour and outcome; read with -Merge:
--   SELECT hour, countMerge(calls), sumMerge(talk_ms_sum) FROM calls_hourly GROUP BY hour
-- A materialized view sees every inserted block, so a call written twice
-- (a retried batch) counts twice here; the reports read calls FINAL.
CREATE TABLE IF NOT EXISTS {{table "calls_hourly"}} {{onCluster}}
(
    tenant     {{lc "String"}},
    campaign   {{lc "String"}},
    hour       DateTime('UTC'),
    outcome    Enum8('unknown' = 0, 'human' = 1, 'machine' = 2, 'switched_off' = 3, 'busy' = 4, 'no_answer' = 5,
                     'unallocated' = 6, 'rejected' = 7, 'congestion' = 8, 'fax' = 9, 'silence' = 10, 'answered' = 11),
    calls      AggregateFunction(count),
    talk_ms_sum AggregateFunction(sum, Int64),
    pdd_ms_sum AggregateFunction(sum, Int64),
    pdd_calls  AggregateFunction(sum, UInt64)
)
ENGINE = {{engine "AggregatingMergeTree" "calls_hourly"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, campaign, hour, outcome)

-- amd_mix: what answered each campaign's answered calls: a person, a
-- voicemail, a fax, silence, an announcement, or not yet classified.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    tenant,
    campaign,
    count() AS answered,
    countIf(outcome = 'human') AS human,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS voicemail,
    countIf(outcome = 'fax') AS fax,
    countIf(outcome = 'silence') AS silence,
    countIf(amd_class = 'announcement') AS announcement,
    countIf(outcome = 'answered' AND amd_class = '') AS unclassified,
    intDiv(toInt64(voicemail) * 20000 + toInt64(answered), toInt64(answered) * 2) / 10000 AS voicemail_share
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND outcome IN ('answered', 'human', 'machine', 'fax', 'silence')
GROUP BY tenant, campaign
ORDER BY tenant, campaign

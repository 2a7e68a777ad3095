-- ner: network effectiveness ratio (ITU-T E.425): the share of seizures
-- the network carried to the subscriber: answered, busy, no answer or
-- rejected by the user. Calls answered by a voicemail or an announcement
-- are counted apart, not as successes.
SELECT
    tenant,
    campaign,
    count() AS calls,
    countIf(outcome IN ('answered', 'human', 'fax', 'silence') AND amd_class NOT IN ('voicemail', 'machine', 'announcement')) AS answered_live,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS answered_voicemail,
    countIf(amd_class = 'announcement') AS answered_announcement,
    countIf(outcome = 'busy') AS busy,
    countIf(outcome = 'no_answer') AS no_answer,
    countIf(outcome = 'rejected') AS rejected,
    round((answered_live + busy + no_answer + rejected) / calls, 4) AS ner
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY tenant, campaign
ORDER BY tenant, campaign

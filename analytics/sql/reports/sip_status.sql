-- sip_status: final SIP status of the INVITE, with the outcome it led to.
SELECT
    sip_status,
    outcome,
    count() AS calls,
    round(calls / (SELECT count() FROM calls FINAL WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign}) AND sip_status IS NOT NULL), 4) AS share
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND sip_status IS NOT NULL
GROUP BY sip_status, outcome
ORDER BY calls DESC, sip_status, outcome

-- cause_mismatch: calls whose signaled causes disagree: the ISUP REL
-- cause, the cause in a SIP-I body and the SIP Reason header, beside the
-- final SIP status, and which one was decisive.
SELECT
    sip_status,
    reason_cause,
    sipi_cause,
    isup_cause,
    q850 AS decisive,
    cause_source,
    count() AS calls
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND (ifNull(isup_cause != reason_cause, 0)
    OR ifNull(isup_cause != sipi_cause, 0)
    OR ifNull(sipi_cause != reason_cause, 0)
    OR (cause_source = 'sip_status' AND ifNull(q850 != reason_cause, 0)))
GROUP BY sip_status, reason_cause, sipi_cause, isup_cause, decisive, cause_source
ORDER BY calls DESC, sip_status, decisive

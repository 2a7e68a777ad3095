package cause

// Profile selects which interworking table ToSIP and FromSIP follow.
type Profile uint8

// Interworking profiles.
const (
	// RFC3398 is the IETF ISUP-SIP mapping (RFC 3398 §7.2.4.1, §8.2.6.1).
	RFC3398 Profile = iota
	// Q1912_5 is the ITU-T Q.1912.5 (SIP-I, also 3GPP TS 29.163) profile.
	Q1912_5
)

// String returns "rfc3398" or "q1912.5".
func (p Profile) String() string {
	switch p {
	case RFC3398:
		return "rfc3398"
	case Q1912_5:
		return "q1912.5"
	}
	return "profile_unknown"
}

// NoStatus is what ToSIP returns for cause 16 (normal call clearing): RFC
// 3398 maps it to no response at all, the call is cleared with BYE or
// CANCEL.
const NoStatus = 0

// toSIPRFC3398 is RFC 3398 §7.2.4.1 "ISDN Cause Code to SIP Status Code
// Mapping", indexed by cause value; 0 means "not listed".
//
//	Normal event                              Response
//	  1 unallocated number                    404 Not Found
//	  2 no route to network                   404 Not Found
//	  3 no route to destination               404 Not Found
//	 16 normal call clearing                  --- (BYE or CANCEL)
//	 17 user busy                             486 Busy Here
//	 18 no user responding                    408 Request Timeout
//	 19 no answer from the user               480 Temporarily Unavailable
//	 20 subscriber absent                     480 Temporarily Unavailable
//	 21 call rejected                         403 Forbidden (+)
//	 22 number changed (w/o diagnostic)       410 Gone
//	 23 redirection to new destination        410 Gone
//	 26 non-selected user clearing            404 Not Found (=)
//	 27 destination out of order              502 Bad Gateway
//	 28 address incomplete                    484 Address Incomplete
//	 29 facility rejected                     501 Not Implemented
//	 31 normal unspecified                    480 Temporarily Unavailable
//	Resource unavailable
//	 34 no circuit available                  503 Service Unavailable
//	 38 network out of order                  503 Service Unavailable
//	 41 temporary failure                     503 Service Unavailable
//	 42 switching equipment congestion        503 Service Unavailable
//	 47 resource unavailable                  503 Service Unavailable
//	Service or option not available
//	 55 incoming calls barred within CUG      403 Forbidden
//	 57 bearer capability not authorized      403 Forbidden
//	 58 bearer capability not presently
//	    available                             503 Service Unavailable
//	Service or option not implemented
//	 65 bearer capability not implemented     488 Not Acceptable Here
//	 70 only restricted digital avail         488 Not Acceptable Here
//	 79 service or option not implemented     501 Not Implemented
//	Invalid message
//	 87 user not member of CUG                403 Forbidden
//	 88 incompatible destination              503 Service Unavailable
//	Protocol error
//	102 recovery of timer expiry              504 Server Time-out
//	111 protocol error                        500 Server Internal Error
//	Interworking
//	127 interworking unspecified              500 Server Internal Error
//
// (+) with location "user" a 6xx (603 Decline) may be sent instead: see
// ToSIPAt.
var toSIPRFC3398 = [maxCauseValue + 1]uint16{
	1: 404, 2: 404, 3: 404,
	17: 486, 18: 408, 19: 480, 20: 480, 21: 403, 22: 410, 23: 410,
	26: 404, 27: 502, 28: 484, 29: 501, 31: 480,
	34: 503, 38: 503, 41: 503, 42: 503, 47: 503,
	55: 403, 57: 403, 58: 503,
	65: 488, 70: 488, 79: 501,
	87: 403, 88: 503,
	102: 504, 111: 500,
	127: 500,
}

// toSIPQ1912 is the Q.1912.5 (3GPP TS 29.163) cause-to-status table. It is
// the RFC 3398 table with these differences: 18 "no user responding" gives
// 480 (not 408) and 25 "exchange routing error" gives 483 Too Many Hops
// (unlisted in RFC 3398).
var toSIPQ1912 = func() [maxCauseValue + 1]uint16 {
	t := toSIPRFC3398
	t[18] = 480
	t[25] = 483
	return t
}()

// classDefaultStatus is the status for a cause value neither table lists,
// by class: normal event 480, resource unavailable 503, service or option
// not available 503, not implemented 501, invalid message, protocol error
// and interworking 500. RFC 3398 lists no default; these are callsight's,
// chosen so that a class keeps the meaning of its listed members.
var classDefaultStatus = [classCount]uint16{480, 480, 503, 503, 501, 500, 500, 500}

// ToSIP maps the ISUP/Q.850 cause value q850 to a SIP status code under
// profile p (RFC 3398 §7.2.4.1, or Q.1912.5 where it differs). Cause 16
// (normal call clearing) gives NoStatus (0): the call ends with BYE or
// CANCEL. A value the table does not list falls back on its class (see
// classDefaultStatus).
func ToSIP(q850 uint8, p Profile) int {
	v := q850 & maxCauseValue
	if v == NormalClearing {
		return NoStatus
	}
	var s uint16
	if p == Q1912_5 {
		s = toSIPQ1912[v]
	} else {
		s = toSIPRFC3398[v]
	}
	if s == 0 {
		s = classDefaultStatus[ClassOf(v)]
	}
	return int(s)
}

// ToSIPAt is ToSIP with the cause location: following the (+) note of RFC
// 3398 §7.2.4.1, cause 21 (call rejected) from location "user" maps to 603
// Decline rather than 403 Forbidden.
func ToSIPAt(q850 uint8, loc Location, p Profile) int {
	if q850&maxCauseValue == CallRejected && loc == LocationUser {
		return 603
	}
	return ToSIP(q850, p)
}

const (
	minStatus      = 400
	maxStatus      = 699
	statusTableLen = maxStatus - minStatus + 1
)

// fromSIPRFC3398 is RFC 3398 §8.2.6.1 "SIP Status Code to ISDN Cause Code
// Mapping", indexed by status-400; 0 means "not listed".
//
//	Response received                      Cause value in the REL
//	400 Bad Request                        41 Temporary Failure
//	401 Unauthorized                       21 Call rejected (*)
//	402 Payment required                   21 Call rejected
//	403 Forbidden                          21 Call rejected
//	404 Not Found                           1 Unallocated number
//	405 Method not allowed                 63 Service or option unavailable
//	406 Not acceptable                     79 Service/option not implemented (+)
//	407 Proxy authentication required      21 Call rejected (*)
//	408 Request timeout                   102 Recovery on timer expiry
//	410 Gone                               22 Number changed (w/o diagnostic)
//	413 Request Entity too long           127 Interworking (+)
//	414 Request-URI too long              127 Interworking (+)
//	415 Unsupported media type             79 Service/option not implemented (+)
//	416 Unsupported URI Scheme            127 Interworking (+)
//	420 Bad extension                     127 Interworking (+)
//	421 Extension Required                127 Interworking (+)
//	423 Interval Too Brief                127 Interworking (+)
//	480 Temporarily unavailable            18 No user responding
//	481 Call/Transaction Does not Exist    41 Temporary Failure
//	482 Loop Detected                      25 Exchange - routing error
//	483 Too many hops                      25 Exchange - routing error
//	484 Address incomplete                 28 Invalid Number Format (+)
//	485 Ambiguous                           1 Unallocated number
//	486 Busy here                          17 User busy
//	487 Request Terminated                --- (no mapping)
//	488 Not Acceptable here               --- by Warning header
//	500 Server internal error              41 Temporary failure
//	501 Not implemented                    79 Not implemented, unspecified
//	502 Bad gateway                        38 Network out of order
//	503 Service unavailable                41 Temporary failure
//	504 Server time-out                   102 Recovery on timer expiry
//	505 Version Not Supported             127 Interworking (+)
//	513 Message Too Large                 127 Interworking (+)
//	600 Busy everywhere                    17 User busy
//	603 Decline                            21 Call rejected
//	604 Does not exist anywhere             1 Unallocated number
//	606 Not acceptable                    --- by Warning header
//
// "Any SIP status codes not listed [...] should be mapped to cause code 31
// 'Normal, unspecified'." FromSIP applies that rule to 487, 488 and 606 too,
// whose mapping the RFC leaves to context.
var fromSIPRFC3398 = [statusTableLen]uint8{
	400 - minStatus: 41, 401 - minStatus: 21, 402 - minStatus: 21, 403 - minStatus: 21,
	404 - minStatus: 1, 405 - minStatus: 63, 406 - minStatus: 79, 407 - minStatus: 21,
	408 - minStatus: 102, 410 - minStatus: 22, 413 - minStatus: 127, 414 - minStatus: 127,
	415 - minStatus: 79, 416 - minStatus: 127, 420 - minStatus: 127, 421 - minStatus: 127,
	423 - minStatus: 127, 480 - minStatus: 18, 481 - minStatus: 41, 482 - minStatus: 25,
	483 - minStatus: 25, 484 - minStatus: 28, 485 - minStatus: 1, 486 - minStatus: 17,
	500 - minStatus: 41, 501 - minStatus: 79, 502 - minStatus: 38, 503 - minStatus: 41,
	504 - minStatus: 102, 505 - minStatus: 127, 513 - minStatus: 127,
	600 - minStatus: 17, 603 - minStatus: 21, 604 - minStatus: 1,
}

// fromSIPQ1912 is the Q.1912.5 (3GPP TS 29.163) status-to-cause table:
// 404/485/604 give 1, 410 gives 22, 480 gives 20 "subscriber absent",
// 483 gives 25, 484 gives 28, 486/600 give 17, 401/402/403/407/603 give 21,
// and every other 4xx, 5xx and 6xx gives 127 "interworking, unspecified".
var fromSIPQ1912 = [statusTableLen]uint8{
	401 - minStatus: 21, 402 - minStatus: 21, 403 - minStatus: 21,
	404 - minStatus: 1, 407 - minStatus: 21, 410 - minStatus: 22,
	480 - minStatus: 20, 483 - minStatus: 25, 484 - minStatus: 28,
	485 - minStatus: 1, 486 - minStatus: 17,
	600 - minStatus: 17, 603 - minStatus: 21, 604 - minStatus: 1,
}

// FromSIP maps a final SIP failure status (4xx, 5xx, 6xx) to the ISUP/Q.850
// cause value a gateway puts in REL, under profile p. RFC 3398 §8.2.6.1:
// statuses the table does not list give 31 "normal, unspecified"; Q.1912.5:
// they give 127 "interworking, unspecified". A status outside 400-699 gives
// 16 "normal call clearing" for 2xx (the call was answered, then cleared)
// and 31 otherwise.
func FromSIP(status int, p Profile) uint8 {
	if status < minStatus || status > maxStatus {
		if status >= 200 && status < 300 {
			return NormalClearing
		}
		return NormalUnspecified
	}
	if p == Q1912_5 {
		if v := fromSIPQ1912[status-minStatus]; v != 0 {
			return v
		}
		return InterworkingUnspecified
	}
	if v := fromSIPRFC3398[status-minStatus]; v != 0 {
		return v
	}
	return NormalUnspecified
}

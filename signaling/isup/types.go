package isup

import "strconv"

// Variant selects the ISUP dialect: ITU-T Q.763 or ANSI T1.113.
type Variant uint8

// ISUP variants.
const (
	ITU  Variant = iota // ITU-T Q.763 (and ETSI and most national variants)
	ANSI                // ANSI T1.113 (North America, SIP-T "ansi88"/"ansi92"/"gr317")
)

// String returns "itu" or "ansi".
func (v Variant) String() string {
	switch v {
	case ITU:
		return "itu"
	case ANSI:
		return "ansi"
	}
	return "variant_" + strconv.Itoa(int(v))
}

// MessageType is the ISUP message type code. Spec: ITU-T Q.763 §1.3,
// Table 4; ANSI T1.113.3 for the ANSI-only codes.
type MessageType uint8

// Message type codes, Q.763 Table 4.
const (
	IAM  MessageType = 0x01 // initial address
	SAM  MessageType = 0x02 // subsequent address
	INR  MessageType = 0x03 // information request (national use)
	INF  MessageType = 0x04 // information (national use)
	COT  MessageType = 0x05 // continuity
	ACM  MessageType = 0x06 // address complete
	CON  MessageType = 0x07 // connect
	FOT  MessageType = 0x08 // forward transfer
	ANM  MessageType = 0x09 // answer
	REL  MessageType = 0x0C // release
	SUS  MessageType = 0x0D // suspend
	RES  MessageType = 0x0E // resume
	RLC  MessageType = 0x10 // release complete
	CCR  MessageType = 0x11 // continuity check request
	RSC  MessageType = 0x12 // reset circuit
	BLO  MessageType = 0x13 // blocking
	UBL  MessageType = 0x14 // unblocking
	BLA  MessageType = 0x15 // blocking acknowledgement
	UBA  MessageType = 0x16 // unblocking acknowledgement
	GRS  MessageType = 0x17 // circuit group reset
	CGB  MessageType = 0x18 // circuit group blocking
	CGU  MessageType = 0x19 // circuit group unblocking
	CGBA MessageType = 0x1A // circuit group blocking acknowledgement
	CGUA MessageType = 0x1B // circuit group unblocking acknowledgement
	CMR  MessageType = 0x1C // call modification request (reserved, used in 1988 version)
	CMC  MessageType = 0x1D // call modification completed (reserved, used in 1988 version)
	CMRJ MessageType = 0x1E // call modification reject (reserved, used in 1988 version)
	FAR  MessageType = 0x1F // facility request
	FAA  MessageType = 0x20 // facility accepted
	FRJ  MessageType = 0x21 // facility reject
	LPA  MessageType = 0x24 // loop back acknowledgement (national use)
	DRS  MessageType = 0x27 // delayed release (reserved, used in 1988 version)
	PAM  MessageType = 0x28 // pass-along (national use)
	GRA  MessageType = 0x29 // circuit group reset acknowledgement
	CQM  MessageType = 0x2A // circuit group query (national use)
	CQR  MessageType = 0x2B // circuit group query response (national use)
	CPG  MessageType = 0x2C // call progress
	USR  MessageType = 0x2D // user-to-user information
	UCIC MessageType = 0x2E // unequipped CIC (national use)
	CFN  MessageType = 0x2F // confusion
	OLM  MessageType = 0x30 // overload (national use)
	CRG  MessageType = 0x31 // charge information (national use)
	NRM  MessageType = 0x32 // network resource management
	FAC  MessageType = 0x33 // facility
	UPT  MessageType = 0x34 // user part test
	UPA  MessageType = 0x35 // user part available
	IDR  MessageType = 0x36 // identification request
	IRS  MessageType = 0x37 // identification response
	SGM  MessageType = 0x38 // segmentation
	LOP  MessageType = 0x40 // loop prevention
	APM  MessageType = 0x41 // application transport
	PRI  MessageType = 0x42 // pre-release information
	SDN  MessageType = 0x43 // subsequent directory number (national use)

	// ANSI T1.113 only.
	CRA MessageType = 0xE9 // circuit reservation acknowledgement
	CRM MessageType = 0xEA // circuit reservation
	CVR MessageType = 0xEB // circuit validation response
	CVT MessageType = 0xEC // circuit validation test
	EXM MessageType = 0xED // exit
)

var messageTypeNames = [256]string{
	IAM: "IAM", SAM: "SAM", INR: "INR", INF: "INF", COT: "COT", ACM: "ACM", CON: "CON",
	FOT: "FOT", ANM: "ANM", REL: "REL", SUS: "SUS", RES: "RES", RLC: "RLC", CCR: "CCR",
	RSC: "RSC", BLO: "BLO", UBL: "UBL", BLA: "BLA", UBA: "UBA", GRS: "GRS", CGB: "CGB",
	CGU: "CGU", CGBA: "CGBA", CGUA: "CGUA", CMR: "CMR", CMC: "CMC", CMRJ: "CMRJ",
	FAR: "FAR", FAA: "FAA", FRJ: "FRJ", LPA: "LPA", DRS: "DRS", PAM: "PAM", GRA: "GRA",
	CQM: "CQM", CQR: "CQR", CPG: "CPG", USR: "USR", UCIC: "UCIC", CFN: "CFN", OLM: "OLM",
	CRG: "CRG", NRM: "NRM", FAC: "FAC", UPT: "UPT", UPA: "UPA", IDR: "IDR", IRS: "IRS",
	SGM: "SGM", LOP: "LOP", APM: "APM", PRI: "PRI", SDN: "SDN",
	CRA: "CRA", CRM: "CRM", CVR: "CVR", CVT: "CVT", EXM: "EXM",
}

const hexDigits = "0123456789abcdef"

// hexNames holds "0x00".."0xff" so that String never allocates.
var hexNames = func() (t [256]string) {
	for i := range t {
		t[i] = "0x" + string([]byte{hexDigits[i>>4], hexDigits[i&15]})
	}
	return t
}()

// String returns the Q.763 abbreviation ("IAM", "REL", ...), or the code in
// hex ("0x5a") for a code no table defines.
func (t MessageType) String() string {
	if s := messageTypeNames[t]; s != "" {
		return s
	}
	return hexNames[t]
}

// Known reports whether t is a message type Q.763 or T1.113 defines.
func (t MessageType) Known() bool { return messageTypeNames[t] != "" }

// CircuitSupervision reports whether t belongs to circuit supervision and
// maintenance rather than to a call: blocking, reset, group messages,
// unequipped CIC, continuity check request, loop back and ANSI circuit
// validation. Spec: Q.764 §2.8-2.10, Q.763 §4 Table 39-44.
func (t MessageType) CircuitSupervision() bool {
	switch t {
	case BLO, UBL, BLA, UBA, GRS, GRA, CGB, CGU, CGBA, CGUA, RSC, UCIC, CQM, CQR, LPA, CCR, CVT, CVR:
		return true
	}
	return false
}

// ParamCode is the ISUP parameter name code. Spec: Q.763 §1.4, Table 5;
// ANSI T1.113.3 for the ANSI-only codes.
type ParamCode uint8

// Parameter codes, Q.763 Table 5 (and ANSI T1.113).
const (
	// ParamEndOfOptional (0) ends the optional part. In Message.Params it
	// marks the undecoded remainder of a message whose format is unknown.
	ParamEndOfOptional             ParamCode = 0x00
	ParamCallReference             ParamCode = 0x01
	ParamTransmissionMediumReq     ParamCode = 0x02
	ParamAccessTransport           ParamCode = 0x03
	ParamCalledPartyNumber         ParamCode = 0x04
	ParamSubsequentNumber          ParamCode = 0x05
	ParamNatureOfConnection        ParamCode = 0x06
	ParamForwardCallIndicators     ParamCode = 0x07
	ParamOptionalForwardCallInd    ParamCode = 0x08
	ParamCallingPartyCategory      ParamCode = 0x09
	ParamCallingPartyNumber        ParamCode = 0x0A
	ParamRedirectingNumber         ParamCode = 0x0B
	ParamRedirectionNumber         ParamCode = 0x0C
	ParamConnectionRequest         ParamCode = 0x0D
	ParamInformationRequestInd     ParamCode = 0x0E
	ParamInformationIndicators     ParamCode = 0x0F
	ParamContinuityIndicators      ParamCode = 0x10
	ParamBackwardCallIndicators    ParamCode = 0x11
	ParamCauseIndicators           ParamCode = 0x12
	ParamRedirectionInformation    ParamCode = 0x13
	ParamCGSMessageType            ParamCode = 0x15
	ParamRangeAndStatus            ParamCode = 0x16
	ParamFacilityIndicator         ParamCode = 0x18
	ParamCUGInterlockCode          ParamCode = 0x1A
	ParamUserServiceInformation    ParamCode = 0x1D
	ParamSignallingPointCode       ParamCode = 0x1E
	ParamUserToUserInformation     ParamCode = 0x20
	ParamConnectedNumber           ParamCode = 0x21
	ParamSuspendResumeIndicators   ParamCode = 0x22
	ParamTransitNetworkSelection   ParamCode = 0x23
	ParamEventInformation          ParamCode = 0x24
	ParamCircuitAssignmentMap      ParamCode = 0x25
	ParamCircuitStateIndicator     ParamCode = 0x26
	ParamAutomaticCongestionLevel  ParamCode = 0x27
	ParamOriginalCalledNumber      ParamCode = 0x28
	ParamOptionalBackwardCallInd   ParamCode = 0x29
	ParamUserToUserIndicators      ParamCode = 0x2A
	ParamOriginationISCPointCode   ParamCode = 0x2B
	ParamGenericNotification       ParamCode = 0x2C
	ParamCallHistoryInformation    ParamCode = 0x2D
	ParamAccessDeliveryInformation ParamCode = 0x2E
	ParamNetworkSpecificFacility   ParamCode = 0x2F
	ParamUserServiceInfoPrime      ParamCode = 0x30
	ParamPropagationDelayCounter   ParamCode = 0x31
	ParamRemoteOperations          ParamCode = 0x32
	ParamServiceActivation         ParamCode = 0x33
	ParamUserTeleserviceInfo       ParamCode = 0x34
	ParamTransmissionMediumUsed    ParamCode = 0x35
	ParamCallDiversionInformation  ParamCode = 0x36
	ParamEchoControlInformation    ParamCode = 0x37
	ParamMessageCompatibilityInfo  ParamCode = 0x38
	ParamParameterCompatibility    ParamCode = 0x39
	ParamMLPPPrecedence            ParamCode = 0x3A
	ParamMCIDRequestIndicators     ParamCode = 0x3B
	ParamMCIDResponseIndicators    ParamCode = 0x3C
	ParamHopCounter                ParamCode = 0x3D
	ParamTransmissionMediumPrime   ParamCode = 0x3E
	ParamLocationNumber            ParamCode = 0x3F
	ParamRedirectionNumberRestrict ParamCode = 0x40
	ParamCallTransferReference     ParamCode = 0x43
	ParamLoopPreventionIndicators  ParamCode = 0x44
	ParamCallTransferNumber        ParamCode = 0x45
	ParamCCSS                      ParamCode = 0x4B
	ParamForwardGVNS               ParamCode = 0x4C
	ParamBackwardGVNS              ParamCode = 0x4D
	ParamRedirectCapability        ParamCode = 0x4E
	ParamNetworkManagementControls ParamCode = 0x5B
	ParamCorrelationID             ParamCode = 0x65
	ParamSCFID                     ParamCode = 0x66
	ParamCallDiversionTreatment    ParamCode = 0x6E
	ParamCalledINNumber            ParamCode = 0x6F
	ParamCallOfferingTreatment     ParamCode = 0x70
	ParamChargedPartyIdentif       ParamCode = 0x71
	ParamConferenceTreatment       ParamCode = 0x72
	ParamDisplayInformation        ParamCode = 0x73
	ParamUIDActionIndicators       ParamCode = 0x74
	ParamUIDCapabilityIndicators   ParamCode = 0x75
	ParamRedirectCounter           ParamCode = 0x77
	ParamApplicationTransport      ParamCode = 0x78
	ParamCollectCallRequest        ParamCode = 0x79
	ParamCCNRPossibleIndicator     ParamCode = 0x7A
	ParamPivotCapability           ParamCode = 0x7B
	ParamPivotRoutingIndicators    ParamCode = 0x7C
	ParamCalledDirectoryNumber     ParamCode = 0x7D
	ParamOriginalCalledINNumber    ParamCode = 0x7F
	ParamCallingGeodeticLocation   ParamCode = 0x81
	ParamGenericReference          ParamCode = 0x82
	ParamHTRInformation            ParamCode = 0x83
	ParamNetworkRoutingNumber      ParamCode = 0x84
	ParamQoRCapability             ParamCode = 0x85
	ParamPivotStatus               ParamCode = 0x86
	ParamPivotCounter              ParamCode = 0x87
	ParamPivotRoutingForward       ParamCode = 0x88
	ParamPivotRoutingBackward      ParamCode = 0x89
	ParamRedirectStatus            ParamCode = 0x8A
	ParamRedirectForwardInfo       ParamCode = 0x8B
	ParamRedirectBackwardInfo      ParamCode = 0x8C
	ParamNumberPortabilityForward  ParamCode = 0x8D
	ParamGenericNumber             ParamCode = 0xC0
	ParamGenericDigits             ParamCode = 0xC1

	// ANSI T1.113 only.
	ParamOperatorServicesInfo       ParamCode = 0xC2
	ParamEgressService              ParamCode = 0xC3
	ParamJurisdictionInformation    ParamCode = 0xC4
	ParamCarrierIdentification      ParamCode = 0xC5
	ParamBusinessGroup              ParamCode = 0xC6
	ParamGenericName                ParamCode = 0xC7
	ParamNotificationIndicator      ParamCode = 0xE1
	ParamTransactionRequest         ParamCode = 0xE3
	ParamCircuitGroupCharacteristic ParamCode = 0xE5
	ParamCircuitValidationResponse  ParamCode = 0xE6
	ParamOutgoingTrunkGroupNumber   ParamCode = 0xE7
	ParamCircuitIdentificationName  ParamCode = 0xE8
	ParamCLLICode                   ParamCode = 0xE9
	ParamOriginatingLineInfo        ParamCode = 0xEA
	ParamChargeNumber               ParamCode = 0xEB
	ParamServiceCodeIndicator       ParamCode = 0xEC
	ParamSpecialProcessingRequest   ParamCode = 0xED
	ParamCarrierSelectionInfo       ParamCode = 0xEE
	ParamNetworkTransport           ParamCode = 0xEF
)

var paramNames = [256]string{
	ParamEndOfOptional:             "end of optional parameters",
	ParamCallReference:             "call reference",
	ParamTransmissionMediumReq:     "transmission medium requirement",
	ParamAccessTransport:           "access transport",
	ParamCalledPartyNumber:         "called party number",
	ParamSubsequentNumber:          "subsequent number",
	ParamNatureOfConnection:        "nature of connection indicators",
	ParamForwardCallIndicators:     "forward call indicators",
	ParamOptionalForwardCallInd:    "optional forward call indicators",
	ParamCallingPartyCategory:      "calling party's category",
	ParamCallingPartyNumber:        "calling party number",
	ParamRedirectingNumber:         "redirecting number",
	ParamRedirectionNumber:         "redirection number",
	ParamConnectionRequest:         "connection request",
	ParamInformationRequestInd:     "information request indicators",
	ParamInformationIndicators:     "information indicators",
	ParamContinuityIndicators:      "continuity indicators",
	ParamBackwardCallIndicators:    "backward call indicators",
	ParamCauseIndicators:           "cause indicators",
	ParamRedirectionInformation:    "redirection information",
	ParamCGSMessageType:            "circuit group supervision message type",
	ParamRangeAndStatus:            "range and status",
	ParamFacilityIndicator:         "facility indicator",
	ParamCUGInterlockCode:          "closed user group interlock code",
	ParamUserServiceInformation:    "user service information",
	ParamSignallingPointCode:       "signalling point code",
	ParamUserToUserInformation:     "user-to-user information",
	ParamConnectedNumber:           "connected number",
	ParamSuspendResumeIndicators:   "suspend/resume indicators",
	ParamTransitNetworkSelection:   "transit network selection",
	ParamEventInformation:          "event information",
	ParamCircuitAssignmentMap:      "circuit assignment map",
	ParamCircuitStateIndicator:     "circuit state indicator",
	ParamAutomaticCongestionLevel:  "automatic congestion level",
	ParamOriginalCalledNumber:      "original called number",
	ParamOptionalBackwardCallInd:   "optional backward call indicators",
	ParamUserToUserIndicators:      "user-to-user indicators",
	ParamOriginationISCPointCode:   "origination ISC point code",
	ParamGenericNotification:       "generic notification indicator",
	ParamCallHistoryInformation:    "call history information",
	ParamAccessDeliveryInformation: "access delivery information",
	ParamNetworkSpecificFacility:   "network specific facility",
	ParamUserServiceInfoPrime:      "user service information prime",
	ParamPropagationDelayCounter:   "propagation delay counter",
	ParamRemoteOperations:          "remote operations",
	ParamServiceActivation:         "service activation",
	ParamUserTeleserviceInfo:       "user teleservice information",
	ParamTransmissionMediumUsed:    "transmission medium used",
	ParamCallDiversionInformation:  "call diversion information",
	ParamEchoControlInformation:    "echo control information",
	ParamMessageCompatibilityInfo:  "message compatibility information",
	ParamParameterCompatibility:    "parameter compatibility information",
	ParamMLPPPrecedence:            "MLPP precedence",
	ParamMCIDRequestIndicators:     "MCID request indicators",
	ParamMCIDResponseIndicators:    "MCID response indicators",
	ParamHopCounter:                "hop counter",
	ParamTransmissionMediumPrime:   "transmission medium requirement prime",
	ParamLocationNumber:            "location number",
	ParamRedirectionNumberRestrict: "redirection number restriction",
	ParamCallTransferReference:     "call transfer reference",
	ParamLoopPreventionIndicators:  "loop prevention indicators",
	ParamCallTransferNumber:        "call transfer number",
	ParamCCSS:                      "CCSS",
	ParamForwardGVNS:               "forward GVNS",
	ParamBackwardGVNS:              "backward GVNS",
	ParamRedirectCapability:        "redirect capability",
	ParamNetworkManagementControls: "network management controls",
	ParamCorrelationID:             "correlation id",
	ParamSCFID:                     "SCF id",
	ParamCallDiversionTreatment:    "call diversion treatment indicators",
	ParamCalledINNumber:            "called IN number",
	ParamCallOfferingTreatment:     "call offering treatment indicators",
	ParamChargedPartyIdentif:       "charged party identification",
	ParamConferenceTreatment:       "conference treatment indicators",
	ParamDisplayInformation:        "display information",
	ParamUIDActionIndicators:       "UID action indicators",
	ParamUIDCapabilityIndicators:   "UID capability indicators",
	ParamRedirectCounter:           "redirect counter",
	ParamApplicationTransport:      "application transport",
	ParamCollectCallRequest:        "collect call request",
	ParamCCNRPossibleIndicator:     "CCNR possible indicator",
	ParamPivotCapability:           "pivot capability",
	ParamPivotRoutingIndicators:    "pivot routing indicators",
	ParamCalledDirectoryNumber:     "called directory number",
	ParamOriginalCalledINNumber:    "original called IN number",
	ParamCallingGeodeticLocation:   "calling geodetic location",
	ParamGenericReference:          "generic reference",
	ParamHTRInformation:            "HTR information",
	ParamNetworkRoutingNumber:      "network routing number",
	ParamQoRCapability:             "QoR capability",
	ParamPivotStatus:               "pivot status",
	ParamPivotCounter:              "pivot counter",
	ParamPivotRoutingForward:       "pivot routing forward information",
	ParamPivotRoutingBackward:      "pivot routing backward information",
	ParamRedirectStatus:            "redirect status",
	ParamRedirectForwardInfo:       "redirect forward information",
	ParamRedirectBackwardInfo:      "redirect backward information",
	ParamNumberPortabilityForward:  "number portability forward information",
	ParamGenericNumber:             "generic number",
	ParamGenericDigits:             "generic digits",

	ParamOperatorServicesInfo:       "operator services information",
	ParamEgressService:              "egress service",
	ParamJurisdictionInformation:    "jurisdiction information",
	ParamCarrierIdentification:      "carrier identification",
	ParamBusinessGroup:              "business group",
	ParamGenericName:                "generic name",
	ParamNotificationIndicator:      "notification indicator",
	ParamTransactionRequest:         "transaction request",
	ParamCircuitGroupCharacteristic: "circuit group characteristic indicator",
	ParamCircuitValidationResponse:  "circuit validation response indicator",
	ParamOutgoingTrunkGroupNumber:   "outgoing trunk group number",
	ParamCircuitIdentificationName:  "circuit identification name",
	ParamCLLICode:                   "common language location identification",
	ParamOriginatingLineInfo:        "originating line information",
	ParamChargeNumber:               "charge number",
	ParamServiceCodeIndicator:       "service code indicator",
	ParamSpecialProcessingRequest:   "special processing request",
	ParamCarrierSelectionInfo:       "carrier selection information",
	ParamNetworkTransport:           "network transport",
}

// String returns the Q.763 name of the parameter ("called party number"),
// or the code in hex ("0xf4") for a code no table defines.
func (c ParamCode) String() string {
	if s := paramNames[c]; s != "" {
		return s
	}
	return hexNames[c]
}

package gtp

// v1Names are the GTPv1-C message types of 3GPP TS 29.060 §7.1, Table 1.
var v1Names = map[uint8]string{
	1: "EchoRequest", 2: "EchoResponse", 3: "VersionNotSupported",
	4: "NodeAliveRequest", 5: "NodeAliveResponse", 6: "RedirectionRequest", 7: "RedirectionResponse",
	16: "CreatePDPContextRequest", 17: "CreatePDPContextResponse",
	18: "UpdatePDPContextRequest", 19: "UpdatePDPContextResponse",
	20: "DeletePDPContextRequest", 21: "DeletePDPContextResponse",
	22: "InitiatePDPContextActivationRequest", 23: "InitiatePDPContextActivationResponse",
	27: "PDUNotificationRequest", 28: "PDUNotificationResponse",
	29: "PDUNotificationRejectRequest", 30: "PDUNotificationRejectResponse",
	31: "SupportedExtensionHeadersNotification",
	32: "SendRoutingInformationForGPRSRequest", 33: "SendRoutingInformationForGPRSResponse",
	34: "FailureReportRequest", 35: "FailureReportResponse",
	36: "NoteMSGPRSPresentRequest", 37: "NoteMSGPRSPresentResponse",
	48: "IdentificationRequest", 49: "IdentificationResponse",
	50: "SGSNContextRequest", 51: "SGSNContextResponse", 52: "SGSNContextAcknowledge",
	53: "ForwardRelocationRequest", 54: "ForwardRelocationResponse",
	55: "ForwardRelocationComplete", 56: "RelocationCancelRequest", 57: "RelocationCancelResponse",
	58: "ForwardSRNSContext", 59: "ForwardRelocationCompleteAcknowledge", 60: "ForwardSRNSContextAcknowledge",
	70: "RANInformationRelay",
	96: "MBMSNotificationRequest", 97: "MBMSNotificationResponse",
}

// v2Names are the GTPv2-C message types of 3GPP TS 29.274 §6.1, Table 6.1-1.
var v2Names = map[uint8]string{
	1: "EchoRequest", 2: "EchoResponse", 3: "VersionNotSupportedIndication",
	32: "CreateSessionRequest", 33: "CreateSessionResponse",
	34: "ModifyBearerRequest", 35: "ModifyBearerResponse",
	36: "DeleteSessionRequest", 37: "DeleteSessionResponse",
	38: "ChangeNotificationRequest", 39: "ChangeNotificationResponse",
	64: "ModifyBearerCommand", 65: "ModifyBearerFailureIndication",
	66: "DeleteBearerCommand", 67: "DeleteBearerFailureIndication",
	68: "BearerResourceCommand", 69: "BearerResourceFailureIndication",
	70: "DownlinkDataNotificationFailureIndication",
	71: "TraceSessionActivation", 72: "TraceSessionDeactivation", 73: "StopPagingIndication",
	95: "CreateBearerRequest", 96: "CreateBearerResponse",
	97: "UpdateBearerRequest", 98: "UpdateBearerResponse",
	99: "DeleteBearerRequest", 100: "DeleteBearerResponse",
	101: "DeletePDNConnectionSetRequest", 102: "DeletePDNConnectionSetResponse",
	128: "IdentificationRequest", 129: "IdentificationResponse",
	130: "ContextRequest", 131: "ContextResponse", 132: "ContextAcknowledge",
	133: "ForwardRelocationRequest", 134: "ForwardRelocationResponse",
	135: "ForwardRelocationCompleteNotification", 136: "ForwardRelocationCompleteAcknowledge",
	137: "ForwardAccessContextNotification", 138: "ForwardAccessContextAcknowledge",
	139: "RelocationCancelRequest", 140: "RelocationCancelResponse",
	149: "DetachNotification", 150: "DetachAcknowledge",
	162: "SuspendNotification", 163: "SuspendAcknowledge",
	164: "ResumeNotification", 165: "ResumeAcknowledge",
	170: "ReleaseAccessBearersRequest", 171: "ReleaseAccessBearersResponse",
	176: "DownlinkDataNotification", 177: "DownlinkDataNotificationAcknowledge",
	179: "PGWRestartNotification", 180: "PGWRestartNotificationAcknowledge",
	211: "ModifyAccessBearersRequest", 212: "ModifyAccessBearersResponse",
}

// TypeName returns the 3GPP name of a message type of GTP version 1 or 2,
// such as "CreatePDPContextResponse", or "Unknown". It does not allocate.
func TypeName(version, typ uint8) string {
	var n string
	switch version {
	case 1:
		n = v1Names[typ]
	case 2:
		n = v2Names[typ]
	}
	if n == "" {
		return "Unknown"
	}
	return n
}

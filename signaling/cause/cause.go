// Package cause holds the ITU-T Q.850 cause value table and the mappings
// between Q.850 cause values (carried in ISUP, Q.931 and in the SIP Reason
// header) and SIP status codes.
//
// Every lookup is an index into a fixed Go array: no allocation, no map.
//
// Sources:
//   - ITU-T Q.850 (05/1998) and its amendments, Table 1 "Cause information
//     element" values and §2.2.5 (class and value fields, location field);
//   - RFC 3398 §7.2.4.1 (ISUP cause value to SIP status code) and §8.2.6.1
//     (SIP status code to ISUP cause value);
//   - ITU-T Q.1912.5 / 3GPP TS 29.163, the SIP-I interworking profile, where
//     its tables differ from RFC 3398 (see toSIPQ1912 and fromSIPQ1912).
package cause

import "strconv"

// Class is the 3-bit class field of a Q.850 cause value (bits 7-5 of the
// cause value octet). Spec: ITU-T Q.850 §2.2.5, Table 1.
type Class uint8

// Q.850 classes. The "normal event" class takes two codes, 000 and 001, as
// Q.850 does: values 0-15 and 16-31.
const (
	ClassNormalEvent           Class = 0 // 000: normal event (values 0-15)
	ClassNormalEvent1          Class = 1 // 001: normal event (values 16-31)
	ClassResourceUnavailable   Class = 2 // 010: resource unavailable
	ClassServiceNotAvailable   Class = 3 // 011: service or option not available
	ClassServiceNotImplemented Class = 4 // 100: service or option not implemented
	ClassInvalidMessage        Class = 5 // 101: invalid message (e.g. parameter out of range)
	ClassProtocolError         Class = 6 // 110: protocol error (e.g. unknown message)
	ClassInterworking          Class = 7 // 111: interworking
)

const (
	classCount                = 8
	classNormalEventName      = "normal_event"
	classUnknownNamePrefix    = "class_"
	maxCauseValue             = 127
	unknownCauseName          = "unknown_cause"
	locationCount             = 16
	locationUnknownNamePrefix = "location_"
)

var classNames = [classCount]string{
	classNormalEventName,
	classNormalEventName,
	"resource_unavailable",
	"service_or_option_not_available",
	"service_or_option_not_implemented",
	"invalid_message",
	"protocol_error",
	"interworking",
}

// ClassOf returns the class of the 7-bit cause value v.
func ClassOf(v uint8) Class { return Class((v >> 4) & 7) }

// Normal reports whether c is one of the two normal event classes.
func (c Class) Normal() bool { return c <= ClassNormalEvent1 }

// String returns the snake_case name of the class, e.g. "normal_event" or
// "resource_unavailable".
func (c Class) String() string {
	if c < classCount {
		return classNames[c]
	}
	return classUnknownNamePrefix + strconv.Itoa(int(c))
}

// Info describes one cause value.
type Info struct {
	// Value is the 7-bit cause value.
	Value uint8
	// Name is the snake_case Q.850 name, e.g. "user_busy", or
	// "unknown_cause" for a value Q.850 does not define.
	Name string
	// Class is the class of the value (defined or not).
	Class Class
	// Known reports whether Q.850 defines the value.
	Known bool
}

// String returns the name of the cause.
func (i Info) String() string { return i.Name }

// q850Names is ITU-T Q.850 Table 1 (with Amd. 1: 14 "QoR: ported number",
// 24 "call rejected due to feature at the destination"). The empty string
// marks values Q.850 leaves unassigned.
var q850Names = [maxCauseValue + 1]string{
	// Class 000 and 001: normal event.
	1:  "unallocated_number",                   // unallocated (unassigned) number
	2:  "no_route_to_transit_network",          // no route to specified transit network (national use)
	3:  "no_route_to_destination",              // no route to destination
	4:  "send_special_information_tone",        // send special information tone
	5:  "misdialled_trunk_prefix",              // misdialled trunk prefix (national use)
	6:  "channel_unacceptable",                 // channel unacceptable
	7:  "call_awarded_in_established_channel",  // call awarded and being delivered in an established channel
	8:  "preemption",                           // preemption
	9:  "preemption_circuit_reserved",          // preemption - circuit reserved for reuse
	14: "qor_ported_number",                    // QoR: ported number (Amd. 1)
	16: "normal_clearing",                      // normal call clearing
	17: "user_busy",                            // user busy
	18: "no_user_responding",                   // no user responding
	19: "no_answer_from_user",                  // no answer from user (user alerted)
	20: "subscriber_absent",                    // subscriber absent
	21: "call_rejected",                        // call rejected
	22: "number_changed",                       // number changed
	23: "redirection_to_new_destination",       // redirection to new destination
	24: "call_rejected_feature_at_destination", // call rejected due to feature at the destination (Amd. 1)
	25: "exchange_routing_error",               // exchange routing error
	26: "non_selected_user_clearing",           // non-selected user clearing
	27: "destination_out_of_order",             // destination out of order
	28: "invalid_number_format",                // invalid number format (address incomplete)
	29: "facility_rejected",                    // facility rejected
	30: "response_to_status_enquiry",           // response to STATUS ENQUIRY
	31: "normal_unspecified",                   // normal, unspecified
	// Class 010: resource unavailable.
	34: "no_circuit_available",                      // no circuit/channel available
	38: "network_out_of_order",                      // network out of order
	39: "permanent_frame_connection_out_of_service", // permanent frame mode connection out of service
	40: "permanent_frame_connection_operational",    // permanent frame mode connection operational
	41: "temporary_failure",                         // temporary failure
	42: "switching_equipment_congestion",            // switching equipment congestion
	43: "access_information_discarded",              // access information discarded
	44: "requested_circuit_not_available",           // requested circuit/channel not available
	46: "precedence_call_blocked",                   // precedence call blocked
	47: "resource_unavailable_unspecified",          // resource unavailable, unspecified
	// Class 011: service or option not available.
	49: "quality_of_service_not_available",       // quality of service not available
	50: "requested_facility_not_subscribed",      // requested facility not subscribed
	53: "outgoing_calls_barred_within_cug",       // outgoing calls barred within CUG
	55: "incoming_calls_barred_within_cug",       // incoming calls barred within CUG
	57: "bearer_capability_not_authorized",       // bearer capability not authorized
	58: "bearer_capability_not_available",        // bearer capability not presently available
	62: "inconsistent_outgoing_access_and_class", // inconsistency in designated outgoing access information and subscriber class
	63: "service_not_available_unspecified",      // service or option not available, unspecified
	// Class 100: service or option not implemented.
	65: "bearer_capability_not_implemented",   // bearer capability not implemented
	66: "channel_type_not_implemented",        // channel type not implemented
	69: "requested_facility_not_implemented",  // requested facility not implemented
	70: "only_restricted_digital_available",   // only restricted digital information bearer capability is available
	79: "service_not_implemented_unspecified", // service or option not implemented, unspecified
	// Class 101: invalid message.
	81: "invalid_call_reference",                 // invalid call reference value
	82: "identified_channel_does_not_exist",      // identified channel does not exist
	83: "suspended_call_identity_does_not_exist", // a suspended call exists, but this call identity does not
	84: "call_identity_in_use",                   // call identity in use
	85: "no_call_suspended",                      // no call suspended
	86: "call_identity_cleared",                  // call having the requested call identity has been cleared
	87: "user_not_member_of_cug",                 // user not member of CUG
	88: "incompatible_destination",               // incompatible destination
	90: "non_existent_cug",                       // non-existent CUG
	91: "invalid_transit_network_selection",      // invalid transit network selection (national use)
	95: "invalid_message_unspecified",            // invalid message, unspecified
	// Class 110: protocol error.
	96:  "mandatory_ie_missing",                          // mandatory information element is missing
	97:  "message_type_not_implemented",                  // message type non-existent or not implemented
	98:  "message_not_compatible_or_not_implemented",     // message not compatible with call state or message type non-existent or not implemented
	99:  "ie_not_implemented",                            // information element / parameter non-existent or not implemented
	100: "invalid_ie_contents",                           // invalid information element contents
	101: "message_not_compatible_with_call_state",        // message not compatible with call state
	102: "recovery_on_timer_expiry",                      // recovery on timer expiry
	103: "parameter_not_implemented_passed_on",           // parameter non-existent or not implemented - passed on
	110: "message_with_unrecognized_parameter_discarded", // message with unrecognized parameter discarded
	111: "protocol_error_unspecified",                    // protocol error, unspecified
	// Class 111: interworking.
	127: "interworking_unspecified", // interworking, unspecified
}

// Q850 returns what ITU-T Q.850 Table 1 says about the cause value v (the
// 7-bit value; the extension bit must already be removed). A value Q.850
// does not define gives Known false and the name "unknown_cause".
func Q850(v uint8) Info {
	v &= maxCauseValue
	name := q850Names[v]
	if name == "" {
		return Info{Value: v, Name: unknownCauseName, Class: ClassOf(v)}
	}
	return Info{Value: v, Name: name, Class: ClassOf(v), Known: true}
}

// Common cause values, for readable call sites.
const (
	UnallocatedNumber       uint8 = 1
	NormalClearing          uint8 = 16
	UserBusy                uint8 = 17
	NoUserResponding        uint8 = 18
	NoAnswerFromUser        uint8 = 19
	SubscriberAbsent        uint8 = 20
	CallRejected            uint8 = 21
	NumberChanged           uint8 = 22
	NormalUnspecified       uint8 = 31
	NoCircuitAvailable      uint8 = 34
	TemporaryFailure        uint8 = 41
	RecoveryOnTimerExpiry   uint8 = 102
	InterworkingUnspecified uint8 = 127
)

// Location is the 4-bit location field of a cause indicator.
// Spec: ITU-T Q.850 §2.2.5, octet 3 bits 4-1.
type Location uint8

// Q.850 locations.
const (
	LocationUser               Location = 0  // U: user
	LocationPrivateLocal       Location = 1  // LPN: private network serving the local user
	LocationPublicLocal        Location = 2  // LN: public network serving the local user
	LocationTransit            Location = 3  // TN: transit network
	LocationPublicRemote       Location = 4  // RLN: public network serving the remote user
	LocationPrivateRemote      Location = 5  // RPN: private network serving the remote user
	LocationInternational      Location = 7  // INTL: international network
	LocationBeyondInterworking Location = 10 // BI: network beyond interworking point
)

var locationNames = [locationCount]string{
	0:  "user",
	1:  "private_network_local_user",
	2:  "public_network_local_user",
	3:  "transit_network",
	4:  "public_network_remote_user",
	5:  "private_network_remote_user",
	7:  "international_network",
	10: "beyond_interworking_point",
}

// String returns the snake_case name of the location, e.g. "user" or
// "public_network_remote_user"; reserved codes print as "location_6".
func (l Location) String() string {
	if l < locationCount && locationNames[l] != "" {
		return locationNames[l]
	}
	return locationUnknownNamePrefix + strconv.Itoa(int(l))
}

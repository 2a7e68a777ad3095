package cause

import "testing"

// q850Defined lists every value of ITU-T Q.850 Table 1 with its class.
var q850Defined = []struct {
	v     uint8
	name  string
	class Class
}{
	{1, "unallocated_number", ClassNormalEvent}, {2, "no_route_to_transit_network", ClassNormalEvent},
	{3, "no_route_to_destination", ClassNormalEvent}, {4, "send_special_information_tone", ClassNormalEvent},
	{5, "misdialled_trunk_prefix", ClassNormalEvent}, {6, "channel_unacceptable", ClassNormalEvent},
	{7, "call_awarded_in_established_channel", ClassNormalEvent}, {8, "preemption", ClassNormalEvent},
	{9, "preemption_circuit_reserved", ClassNormalEvent}, {14, "qor_ported_number", ClassNormalEvent},
	{16, "normal_clearing", ClassNormalEvent1}, {17, "user_busy", ClassNormalEvent1},
	{18, "no_user_responding", ClassNormalEvent1}, {19, "no_answer_from_user", ClassNormalEvent1},
	{20, "subscriber_absent", ClassNormalEvent1}, {21, "call_rejected", ClassNormalEvent1},
	{22, "number_changed", ClassNormalEvent1}, {23, "redirection_to_new_destination", ClassNormalEvent1},
	{24, "call_rejected_feature_at_destination", ClassNormalEvent1}, {25, "exchange_routing_error", ClassNormalEvent1},
	{26, "non_selected_user_clearing", ClassNormalEvent1}, {27, "destination_out_of_order", ClassNormalEvent1},
	{28, "invalid_number_format", ClassNormalEvent1}, {29, "facility_rejected", ClassNormalEvent1},
	{30, "response_to_status_enquiry", ClassNormalEvent1}, {31, "normal_unspecified", ClassNormalEvent1},
	{34, "no_circuit_available", ClassResourceUnavailable}, {38, "network_out_of_order", ClassResourceUnavailable},
	{39, "permanent_frame_connection_out_of_service", ClassResourceUnavailable},
	{40, "permanent_frame_connection_operational", ClassResourceUnavailable},
	{41, "temporary_failure", ClassResourceUnavailable}, {42, "switching_equipment_congestion", ClassResourceUnavailable},
	{43, "access_information_discarded", ClassResourceUnavailable}, {44, "requested_circuit_not_available", ClassResourceUnavailable},
	{46, "precedence_call_blocked", ClassResourceUnavailable}, {47, "resource_unavailable_unspecified", ClassResourceUnavailable},
	{49, "quality_of_service_not_available", ClassServiceNotAvailable},
	{50, "requested_facility_not_subscribed", ClassServiceNotAvailable},
	{53, "outgoing_calls_barred_within_cug", ClassServiceNotAvailable},
	{55, "incoming_calls_barred_within_cug", ClassServiceNotAvailable},
	{57, "bearer_capability_not_authorized", ClassServiceNotAvailable},
	{58, "bearer_capability_not_available", ClassServiceNotAvailable},
	{62, "inconsistent_outgoing_access_and_class", ClassServiceNotAvailable},
	{63, "service_not_available_unspecified", ClassServiceNotAvailable},
	{65, "bearer_capability_not_implemented", ClassServiceNotImplemented},
	{66, "channel_type_not_implemented", ClassServiceNotImplemented},
	{69, "requested_facility_not_implemented", ClassServiceNotImplemented},
	{70, "only_restricted_digital_available", ClassServiceNotImplemented},
	{79, "service_not_implemented_unspecified", ClassServiceNotImplemented},
	{81, "invalid_call_reference", ClassInvalidMessage}, {82, "identified_channel_does_not_exist", ClassInvalidMessage},
	{83, "suspended_call_identity_does_not_exist", ClassInvalidMessage}, {84, "call_identity_in_use", ClassInvalidMessage},
	{85, "no_call_suspended", ClassInvalidMessage}, {86, "call_identity_cleared", ClassInvalidMessage},
	{87, "user_not_member_of_cug", ClassInvalidMessage}, {88, "incompatible_destination", ClassInvalidMessage},
	{90, "non_existent_cug", ClassInvalidMessage}, {91, "invalid_transit_network_selection", ClassInvalidMessage},
	{95, "invalid_message_unspecified", ClassInvalidMessage},
	{96, "mandatory_ie_missing", ClassProtocolError}, {97, "message_type_not_implemented", ClassProtocolError},
	{98, "message_not_compatible_or_not_implemented", ClassProtocolError}, {99, "ie_not_implemented", ClassProtocolError},
	{100, "invalid_ie_contents", ClassProtocolError}, {101, "message_not_compatible_with_call_state", ClassProtocolError},
	{102, "recovery_on_timer_expiry", ClassProtocolError}, {103, "parameter_not_implemented_passed_on", ClassProtocolError},
	{110, "message_with_unrecognized_parameter_discarded", ClassProtocolError},
	{111, "protocol_error_unspecified", ClassProtocolError},
	{127, "interworking_unspecified", ClassInterworking},
}

func TestQ850Defined(t *testing.T) {
	seen := map[uint8]bool{}
	for _, tc := range q850Defined {
		seen[tc.v] = true
		got := Q850(tc.v)
		want := Info{Value: tc.v, Name: tc.name, Class: tc.class, Known: true}
		if got != want {
			t.Errorf("Q850(%d) = %+v, want %+v", tc.v, got, want)
		}
	}
	for v := 0; v < 256; v++ {
		got := Q850(uint8(v))
		if seen[uint8(v&127)] {
			continue
		}
		if got.Known || got.Name != "unknown_cause" || got.Value != uint8(v&127) || got.Class != Class((v>>4)&7) {
			t.Errorf("Q850(%d) = %+v, want unknown_cause in class %d", v, got, (v>>4)&7)
		}
	}
}

func TestClassString(t *testing.T) {
	want := []string{"normal_event", "normal_event", "resource_unavailable", "service_or_option_not_available",
		"service_or_option_not_implemented", "invalid_message", "protocol_error", "interworking"}
	for c, w := range want {
		if got := Class(c).String(); got != w {
			t.Errorf("Class(%d).String() = %q, want %q", c, got, w)
		}
		if Class(c).Normal() != (c < 2) {
			t.Errorf("Class(%d).Normal() = %v", c, Class(c).Normal())
		}
	}
	if got := Class(9).String(); got != "class_9" {
		t.Errorf("Class(9).String() = %q", got)
	}
}

func TestLocationString(t *testing.T) {
	for _, tc := range []struct {
		l    Location
		want string
	}{
		{LocationUser, "user"}, {LocationPrivateLocal, "private_network_local_user"},
		{LocationPublicLocal, "public_network_local_user"}, {LocationTransit, "transit_network"},
		{LocationPublicRemote, "public_network_remote_user"}, {LocationPrivateRemote, "private_network_remote_user"},
		{LocationInternational, "international_network"}, {LocationBeyondInterworking, "beyond_interworking_point"},
		{6, "location_6"}, {15, "location_15"}, {200, "location_200"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("Location(%d).String() = %q, want %q", tc.l, got, tc.want)
		}
	}
}

// Every row of RFC 3398 §7.2.4.1.
var rfc3398ToSIP = []struct {
	cause  uint8
	status int
}{
	{1, 404}, {2, 404}, {3, 404}, {16, NoStatus}, {17, 486}, {18, 408}, {19, 480}, {20, 480},
	{21, 403}, {22, 410}, {23, 410}, {26, 404}, {27, 502}, {28, 484}, {29, 501}, {31, 480},
	{34, 503}, {38, 503}, {41, 503}, {42, 503}, {47, 503},
	{55, 403}, {57, 403}, {58, 503},
	{65, 488}, {70, 488}, {79, 501},
	{87, 403}, {88, 503},
	{102, 504}, {111, 500},
	{127, 500},
	// Not listed: class default.
	{4, 480}, {25, 480}, {44, 503}, {63, 503}, {69, 501}, {95, 500}, {99, 500}, {120, 500},
}

func TestToSIPRFC3398(t *testing.T) {
	for _, tc := range rfc3398ToSIP {
		if got := ToSIP(tc.cause, RFC3398); got != tc.status {
			t.Errorf("ToSIP(%d, rfc3398) = %d, want %d", tc.cause, got, tc.status)
		}
	}
}

func TestToSIPQ1912(t *testing.T) {
	diff := map[uint8]int{18: 480, 25: 483}
	for _, tc := range rfc3398ToSIP {
		want := tc.status
		if d, ok := diff[tc.cause]; ok {
			want = d
		}
		if got := ToSIP(tc.cause, Q1912_5); got != want {
			t.Errorf("ToSIP(%d, q1912.5) = %d, want %d", tc.cause, got, want)
		}
	}
}

func TestToSIPAt(t *testing.T) {
	if got := ToSIPAt(21, LocationUser, RFC3398); got != 603 {
		t.Errorf("ToSIPAt(21, user) = %d, want 603", got)
	}
	if got := ToSIPAt(21, LocationPublicRemote, RFC3398); got != 403 {
		t.Errorf("ToSIPAt(21, public remote) = %d, want 403", got)
	}
	if got := ToSIPAt(17, LocationUser, RFC3398); got != 486 {
		t.Errorf("ToSIPAt(17, user) = %d, want 486", got)
	}
}

// Every row of RFC 3398 §8.2.6.1.
var rfc3398FromSIP = []struct {
	status int
	cause  uint8
}{
	{400, 41}, {401, 21}, {402, 21}, {403, 21}, {404, 1}, {405, 63}, {406, 79}, {407, 21},
	{408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127},
	{421, 127}, {423, 127}, {480, 18}, {481, 41}, {482, 25}, {483, 25}, {484, 28},
	{485, 1}, {486, 17}, {487, 31}, {488, 31}, {500, 41}, {501, 79}, {502, 38}, {503, 41},
	{504, 102}, {505, 127}, {513, 127}, {600, 17}, {603, 21}, {604, 1}, {606, 31},
	// Not listed: 31.
	{409, 31}, {489, 31}, {580, 31}, {699, 31},
	// Out of range.
	{200, 16}, {180, 31}, {302, 31}, {700, 31}, {-1, 31},
}

func TestFromSIPRFC3398(t *testing.T) {
	for _, tc := range rfc3398FromSIP {
		if got := FromSIP(tc.status, RFC3398); got != tc.cause {
			t.Errorf("FromSIP(%d, rfc3398) = %d, want %d", tc.status, got, tc.cause)
		}
	}
}

func TestFromSIPQ1912(t *testing.T) {
	for _, tc := range []struct {
		status int
		cause  uint8
	}{
		{480, 20}, {404, 1}, {410, 22}, {483, 25}, {484, 28}, {485, 1}, {486, 17},
		{403, 21}, {603, 21}, {600, 17}, {604, 1},
		{400, 127}, {408, 127}, {487, 127}, {488, 127}, {500, 127}, {503, 127}, {606, 127},
		{200, 16}, {100, 31},
	} {
		if got := FromSIP(tc.status, Q1912_5); got != tc.cause {
			t.Errorf("FromSIP(%d, q1912.5) = %d, want %d", tc.status, got, tc.cause)
		}
	}
}

func TestProfileString(t *testing.T) {
	if RFC3398.String() != "rfc3398" || Q1912_5.String() != "q1912.5" || Profile(9).String() != "profile_unknown" {
		t.Errorf("Profile strings: %q %q %q", RFC3398, Q1912_5, Profile(9))
	}
}

func TestZeroAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		_ = Q850(17)
		_ = ToSIP(17, RFC3398)
		_ = FromSIP(486, Q1912_5)
		_ = ClassOf(41).String()
	})
	if n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}

func BenchmarkToSIP(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = ToSIP(uint8(i), RFC3398)
	}
}

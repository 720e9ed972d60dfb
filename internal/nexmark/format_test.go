package nexmark

import "testing"

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"q0", FormatQ0(1000, 1001, 1234, 1767225600000, "abc"), "1000\t1001\t1234\t1767225600000\tabc"},
		{"q0 no extra", FormatQ0(1, 2, 3, 4, ""), "1\t2\t3\t4\t"},
		{"q1", FormatQ1(1000, 1001, 1234, 5, "x"), "1000\t1001\t1120.472\t5\tx"},
		{"q2", FormatQ2(1107, 99), "1107\t99"},
		{"q3", FormatQ3("Kate Smith", "Boise", "ID", 1003), "Kate Smith\tBoise\tID\t1003"},
		{"q4", FormatQ4(10, 4711), "10\t4711"},
		{"q5", FormatQ5(-8000, 2000, 1000, 17), "-8000\t2000\t1000\t17"},
		{"q7", FormatQ7(0, 10000, 1000, 1001, 99, 9999, "e"), "0\t10000\t1000\t1001\t99\t9999\te"},
		{"q8", FormatQ8(1000, "Paul White", 10000), "1000\tPaul White\t10000"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestAppendEuros(t *testing.T) {
	tests := []struct {
		price int64
		want  string
	}{
		{0, "0.000"},
		{1, "0.908"},
		{100, "90.800"},
		{1234, "1120.472"},
		{100_000_000, "90800000.000"},
		{-5, "-4.540"},
	}
	for _, tt := range tests {
		if got := string(AppendEuros(nil, tt.price)); got != tt.want {
			t.Errorf("AppendEuros(%d): got %q, want %q", tt.price, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    Kind
		want string
	}{{KindPerson, "person"}, {KindAuction, "auction"}, {KindBid, "bid"}, {Kind(9), "kind(?)"}}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String(): got %q, want %q", tt.k, got, tt.want)
		}
	}
}

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadParts(t *testing.T) {
	const h = "n_name\to_year\trevenue\tlineitems\n"
	tests := []struct {
		name    string
		files   map[string]string // under OUT; "q/..." is the query's directory
		want    string
		wantErr error // nil: want must match
	}{
		{"merged under one header", map[string]string{
			"q/part-00000.csv": h + "CHINA\t1993\t2.0000\t1\nALGERIA\t1992\t1.0000\t2\n",
			"q/part-00001.csv": h + "BRAZIL\t1992\t3.0000\t3\n", "q/_SUCCESS": ""},
			h + "ALGERIA\t1992\t1.0000\t2\nBRAZIL\t1992\t3.0000\t3\nCHINA\t1993\t2.0000\t1\n", nil},
		{"_SUCCESS in --output", map[string]string{"q/part-00000.csv": h + "A\t1992\t1.0000\t1\n", "_SUCCESS": ""},
			h + "A\t1992\t1.0000\t1\n", nil},
		{"header-only and empty parts", map[string]string{"q/part-00000.csv": h, "q/part-00001.csv": "",
			"q/part-00002.csv": h + "A\t1992\t1.0000\t1\n", "q/_SUCCESS": ""}, h + "A\t1992\t1.0000\t1\n", nil},
		{"other files ignored", map[string]string{"q/part-00000.csv": h, "q/part-00000.parquet": "x", "q/_SUCCESS": ""}, h, nil},
		{"no _SUCCESS", map[string]string{"q/part-00000.csv": h}, "", errNoSuccess},
		{"no parts", map[string]string{"q/_SUCCESS": ""}, "", errNoParts},
		{"headers differ", map[string]string{"q/part-00000.csv": h, "q/part-00001.csv": "x\n", "q/_SUCCESS": ""}, "", errHeaders},
		{"cut last line", map[string]string{"q/part-00000.csv": h + "A\t1", "q/_SUCCESS": ""}, "", errors.New("newline")},
	}
	for _, tt := range tests {
		out := t.TempDir()
		if err := os.Mkdir(filepath.Join(out, "q"), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range tt.files {
			if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := readParts(filepath.Join(out, "q"))
		switch {
		case tt.wantErr == nil && (err != nil || string(got) != tt.want):
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		case tt.wantErr != nil && (err == nil || !errors.Is(err, tt.wantErr) && !strings.Contains(err.Error(), tt.wantErr.Error())):
			t.Errorf("%s: got %q, %v; want error %v", tt.name, got, err, tt.wantErr)
		}
	}
}

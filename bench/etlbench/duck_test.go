package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCLIScript(t *testing.T) {
	script, err := cliScript("duckrun/sql", "q1", "/data/it's", "/work/out q1.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CREATE VIEW lineitem AS", "read_csv('/data/it''s/lineitem.tbl'", "'l_quantity': 'DECIMAL(15,2)'",
		"COPY (\n-- TPC-H Q1", "order by l_returnflag, l_linestatus\n) TO '/work/out q1.tsv' (FORMAT csv, HEADER, DELIMITER '\\t', QUOTE '');",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "{{DIR}}") {
		t.Errorf("script still has {{DIR}}:\n%s", script)
	}
}

func TestSetupDuckDBOff(t *testing.T) {
	d := setupDuckDB(t.Context(), config{duckdb: "off"}, t.TempDir())
	if d.available() || d.skipped != "-duckdb off" {
		t.Errorf("got %+v, want skipped for -duckdb off", d)
	}
}

func TestPrograms(t *testing.T) {
	cfg := config{workers: 3, spindleArgs: []string{"--task-memory", "512MiB"}}
	b := binaries{plain: "/b/plain", spindle: "/b/spindle", etl: "/b/etl", duck: duckDB{duckrun: "/b/duckrun"}}
	progs, err := programs(cfg, b, "nation-revenue", "/data", "/work")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range progs {
		names = append(names, p.name)
	}
	if want := []string{"plain", "duckdb", "spindle"}; !slices.Equal(names, want) {
		t.Fatalf("programs: got %v, want %v", names, want)
	}
	want := "/b/spindle run --workers 3 --task-memory 512MiB /b/etl -- --input /data --output /work/out-spindle-nation-revenue" +
		" --query nation-revenue --format csv --csv-delimiter tab"
	if got := strings.Join(progs[2].argv, " "); got != want {
		t.Errorf("spindle argv:\ngot  %s\nwant %s", got, want)
	}
	if s := progs[2]; s.out != "/work/out-spindle-nation-revenue/nation-revenue" || s.clean != "/work/out-spindle-nation-revenue" || !s.parts {
		t.Errorf("spindle output: got out %s, clean %s, parts %v", s.out, s.clean, s.parts)
	}
	if got := strings.Join(progs[1].argv, " "); got != "/b/duckrun -input /data -query nation-revenue -out /work/out-duckdb-nation-revenue.tsv" {
		t.Errorf("duckrun argv: got %s", got)
	}
	if progs[0].clean != progs[0].out {
		t.Errorf("plain: clean %s, want its output %s", progs[0].clean, progs[0].out)
	}
}

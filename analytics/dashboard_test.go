package analytics_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

type dashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title      string `json:"title"`
		Type       string `json:"type"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			RawSQL string `json:"rawSql"`
		} `json:"targets"`
	} `json:"panels"`
}

// grafanaMacros stands in for what the ClickHouse datasource expands, over the last 7 days.
var grafanaMacros = strings.NewReplacer(
	"${workspace}", "1",
	"$__fromTime", "toDateTime(now() - INTERVAL 7 DAY)",
	"$__toTime", "now()",
)

func expand(sql string) string {
	for {
		i := strings.Index(sql, "$__timeFilter(")
		if i < 0 {
			return grafanaMacros.Replace(sql)
		}
		j := strings.IndexByte(sql[i:], ')') + i
		col := sql[i+len("$__timeFilter(") : j]
		sql = sql[:i] + col + " >= toDateTime(now() - INTERVAL 7 DAY) AND " + col + " <= now() + INTERVAL 1 HOUR" + sql[j+1:]
	}
}

// Every query of every shipped dashboard runs against the real ClickHouse with the
// migrations applied and events of every kind in it: none is broken, and the overview's
// panels find the data.
func TestDashboardQueries(t *testing.T) {
	ch := openClickHouse(t)
	var evs []fechatter.UsageEvent
	for _, k := range append(append([]fechatter.UsageKind{}, fechatter.ServerUsageKinds...), fechatter.ClientUsageKinds...) {
		e := event(k, 1, 2)
		e.Code, e.Page = "code", "chat"
		evs = append(evs, e)
	}
	if err := ch.Insert(t.Context(), evs, "dash"); err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{ft.ClickHouseAddr()}, Auth: clickhouse.Auth{Database: ch.Database()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	files, _ := filepath.Glob("../deploy/grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards in deploy/grafana/dashboards")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		queries := map[string]string{}
		for _, v := range d.Templating.List {
			queries["variable "+v.Name] = v.Query
		}
		for _, p := range d.Panels {
			if p.Type == "row" {
				continue
			}
			if p.Datasource.UID != "fechatter-clickhouse" || len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query on the fechatter-clickhouse datasource", f, p.Title)
			}
			for _, tg := range p.Targets {
				queries["panel "+p.Title] = tg.RawSQL
			}
		}
		for name, sql := range queries {
			rows, err := conn.Query(t.Context(), expand(sql))
			if err != nil {
				t.Errorf("%s: %s: %v\n%s", filepath.Base(f), name, err, expand(sql))
				continue
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n == 0 {
				t.Errorf("%s: %s found nothing in a database with every kind of event", filepath.Base(f), name)
			}
		}
	}
}

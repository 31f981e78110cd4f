package analytics_test

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/analytics"
	"github.com/fechatter/fechatter/analytics/statstest"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func TestStatsReduced(t *testing.T) {
	statstest.Run(t, analytics.ModeReduced, func(t *testing.T) *ft.Server {
		return ft.Start(t, ft.Options{})
	})
}

func TestStatsReducedPostgres(t *testing.T) {
	statstest.Run(t, analytics.ModeReduced, func(t *testing.T) *ft.Server {
		return ft.Start(t, ft.Options{Postgres: true})
	})
}

func TestStatsClickHouse(t *testing.T) {
	url := ft.ClickHouseURL(t)
	statstest.Run(t, analytics.ModeClickHouse, func(t *testing.T) *ft.Server {
		return ft.Start(t, ft.Options{Tune: func(c *node.Config) {
			c.ClickHouseURL = url
			c.AnalyticsFlush = 100 * time.Millisecond
		}})
	})
}

package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgWaits samples what the database's client backends are doing every
// interval (50 ms) while a profiled step runs: each sample counts, per backend
// that is not idle, its wait event ("CPU" when it waits on nothing), so the
// totals say where PostgreSQL's share of a request's time goes (a WAL
// flush, a lock on a row, the client reading the answer). With it, the
// WAL written and flushed during the step, from pg_stat_wal.
type pgWaits struct {
	samples int
	counts  map[string]int
	walFrom walStats
	walTo   walStats
}

type walStats struct {
	records, bytes, syncs int64
	syncTime              float64 // ms; zero unless track_wal_io_timing
	syncsKnown            bool    // pg_stat_io counts WAL fsyncs (PostgreSQL 16 on)
}

func readWAL(ctx context.Context, pool *pgxpool.Pool) (walStats, error) {
	var w walStats
	// pg_stat_wal lost wal_sync in PostgreSQL 18 (moved to pg_stat_io);
	// the WAL records and bytes are in both.
	err := pool.QueryRow(ctx, `SELECT wal_records, wal_bytes::bigint FROM pg_stat_wal`).Scan(&w.records, &w.bytes)
	if err != nil {
		return w, err
	}
	err = pool.QueryRow(ctx, `SELECT coalesce(sum(fsyncs), 0)::bigint, coalesce(sum(fsync_time), 0)::float8 FROM pg_stat_io WHERE object = 'wal'`).Scan(&w.syncs, &w.syncTime)
	w.syncsKnown = err == nil
	return w, nil
}

// sampleWaits samples until ctx ends; the sampling connection leaves
// itself out. (pg_stat_wal's own fsync counts went to pg_stat_io in
// PostgreSQL 16; before that they are not shown.)
func sampleWaits(ctx context.Context, pool *pgxpool.Pool, every time.Duration) (*pgWaits, error) {
	p := &pgWaits{counts: map[string]int{}}
	var err error
	if p.walFrom, err = readWAL(context.Background(), pool); err != nil {
		return nil, err
	}
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.walTo, err = readWAL(context.Background(), pool)
			return p, err
		case <-t.C:
		}
		rows, err := conn.Query(context.Background(), `SELECT coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, '')
			FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()`)
		if err != nil {
			return nil, err
		}
		p.samples++
		for rows.Next() {
			var state, typ, ev string
			if err := rows.Scan(&state, &typ, &ev); err != nil {
				rows.Close()
				return nil, err
			}
			if state == "idle" {
				continue
			}
			key := "CPU"
			if typ != "" {
				key = typ + ":" + ev
			}
			if state != "active" {
				key = state + " " + key
			}
			p.counts[key]++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
}

// String lists the wait events by the mean number of backends in each per
// sample, largest first, and the WAL the step wrote.
func (p *pgWaits) String() string {
	if p == nil || p.samples == 0 {
		return "no samples"
	}
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range p.counts {
		all = append(all, kv{k, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n || all[i].n == all[j].n && all[i].k < all[j].k })
	var b strings.Builder
	fmt.Fprintf(&b, "%d samples; mean backends per sample:", p.samples)
	for _, e := range all {
		fmt.Fprintf(&b, " %s %.2f;", e.k, float64(e.n)/float64(p.samples))
	}
	fmt.Fprintf(&b, " WAL records %d, bytes %d", p.walTo.records-p.walFrom.records, p.walTo.bytes-p.walFrom.bytes)
	if p.walFrom.syncsKnown && p.walTo.syncsKnown {
		fmt.Fprintf(&b, ", fsyncs %d (%.1f ms)", p.walTo.syncs-p.walFrom.syncs, p.walTo.syncTime-p.walFrom.syncTime)
	}
	return b.String()
}

package postgres_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// BenchmarkAppend measures the store beside the raw PostgreSQL ceilings on
// the same database in the same run, every figure in events/s, so that
// ratios can be taken (see reference/machine-limits.md for why only ratios
// mean anything on a shared machine):
//
//	go run ./cmd/withpg -- go test -run '^$' -bench . ./eventstore/postgres/
//
// The raw rows insert the same columns into an equivalent plain table with
// a bigserial position and the same unique indexes. Store and raw runs
// alternate, so that drift in fsync latency spreads over both.
func BenchmarkAppend(b *testing.B) {
	dsn := withPoolSize(b, pgtest.NewDatabase(b), 48)
	payloads := makePayloads(b, 4096)
	store, err := postgres.Open(b.Context(), dsn, postgres.WithSchema("bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := store.Close(); err != nil {
			b.Error(err)
		}
	})
	raw, err := pgxpool.New(b.Context(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(raw.Close)
	if _, err := raw.Exec(b.Context(), rawTable); err != nil {
		b.Fatal(err)
	}

	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("raw/insert-per-tx/clients=%d", clients), func(b *testing.B) {
			parallel(b, clients, 1, func(w *worker) error {
				p := payloads[w.next()]
				_, err := raw.Exec(b.Context(), rawInsert, w.stream, w.rev, uuid.New(), p.Type, []byte(p.Data),
					p.Metadata.Actor.ID, p.Metadata.Actor.Role, p.Metadata.CommandID, p.Metadata.CorrelationID, p.Metadata.CausationID,
					p.Metadata.Reason, p.Metadata.SchemaVersion, time.Now(), make([]byte, 32), make([]byte, 32))
				w.rev++
				return err
			})
		})
		b.Run(fmt.Sprintf("store/single/clients=%d", clients), func(b *testing.B) {
			before := store.Stats()
			parallel(b, clients, 1, func(w *worker) error {
				res, err := store.Append(b.Context(), w.stream, w.expected, payloads[w.next()].withID())
				w.expected = eventstore.Exact(res.Revision)
				return err
			})
			reportGroups(b, before, store.Stats())
		})
	}
	b.Run("raw/batch100-unnest/clients=1", func(b *testing.B) {
		parallel(b, 1, 100, func(w *worker) error {
			_, err := raw.Exec(b.Context(), rawUnnest, w.rawBatch(payloads, 100)...)
			return err
		})
	})
	b.Run("raw/batch100-pipelined/clients=1", func(b *testing.B) {
		parallel(b, 1, 100, func(w *worker) error {
			return pgx.BeginFunc(b.Context(), raw, func(tx pgx.Tx) error {
				batch := &pgx.Batch{}
				for range 100 {
					p := payloads[w.next()]
					batch.Queue(rawInsert, w.stream, w.rev, uuid.New(), p.Type, []byte(p.Data),
						p.Metadata.Actor.ID, p.Metadata.Actor.Role, p.Metadata.CommandID, p.Metadata.CorrelationID, p.Metadata.CausationID,
						p.Metadata.Reason, p.Metadata.SchemaVersion, time.Now(), make([]byte, 32), make([]byte, 32))
					w.rev++
				}
				return tx.SendBatch(b.Context(), batch).Close()
			})
		})
	})
	b.Run("store/batch100/clients=1", func(b *testing.B) {
		parallel(b, 1, 100, func(w *worker) error {
			events := make([]eventstore.EventData, 100)
			for i := range events {
				events[i] = payloads[w.next()].withID()
			}
			res, err := store.Append(b.Context(), w.stream, w.expected, events...)
			w.expected = eventstore.Exact(res.Revision)
			return err
		})
	})
	b.Run("raw/copy-10000/clients=1", func(b *testing.B) {
		parallel(b, 1, 10000, func(w *worker) error {
			rows := make([][]any, 10000)
			for i := range rows {
				p := payloads[w.next()]
				rows[i] = []any{w.stream, w.rev, uuid.New(), p.Type, []byte(p.Data),
					p.Metadata.Actor.ID, p.Metadata.Actor.Role, p.Metadata.CommandID, p.Metadata.CorrelationID, p.Metadata.CausationID,
					p.Metadata.Reason, p.Metadata.SchemaVersion, time.Now(), make([]byte, 32), make([]byte, 32)}
				w.rev++
			}
			columns := []string{"stream", "revision", "id", "type", "data", "actor_id", "actor_role",
				"command_id", "correlation_id", "causation_id", "reason", "schema_version", "recorded_at", "prev_hash", "hash"}
			_, err := raw.CopyFrom(b.Context(), pgx.Identifier{"raw_events"}, columns, pgx.CopyFromRows(rows))
			return err
		})
	})
	// The acceptance ratios, measured in alternating slices of 200 ms, so
	// that the disk's fsync latency, which drifts within seconds on a shared
	// machine, weighs on the store and its baselines alike. Use
	// -benchtime 15x or so for stable ratios.
	b.Run("ratios", func(b *testing.B) {
		const slice = 200 * time.Millisecond
		type contender struct {
			name    string
			clients int
			perOp   int
			workers []*worker
			op      func(w *worker) error
			events  int
			elapsed time.Duration
		}
		newWorkers := func(n int) []*worker {
			ws := make([]*worker, n)
			for i := range ws {
				ws[i] = &worker{stream: "bench-" + uuid.NewString(), expected: eventstore.NoStream, at: i * 997}
			}
			return ws
		}
		contenders := []*contender{
			{name: "raw32", clients: 32, perOp: 1, op: func(w *worker) error {
				p := payloads[w.next()]
				_, err := raw.Exec(b.Context(), rawInsert, w.stream, w.rev, uuid.New(), p.Type, []byte(p.Data),
					p.Metadata.Actor.ID, p.Metadata.Actor.Role, p.Metadata.CommandID, p.Metadata.CorrelationID, p.Metadata.CausationID,
					p.Metadata.Reason, p.Metadata.SchemaVersion, time.Now(), make([]byte, 32), make([]byte, 32))
				w.rev++
				return err
			}},
			{name: "store32", clients: 32, perOp: 1, op: func(w *worker) error {
				res, err := store.Append(b.Context(), w.stream, w.expected, payloads[w.next()].withID())
				w.expected = eventstore.Exact(res.Revision)
				return err
			}},
			{name: "raw100", clients: 1, perOp: 100, op: func(w *worker) error {
				_, err := raw.Exec(b.Context(), rawUnnest, w.rawBatch(payloads, 100)...)
				return err
			}},
		}
		for _, c := range contenders {
			c.workers = newWorkers(c.clients)
		}
		for b.Loop() {
			for _, c := range contenders {
				n, d, err := runFor(slice, c.workers, c.op)
				if err != nil {
					b.Fatalf("%s: %v", c.name, err)
				}
				c.events += n * c.perOp
				c.elapsed += d
			}
		}
		rate := map[string]float64{}
		for _, c := range contenders {
			rate[c.name] = float64(c.events) / c.elapsed.Seconds()
			b.ReportMetric(rate[c.name], c.name+"-events/s")
		}
		b.ReportMetric(rate["store32"]/rate["raw32"], "store32/raw32")
		b.ReportMetric(rate["store32"]/rate["raw100"], "store32/raw100")
	})

	const readSize = 20000 // events the read benchmarks read at least, whatever ran before them
	b.Run("store/read-all", func(b *testing.B) {
		w := &worker{stream: "bench-" + uuid.NewString(), expected: eventstore.NoStream}
		for {
			head, err := store.Head(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if head.Commit >= readSize {
				break
			}
			events := make([]eventstore.EventData, 1000)
			for i := range events {
				events[i] = payloads[w.next()].withID()
			}
			res, err := store.Append(b.Context(), w.stream, w.expected, events...)
			if err != nil {
				b.Fatal(err)
			}
			w.expected = eventstore.Exact(res.Revision)
		}
		var total int
		for b.Loop() {
			after := eventstore.Start
			for {
				page, err := store.ReadAll(b.Context(), after, 1000)
				if err != nil {
					b.Fatal(err)
				}
				total += len(page)
				if len(page) < 1000 {
					break
				}
				after = page[len(page)-1].Position
			}
		}
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("raw/read-all", func(b *testing.B) {
		var n int
		if err := raw.QueryRow(b.Context(), `SELECT count(*) FROM raw_events`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n < readSize {
			w := &worker{stream: "bench-" + uuid.NewString()}
			for range (readSize - n + 99) / 100 {
				if _, err := raw.Exec(b.Context(), rawUnnest, w.rawBatch(payloads, 100)...); err != nil {
					b.Fatal(err)
				}
			}
		}
		var total int
		for b.Loop() {
			rows, err := raw.Query(b.Context(), `SELECT `+rawSelect+` FROM raw_events ORDER BY position`)
			if err != nil {
				b.Fatal(err)
			}
			var e eventstore.RecordedEvent
			var pos, rev, sv int64
			var ph, h []byte
			m := &e.Metadata
			_, err = pgx.ForEachRow(rows, []any{&pos, &e.Stream, &rev, &e.ID, &e.Type, (*[]byte)(&e.Data), &m.Actor.ID, &m.Actor.Role,
				&m.CommandID, &m.CorrelationID, &m.CausationID, &m.Reason, &sv, &e.RecordedAt, &ph, &h}, func() error {
				total++
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
	})
}

// reportGroups reports the mean number of events per group transaction.
func reportGroups(b *testing.B, before, after postgres.Stats) {
	b.Helper()
	if tx := after.Transactions - before.Transactions; tx > 0 {
		b.ReportMetric(float64(after.Events-before.Events)/float64(tx), "events/tx")
		b.ReportMetric(float64(after.Fallbacks-before.Fallbacks)/float64(tx), "fallbacks/tx")
	}
}

// worker is one benchmark client: a stream of its own and a place in the
// payload pool.
type worker struct {
	stream   string
	expected eventstore.ExpectedRevision
	rev      int64
	at       int
}

func (w *worker) next() int {
	w.at++
	return w.at % 4096
}

func (w *worker) rawBatch(payloads []payload, n int) []any {
	var (
		streams, types, actorIDs, roles, reasons []string
		revs, svs                                []int64
		ids, cmds, corrs, causes                 [][16]byte
		data, hashes                             [][]byte
	)
	for range n {
		p := payloads[w.next()]
		m := p.Metadata
		streams, revs, ids, types = append(streams, w.stream), append(revs, w.rev), append(ids, uuid.New()), append(types, p.Type)
		data, actorIDs, roles = append(data, p.Data), append(actorIDs, m.Actor.ID), append(roles, m.Actor.Role)
		cmds, corrs, causes = append(cmds, m.CommandID), append(corrs, m.CorrelationID), append(causes, m.CausationID)
		reasons, svs, hashes = append(reasons, m.Reason), append(svs, int64(m.SchemaVersion)), append(hashes, make([]byte, 32))
		w.rev++
	}
	return []any{streams, revs, ids, types, data, actorIDs, roles, cmds, corrs, causes, reasons, svs, time.Now(), hashes, hashes}
}

// runFor runs op from one goroutine per worker for about d and returns the
// operations done and the time they took.
func runFor(d time.Duration, workers []*worker, op func(w *worker) error) (int, time.Duration, error) {
	var (
		done atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, len(workers))
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, w := range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := op(w); err != nil {
					errs <- err
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		return 0, 0, err
	}
	return int(done.Load()), elapsed, nil
}

// parallel runs op from clients goroutines until b.N operations of
// perOp events each are done, and reports events/s.
func parallel(b *testing.B, clients, perOp int, op func(w *worker) error) {
	b.Helper()
	var (
		taken atomic.Int64
		wg    sync.WaitGroup
		errs  = make(chan error, clients)
	)
	b.ResetTimer()
	for c := range clients {
		w := &worker{stream: fmt.Sprintf("bench-%s", uuid.NewString()), expected: eventstore.NoStream, at: c * 997}
		wg.Go(func() {
			for taken.Add(1) <= int64(b.N) {
				if err := op(w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "events/s")
}

// payload is a pre-generated event, so that generating payloads costs no
// CPU in the timed runs: a realistic rating event of about 300 bytes.
type payload eventstore.EventData

func (p payload) withID() eventstore.EventData {
	e := eventstore.EventData(p)
	e.ID = uuid.New()
	return e
}

func makePayloads(b *testing.B, n int) []payload {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	ratings := []string{"DI_ATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DI_BAWAH_EKSPEKTASI"}
	out := make([]payload, n)
	for i := range out {
		cmd := uuid.UUID(uuidFrom(r))
		data, err := json.Marshal(map[string]any{
			"evaluation_id": uuid.UUID(uuidFrom(r)).String(),
			"rating":        ratings[r.IntN(len(ratings))],
			"rated_by":      fmt.Sprintf("1990%02d%02d20201210%02d", r.IntN(12)+1, r.IntN(28)+1, r.IntN(99)),
			"rationale":     "Target RHK tercapai sesuai indikator; laporan realisasi lengkap dengan bukti dukung.",
			"period":        fmt.Sprintf("2026-Q%d", r.IntN(4)+1),
			"at":            time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(300 * 24 * time.Hour)))),
		})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = payload{
			Type: "evaluation.work_result_rated",
			Data: data,
			Metadata: eventstore.Metadata{
				Actor:         eventstore.Actor{ID: fmt.Sprintf("1990%02d%02d20201210%02d", r.IntN(12)+1, r.IntN(28)+1, r.IntN(99)), Role: "evaluator"},
				CommandID:     cmd,
				CorrelationID: cmd,
				CausationID:   cmd,
				SchemaVersion: 1,
			},
		}
	}
	return out
}

func uuidFrom(r *rand.Rand) [16]byte {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// withPoolSize sets pgxpool's pool_max_conns in dsn, so that 32 clients
// get 32 connections.
func withPoolSize(b *testing.B, dsn string, n int) string {
	b.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", fmt.Sprint(n))
	u.RawQuery = q.Encode()
	return u.String()
}

// The raw baseline: the same columns and unique indexes as the store's
// events table, with a bigserial position. rawUnnest inserts rows the way
// the store does, its arrays unnested in the select list, which is also
// the faster of the two unnest forms for 100 rows.
const (
	rawTable = `CREATE TABLE raw_events (
		position       bigserial   PRIMARY KEY,
		stream         text        NOT NULL,
		revision       bigint      NOT NULL,
		id             uuid        NOT NULL UNIQUE,
		type           text        NOT NULL,
		data           bytea       NOT NULL,
		actor_id       text        NOT NULL,
		actor_role     text        NOT NULL,
		command_id     uuid        NOT NULL,
		correlation_id uuid        NOT NULL,
		causation_id   uuid        NOT NULL,
		reason         text        NOT NULL,
		schema_version bigint      NOT NULL,
		recorded_at    timestamptz NOT NULL,
		prev_hash      bytea       NOT NULL,
		hash           bytea       NOT NULL,
		UNIQUE (stream, revision))`
	rawSelect = `position, stream, revision, id, type, data, actor_id, actor_role,
		command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash`
	rawInsert = `INSERT INTO raw_events (stream, revision, id, type, data, actor_id, actor_role,
		command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	rawUnnest = `INSERT INTO raw_events (stream, revision, id, type, data, actor_id, actor_role,
		command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
	SELECT unnest($1::text[]), unnest($2::bigint[]), unnest($3::uuid[]), unnest($4::text[]), unnest($5::bytea[]),
		unnest($6::text[]), unnest($7::text[]), unnest($8::uuid[]), unnest($9::uuid[]), unnest($10::uuid[]),
		unnest($11::text[]), unnest($12::bigint[]), $13, unnest($14::bytea[]), unnest($15::bytea[])`
)

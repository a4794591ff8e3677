.PHONY: test lint run bench-store

test:  ## every test; starts and removes a throw-away PostgreSQL itself
	go run ./cmd/withpg -- go test -race ./...

lint:  ## formatting, vet and the import boundaries
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	bash .ci/boundaries

run:   ## the server on the embedded default
	go run ./cmd/kinerja serve

bench-store:  ## event store benchmarks with their raw baselines, side by side
	go test -run '^$$' -bench . -benchtime 2s ./eventstore/bolt/
	go run ./cmd/withpg -- go test -run '^$$' -bench . ./eventstore/postgres/

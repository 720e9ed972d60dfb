package deps

import (
	_ "github.com/apache/arrow-go/v18/arrow/ipc"
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go/jetstream"
	_ "github.com/urfave/cli/v3"
	_ "github.com/vbauerster/mpb/v8"
	_ "golang.org/x/term"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
)

package secure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// serve starts an embedded server in operator mode with JetStream.
func serve(t *testing.T, k *Keys) string {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true}
	if err := k.Configure(opts); err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	return srv.ClientURL()
}

// connect connects with creds, collecting permission violations.
func connect(t *testing.T, url string, c Creds, inbox string) (*nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(url, nats.UserJWTAndSeed(c.JWT, c.Seed), nats.CustomInboxPrefix(inbox),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

func TestInitKeepsKeys(t *testing.T) {
	dir := t.TempDir()
	k1, err := Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Account() != k2.Account() || k1.Token != k2.Token {
		t.Fatal("a second Init made new keys")
	}
	fi, err := os.Stat(filepath.Join(dir, accountFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("account seed mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Fatal("Load of an empty directory succeeded")
	}
}

func TestMintRefusesBadNames(t *testing.T) {
	k, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "a.b", "a*", ">", "a b"} {
		if _, err := k.Mint(Client, name, 0); err == nil {
			t.Errorf("Mint(%q) succeeded", name)
		}
	}
	if _, err := k.Mint(Client, AppPrefix+"1_0001", 0); err == nil {
		t.Error("a user named like an application was minted")
	}
	c, err := k.Mint(Worker, "w1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(c.File())
	if err != nil || info.Name != "w1" || info.Role != Worker || time.Until(info.Expires) < 59*time.Minute {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
}

// An application's credentials reach its own shuffle stream and subjects
// and no other application's; no credentials and expired ones are
// refused.
func TestAppIsolation(t *testing.T) {
	k, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, k)
	const a1, a2 = "application_1_0001", "application_1_0002"

	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Fatal("a connection without credentials was let in")
	}
	old, err := k.Mint(App, a1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for { // wait until it expired (JWT expiry has a one-second grain)
		nc, err := nats.Connect(url, nats.UserJWTAndSeed(old.JWT, old.Seed), nats.CustomInboxPrefix(InboxPrefix(App, "", a1)))
		if err != nil {
			if !errors.Is(err, nats.ErrAuthExpired) && !strings.Contains(strings.ToLower(err.Error()), "expired") &&
				!errors.Is(err, nats.ErrAuthorization) {
				t.Fatalf("expired credentials refused with %v", err)
			}
			break
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatal("expired credentials still let in")
		}
		time.Sleep(200 * time.Millisecond)
	}

	coordCreds, _ := k.Mint(Coordinator, "coordinator", 0)
	coord, _ := connect(t, url, coordCreds, InboxPrefix(Coordinator, "", ""))
	cjs, _ := jetstream.New(coord)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cjs.CreateStream(ctx, jetstream.StreamConfig{Name: proto.ShuffleStream(a2), Subjects: []string{proto.ShuffleSubjects(a2)}}); err != nil {
		t.Fatal(err)
	}

	c1, _ := k.Mint(App, a1, time.Hour)
	nc1, errs := connect(t, url, c1, InboxPrefix(App, "", a1))
	js1, _ := jetstream.New(nc1)
	// Its own stream: create, publish, consume.
	s, err := js1.CreateStream(ctx, jetstream.StreamConfig{Name: proto.ShuffleStream(a1), Subjects: []string{proto.ShuffleSubjects(a1)}})
	if err != nil {
		t.Fatalf("app %s cannot create its own shuffle stream: %v", a1, err)
	}
	if _, err := js1.Publish(ctx, "spindle.shuffle."+a1+".0.1", []byte("x")); err != nil {
		t.Fatalf("app %s cannot publish its own shuffle: %v", a1, err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("app %s cannot consume its own shuffle: %v", a1, err)
	}
	if m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil || string(m.Data()) != "x" {
		t.Fatalf("reading its own shuffle: %v", err)
	}
	// The other's: every way in is refused (a denied request gets no
	// reply, so it times out).
	denied := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	if _, err := js1.Stream(denied(), proto.ShuffleStream(a2)); err == nil {
		t.Errorf("app %s looked up %s's shuffle stream", a1, a2)
	}
	if _, err := js1.CreateOrUpdateConsumer(denied(), proto.ShuffleStream(a2), jetstream.ConsumerConfig{}); err == nil {
		t.Errorf("app %s made a consumer on %s's shuffle stream", a1, a2)
	}
	if _, err := js1.Publish(denied(), "spindle.shuffle."+a2+".0.1", []byte("x")); err == nil {
		t.Errorf("app %s wrote into %s's shuffle", a1, a2)
	}
	drain(errs)
	sub, err := nc1.SubscribeSync(proto.ShuffleSubjects(a2))
	if err != nil {
		t.Fatal(err)
	}
	nc1.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("subscribing to %s's shuffle: %v", a2, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("app %s subscribed to %s's shuffle without a permissions violation", a1, a2)
	}
	sub.Unsubscribe()
	nc1.Publish("spindle.app."+a2+".jm.next", nil)
	nc1.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("publishing to %s's job master: %v", a2, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("app %s published to %s's job master without a permissions violation", a1, a2)
	}
	// It may tell the coordinator about itself only.
	if err := nc1.Publish(proto.SubjReport+"."+a1, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	nc1.Publish(proto.SubjReport+"."+a2, []byte("{}"))
	nc1.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), a2) {
			t.Fatalf("reporting as %s: %v", a2, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("app %s reported as %s", a1, a2)
	}
}

// A client's requests carry its name, proven by the server: it may not
// publish under another's.
func TestClientSpeaksOnlyForItself(t *testing.T) {
	k, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, k)
	c, _ := k.Mint(Client, "alice", time.Hour)
	nc, errs := connect(t, url, c, InboxPrefix(Client, "alice", ""))
	nc.Publish(proto.SubjSubmit+".alice", nil)
	nc.Flush()
	select {
	case err := <-errs:
		t.Fatalf("alice submitting as herself: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	nc.Publish(proto.SubjSubmit+".bob", nil)
	nc.Flush()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "bob") {
			t.Fatalf("alice submitting as bob: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("alice submitted as bob")
	}
	if _, err := nc.SubscribeSync("_INBOX.>"); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	select {
	case <-errs:
	case <-time.After(5 * time.Second):
		t.Fatal("alice subscribed to everyone's inboxes")
	}
}

func drain(errs chan error) {
	for {
		select {
		case <-errs:
		default:
			return
		}
	}
}

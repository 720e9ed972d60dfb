// Package secure makes and holds a cluster's NATS keys, and mints the
// credentials of every role: an operator, the account SPINDLE that all
// of Spindle's traffic lives in, the system account, and one scoped
// signing key per role on SPINDLE. The permissions of a role live in the
// account JWT, templated on the user's name and tags; a user JWT carries
// only its name, its tags and its expiry. docs/security.md has the
// design.
package secure

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// Role is what a credential may do.
type Role string

// The roles.
const (
	// Coordinator may do anything in the SPINDLE account.
	Coordinator Role = "coordinator"
	// Worker registers, heartbeats, reports exits, answers launch, stop
	// and logs requests on its own subjects, and reads binaries and
	// writes logs in JetStream. Workers run every application's
	// containers, so they are trusted with JetStream as a whole.
	Worker Role = "worker"
	// App is a job master or a task of one application (its tag app):
	// its own subjects, shuffle streams and job records only.
	App Role = "app"
	// Client is a user (its name): the coordinator's client subjects
	// with its name as the last token, and binary uploads.
	Client Role = "client"
)

// Roles lists every role.
var Roles = []Role{Coordinator, Worker, App, Client}

// AppPrefix starts every application ID (and no user's name).
const AppPrefix = "application_"

// AccountName is the account every Spindle connection is in.
const AccountName = "SPINDLE"

// Keys are a cluster's keys, as kept in a directory by Init.
type Keys struct {
	Dir      string
	operator nkeys.KeyPair
	account  nkeys.KeyPair
	system   nkeys.KeyPair
	signers  map[Role]nkeys.KeyPair
	// Token is the bearer token of the HTTP API and web UI.
	Token string
}

// Files of a keys directory.
const (
	operatorFile = "operator.nk"
	accountFile  = "account.nk"
	systemFile   = "system.nk"
	tokenFile    = "http.token"
)

func signerFile(r Role) string { return "sign-" + string(r) + ".nk" }

// Init makes the keys in dir, or loads the ones already there: running it
// twice keeps the first keys. The seeds are written with mode 0600, the
// directory 0700.
func Init(dir string) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secure: %w", err)
	}
	k := &Keys{Dir: dir, signers: map[Role]nkeys.KeyPair{}}
	var err error
	if k.operator, err = seed(dir, operatorFile, nkeys.CreateOperator); err != nil {
		return nil, err
	}
	if k.account, err = seed(dir, accountFile, nkeys.CreateAccount); err != nil {
		return nil, err
	}
	if k.system, err = seed(dir, systemFile, nkeys.CreateAccount); err != nil {
		return nil, err
	}
	for _, r := range Roles {
		if k.signers[r], err = seed(dir, signerFile(r), nkeys.CreateAccount); err != nil {
			return nil, err
		}
	}
	if k.Token, err = token(dir); err != nil {
		return nil, err
	}
	return k, nil
}

// Load reads the keys Init made in dir; it fails if any is missing.
func Load(dir string) (*Keys, error) {
	if _, err := os.Stat(filepath.Join(dir, operatorFile)); err != nil {
		return nil, fmt.Errorf("secure: %s holds no cluster keys (make them with spindle secure init %s): %w", dir, dir, err)
	}
	return Init(dir)
}

// seed reads the nkey seed in dir/name, or makes one with create and
// writes it there.
func seed(dir, name string, create func() (nkeys.KeyPair, error)) (nkeys.KeyPair, error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err == nil {
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(data))))
		if err != nil {
			return nil, fmt.Errorf("secure: %s: %w", path, err)
		}
		return kp, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secure: %w", err)
	}
	kp, err := create()
	if err != nil {
		return nil, fmt.Errorf("secure: %w", err)
	}
	s, _ := kp.Seed()
	if err := writeNew(path, append(s, '\n')); err != nil {
		return nil, err
	}
	return kp, nil
}

func token(dir string) (string, error) {
	path := filepath.Join(dir, tokenFile)
	data, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(data)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("secure: %w", err)
	}
	b := make([]byte, 24)
	rand.Read(b)
	t := hex.EncodeToString(b)
	return t, writeNew(path, []byte(t+"\n"))
}

// writeNew writes a file of mode 0600 that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secure: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("secure: %w", err)
	}
	return f.Close()
}

func pub(kp nkeys.KeyPair) string {
	p, _ := kp.PublicKey()
	return p
}

// OperatorJWT is the self-signed operator the servers trust.
func (k *Keys) OperatorJWT() (*jwt.OperatorClaims, string, error) {
	oc := jwt.NewOperatorClaims(pub(k.operator))
	oc.Name = "spindle"
	oc.SystemAccount = pub(k.system)
	s, err := oc.Encode(k.operator)
	return oc, s, err
}

// AccountJWTs are the JWTs of SPINDLE and of the system account, by
// public key, signed by the operator. SPINDLE has JetStream without
// limits and one scoped signing key per role.
func (k *Keys) AccountJWTs() (map[string]string, error) {
	out := map[string]string{}
	ac := jwt.NewAccountClaims(pub(k.account))
	ac.Name = AccountName
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	for _, r := range Roles {
		scope := jwt.NewUserScope()
		scope.Key, scope.Role, scope.Template = pub(k.signers[r]), string(r), permissions(r)
		ac.SigningKeys.AddScopedSigner(scope)
	}
	s, err := ac.Encode(k.operator)
	if err != nil {
		return nil, fmt.Errorf("secure: account %s: %w", AccountName, err)
	}
	out[ac.Subject] = s
	sc := jwt.NewAccountClaims(pub(k.system))
	sc.Name = "SYS"
	if s, err = sc.Encode(k.operator); err != nil {
		return nil, fmt.Errorf("secure: system account: %w", err)
	}
	out[sc.Subject] = s
	return out, nil
}

// Account is the public key of SPINDLE.
func (k *Keys) Account() string { return pub(k.account) }

// System is the public key of the system account.
func (k *Keys) System() string { return pub(k.system) }

// Creds are a user's credentials: its JWT and nkey seed.
type Creds struct {
	JWT  string
	Seed string
}

// File is the creds in the .creds format nats.UserCredentials reads.
func (c Creds) File() []byte {
	b, _ := jwt.FormatUserConfig(c.JWT, []byte(c.Seed))
	return b
}

// Mint makes a user of role named name, with tags ("key:value"), that
// expires after ttl (0: never).
func (k *Keys) Mint(role Role, name string, ttl time.Duration, tags ...string) (Creds, error) {
	signer, ok := k.signers[role]
	if !ok {
		return Creds{}, fmt.Errorf("secure: unknown role %q", role)
	}
	if err := checkToken(name); err != nil {
		return Creds{}, err
	}
	if role == Client && strings.HasPrefix(name, AppPrefix) {
		return Creds{}, fmt.Errorf("secure: a user may not be named like an application (%q)", name)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		return Creds{}, fmt.Errorf("secure: %w", err)
	}
	uc := jwt.NewUserClaims(pub(user))
	uc.Name, uc.IssuerAccount = name, pub(k.account)
	uc.UserPermissionLimits = jwt.UserPermissionLimits{} // the scope's template applies
	uc.Tags.Add("role:" + string(role))
	uc.Tags.Add(tags...)
	if ttl > 0 {
		uc.Expires = time.Now().Add(ttl).Unix()
	}
	s, err := uc.Encode(signer)
	if err != nil {
		return Creds{}, fmt.Errorf("secure: %w", err)
	}
	seed, _ := user.Seed()
	return Creds{JWT: s, Seed: string(seed)}, nil
}

// MintSystem makes a user of the system account, for the coordinator's
// own connection to its embedded server (moving JetStream leaders).
func (k *Keys) MintSystem() (Creds, error) {
	user, err := nkeys.CreateUser()
	if err != nil {
		return Creds{}, fmt.Errorf("secure: %w", err)
	}
	uc := jwt.NewUserClaims(pub(user))
	uc.Name = "coordinator-system"
	s, err := uc.Encode(k.system)
	if err != nil {
		return Creds{}, fmt.Errorf("secure: %w", err)
	}
	seed, _ := user.Seed()
	return Creds{JWT: s, Seed: string(seed)}, nil
}

// checkToken refuses a name that cannot be one token of a subject: names
// and application IDs become the last token of subjects.
func checkToken(name string) error {
	if name == "" || strings.ContainsAny(name, ".*> \t\r\n") {
		return fmt.Errorf("secure: %q cannot name a user: it must be one subject token, without '.', '*', '>' or spaces", name)
	}
	return nil
}

// InboxPrefix is the inbox prefix a connection of role named name (or
// of application app) must use: every role but the coordinator may
// subscribe only to its own inboxes, so that no one reads another's
// replies.
func InboxPrefix(role Role, name, app string) string {
	switch role {
	case App:
		return "_INBOX_a_" + app
	case Client:
		return "_INBOX_u_" + name
	case Worker:
		return "_INBOX_w_" + name
	}
	return "_INBOX"
}

// UserInfo is what a user JWT says of its holder.
type UserInfo struct {
	Name    string
	Role    Role
	Expires time.Time
}

// Inspect decodes a creds file without checking its signature (the
// server checks it): the CLI and the worker use it to learn their name
// and role.
func Inspect(creds []byte) (UserInfo, error) {
	tok, err := jwt.ParseDecoratedJWT(creds)
	if err != nil {
		return UserInfo{}, fmt.Errorf("secure: credentials: %w", err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		return UserInfo{}, fmt.Errorf("secure: credentials: %w", err)
	}
	info := UserInfo{Name: uc.Name}
	for _, t := range uc.Tags {
		if v, ok := strings.CutPrefix(t, "role:"); ok {
			info.Role = Role(v)
		}
	}
	if uc.Expires > 0 {
		info.Expires = time.Unix(uc.Expires, 0)
	}
	return info, nil
}

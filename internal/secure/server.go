package secure

import (
	"fmt"

	"github.com/nats-io/nats-server/v2/server"
)

// Configure puts a NATS server in operator mode: it trusts the keys'
// operator, knows the two accounts from memory, and lets in only
// connections with a user JWT that one of them issued.
func (k *Keys) Configure(opts *server.Options) error {
	oc, _, err := k.OperatorJWT()
	if err != nil {
		return fmt.Errorf("secure: operator: %w", err)
	}
	accounts, err := k.AccountJWTs()
	if err != nil {
		return err
	}
	res := &server.MemAccResolver{}
	for pub, jwt := range accounts {
		if err := res.Store(pub, jwt); err != nil {
			return fmt.Errorf("secure: %w", err)
		}
	}
	opts.TrustedOperators = append(opts.TrustedOperators, oc)
	opts.AccountResolver = res
	opts.SystemAccount = k.System()
	return nil
}

//go:build !goolm

package matrix

import (
	"context"
	"errors"
)

// encryptionBuilt is false: this binary has no crypto machine (build with
// -tags goolm for end-to-end encryption).
const encryptionBuilt = false

type cryptoEngine interface{ Close() error }

func (a *Adapter) startCrypto(context.Context) (cryptoEngine, error) {
	return nil, errors.New("matrix: built without end-to-end encryption (-tags goolm)")
}

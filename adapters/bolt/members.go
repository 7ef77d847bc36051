package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"github.com/sndgct/maillage/bot"
)

var bucketScrub = []byte("scrub")

// ScrubErased overwrites the free pages of the file, which bbolt leaves
// as they were: a deleted member's record would otherwise stay readable in
// the file until its pages were reused. It fills every free page with a
// zeroed filler record in one transaction (bbolt gives each new page a
// zeroed buffer and reuses free pages first), then deletes the filler in
// a second one. Pages still held by a concurrent reader are caught by the
// next call; the bot calls it after every erasure and purge.
func (s *Store) ScrubErased(ctx context.Context) (err error) {
	defer s.observe("ScrubErased", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("scrub", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		free := 0
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil {
				return err
			}
			if p == nil {
				break
			}
			if p.Type == "free" {
				free++
			}
		}
		if free == 0 {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketScrub)
		if err != nil {
			return err
		}
		// One filler record per page: more than half a page each, so that
		// no two share a leaf.
		filler := make([]byte, s.db.Info().PageSize*5/8)
		for i := range free + 2 {
			if err := b.Put([]byte("f"+strconv.Itoa(i)), filler); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("scrub", fmt.Errorf("fill free pages: %w", err))
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketScrub) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketScrub)
	})
	if err != nil {
		return wrap("scrub", fmt.Errorf("drop filler: %w", err))
	}
	return nil
}

// SaveMembers creates or replaces the members in one transaction, so one
// sync to disk for the lot instead of one per member (the import of 10,000
// members took 5-6 s member by member). It is not part of bot.Store: a bulk
// path may use it through an interface assertion and fall back to
// SaveMember. Either every member is saved or, on an error, none.
func (s *Store) SaveMembers(ctx context.Context, ms []bot.Member) (err error) {
	defer s.observe("SaveMembers", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("save members", err)
	}
	vs := make([][]byte, len(ms))
	for i, m := range ms {
		if err := checkRef("save members", m.Ref); err != nil {
			return err
		}
		v, err := json.Marshal(m)
		if err != nil {
			return wrap("save members", err)
		}
		vs[i] = v
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		for i, m := range ms {
			if err := b.Put([]byte(m.Ref.Key()), vs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("save members", err)
	}
	return nil
}

var _ bot.MemberBatchWriter = (*Store)(nil)

var _ bot.DeliveryMemberReader = (*Store)(nil)

// DeliveryMember is bot.DeliveryView of Member(ref), decoded alone.
func (s *Store) DeliveryMember(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("DeliveryMember", s.callStart(), &err)
	return s.deliveryMember(ctx, "delivery member", ref, false)
}

// MemberConsent is bot.ConsentView of Member(ref), decoded alone.
func (s *Store) MemberConsent(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("MemberConsent", s.callStart(), &err)
	return s.deliveryMember(ctx, "member consent", ref, true)
}

func (s *Store) deliveryMember(ctx context.Context, op string, ref bot.UserRef, consent bool) (bot.Member, error) {
	if err := ctx.Err(); err != nil {
		return bot.Member{}, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return bot.Member{}, err
	}
	// A transaction of its own (no closure: the member stays on the stack).
	tx, err := s.db.Begin(false)
	if err != nil {
		return bot.Member{}, wrap(op, err)
	}
	defer tx.Rollback()
	var buf [128]byte
	v := tx.Bucket(bucketMembers).Get(appendRefKey(buf[:0], ref))
	if v == nil {
		return bot.Member{}, wrap(op, bot.ErrNotFound)
	}
	m, err := bot.DecodeDeliveryMember(v, ref, consent)
	if err != nil {
		return bot.Member{}, wrap(op, err)
	}
	return m, nil
}

// DeliveryMembers is DeliveryMember for each of refs, in one transaction.
func (s *Store) DeliveryMembers(ctx context.Context, refs []bot.UserRef, out []bot.Member) (err error) {
	defer s.observe("DeliveryMembers", s.callStart(), &err)
	const op = "delivery members"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if len(out) != len(refs) {
		return fmt.Errorf("bolt store %s: %w: %d members for %d references", op, bot.ErrInvalid, len(out), len(refs))
	}
	for _, ref := range refs {
		if err := checkRef(op, ref); err != nil {
			return err
		}
	}
	clear(out)
	if len(refs) == 0 {
		return nil
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback()
	c := tx.Bucket(bucketMembers).Cursor()
	var key []byte
	for i, ref := range refs {
		key = appendRefKey(key[:0], ref)
		k, v := c.Seek(key)
		if v == nil || !bytes.Equal(k, key) {
			continue
		}
		if out[i], err = bot.DecodeDeliveryMember(v, ref, false); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// appendRefKey appends ref.Key() to b (without the string).
func appendRefKey(b []byte, ref bot.UserRef) []byte {
	for _, part := range []string{string(ref.Platform), ref.Workspace, ref.User} {
		b = strconv.AppendInt(b, int64(len(part)), 10)
		b = append(b, ':')
		b = append(b, part...)
	}
	return b
}

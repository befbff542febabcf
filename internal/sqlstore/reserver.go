package sqlstore

import "context"

// ReserveNumeros reserves a deposit reference and n ASP numbers, in increasing
// order, before the deposit's transaction: a value reserved and not used
// (a crash, a deposit that ends otherwise) is lost, never given again.
func (db *DB) ReserveNumeros(ctx context.Context, n int) (int64, []int64, error) {
	var (
		imp int64
		asp []int64
	)
	err := db.withSequences(ctx, func(q querier) error {
		var err error
		if imp, err = db.nextIMP(ctx, q); err != nil {
			return err
		}
		asp, err = db.nextASPs(ctx, q, n)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return imp, asp, nil
}

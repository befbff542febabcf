package sqlstore

import (
	"strconv"
	"strings"
)

// placeholders appends vals to args and returns their placeholders,
// numbered after the arguments already there: "$3, $4".
func placeholders[T ~string](args *[]any, vals ...T) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, string(v))
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}

// conditions builds a WHERE clause from optional filters: each condition
// is written with "?" for its one argument, numbered as it is added.
type conditions struct {
	where []string
	args  []any
}

func (c *conditions) add(cond string, v any) {
	c.args = append(c.args, v)
	c.where = append(c.where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(c.args))))
}

// addArgs adds a condition written with "?" for each of its arguments, in
// their order.
func (c *conditions) addArgs(cond string, vals ...any) {
	for _, v := range vals {
		c.args = append(c.args, v)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(c.args)), 1)
	}
	c.where = append(c.where, cond)
}

// addIn adds « col IN (…) », one argument per value; vals must not be
// empty.
func (c *conditions) addIn(col string, vals []string) {
	ps := make([]string, len(vals))
	for i, v := range vals {
		c.args = append(c.args, v)
		ps[i] = "$" + strconv.Itoa(len(c.args))
	}
	c.where = append(c.where, col+" IN ("+strings.Join(ps, ", ")+")")
}

// clause is " WHERE a AND b", or "" without condition.
func (c *conditions) clause() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

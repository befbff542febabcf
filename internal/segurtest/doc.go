// Package segurtest holds test helpers and fixtures shared by segur's tests
// and measures.
package segurtest

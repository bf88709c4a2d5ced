package juju

import (
	"context"
	"maps"
	"sync"
)

// Counting is a Runner that counts the calls it passes on, per tool.
// Benchmarks use it to hold hooks to their hook-tool budgets.
type Counting struct {
	next  Runner
	mu    sync.Mutex
	calls map[string]int
}

// NewCounting counts the calls made through next.
func NewCounting(next Runner) *Counting {
	return &Counting{next: next, calls: map[string]int{}}
}

// Run counts the call, then runs it with the wrapped Runner.
func (c *Counting) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	c.mu.Lock()
	c.calls[tool]++
	c.mu.Unlock()
	return c.next.Run(ctx, tool, args, stdin)
}

// Calls returns a copy of the per-tool call counts.
func (c *Counting) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Total returns the number of calls across all tools.
func (c *Counting) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

// Reset forgets the counts so far.
func (c *Counting) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.calls)
}

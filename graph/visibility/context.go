package visibility

import "context"

// The viewer travels in the request's context so that every store method
// and every Topology filters for it without a parameter on each call.
//
// A context without a viewer is a trusted in-process caller (ingest, the
// generator, the CLI's admin commands, a store's own tests): unfiltered.
// The server puts a viewer into every request that reaches a resolver, and
// refuses to run one without (fail closed at the boundary, not in every
// store): see server/authn.go.

type viewerKey struct{}

// WithViewer returns ctx carrying v. A zero Viewer (nobody signed in) is
// carried too, and sees nothing.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer ctx carries, and false for a trusted
// in-process caller that sees everything.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// WithoutViewer returns ctx as a trusted caller's, keeping its deadline and
// other values: for the server's own reads that answer no fact to the
// requester (a health probe; the facts a share carries, redacted after).
func WithoutViewer(ctx context.Context) context.Context {
	return context.WithValue(ctx, viewerKey{}, nil)
}

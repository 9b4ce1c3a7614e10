package model

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/graph"
)

// MarshalUpload writes an upload's content, as gqlgen's own Upload does
// (no field returns one).
func MarshalUpload(u graphql.Upload) graphql.Marshaler { return graphql.MarshalUpload(u) }

// UnmarshalUpload takes the file the multipart transport put in the
// variable. Anything else is a client's mistake, a JSON value where a file
// belongs, and is refused with INVALID_ARGUMENT (gqlgen's own unmarshaller
// answers it with an uncoded error, which the presenter shows as INTERNAL).
func UnmarshalUpload(v any) (graphql.Upload, error) {
	switch u := v.(type) {
	case graphql.Upload:
		return u, nil
	case *graphql.Upload:
		if u != nil {
			return *u, nil
		}
	}
	return graphql.Upload{}, graph.Errorf(graph.CodeInvalid,
		"an Upload variable must be sent as a file of a multipart request (GraphQL multipart request spec, with the header GraphQL-Require-Preflight), not as a JSON value")
}

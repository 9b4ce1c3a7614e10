package graph

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an error for callers: the GraphQL layer maps it to
// extensions.code, the CLI to its message. Stores map driver errors to these
// codes at their edge so nothing above them depends on a driver.
type Code string

// Error codes.
const (
	CodeInvalid     Code = "INVALID_ARGUMENT"
	CodeNotFound    Code = "NOT_FOUND"
	CodeLimit       Code = "LIMIT_EXCEEDED"
	CodeTimeout     Code = "TIMEOUT"
	CodeUnavailable Code = "UNAVAILABLE"
	CodeConflict    Code = "CONFLICT"
	CodeForbidden   Code = "FORBIDDEN"         // the server is not configured to allow it
	CodeTooMany     Code = "TOO_MANY_REQUESTS" // the client has too many requests running
	CodeBadRequest  Code = "BAD_REQUEST"       // the HTTP request is not a GraphQL request
	CodeInternal    Code = "INTERNAL"
	// CodeUnauthenticated: no credentials, or credentials that are not
	// valid (one code and message for every reason, so a caller learns
	// nothing about which tokens, sessions or accounts exist).
	CodeUnauthenticated Code = "UNAUTHENTICATED"
)

// Codes returns every code, for documentation checks.
func Codes() []Code {
	return []Code{CodeInvalid, CodeNotFound, CodeLimit, CodeTimeout, CodeUnavailable,
		CodeConflict, CodeForbidden, CodeTooMany, CodeBadRequest, CodeInternal, CodeUnauthenticated}
}

// Error is an application error with a code and a message fit for users.
type Error struct {
	Code    Code
	Message string
	Err     error // underlying cause, never shown to API users
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with code and message whose cause is err.
func WrapError(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of err: its *Error's code, TIMEOUT for a
// deadline, INTERNAL otherwise.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	case errors.Is(err, context.Canceled):
		return CodeTimeout
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err: the message of its
// *Error, or a generic text that leaks nothing internal.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Message
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "the query ran past its deadline"
	}
	return "internal error"
}

// NotFound returns a NOT_FOUND error for a node or edge ID.
func NotFound(what, id string) *Error {
	return Errorf(CodeNotFound, "%s %q not found", what, id)
}

//go:build !unix

package jobs_test

import "errors"

func mkfifo(string) error { return errors.New("not supported") }

package storetest

func flowCases() []suiteCase { return nil }

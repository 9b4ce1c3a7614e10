package storetest

func pathCases() []suiteCase { return nil }

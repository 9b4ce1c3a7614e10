package storetest

func clusterCases() []suiteCase { return nil }

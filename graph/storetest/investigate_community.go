package storetest

func communityCases() []suiteCase { return nil }

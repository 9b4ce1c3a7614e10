package storetest

func personaCases() []suiteCase { return nil }

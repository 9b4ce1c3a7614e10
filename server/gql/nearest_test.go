package gql

import (
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

func TestNearestQuery(t *testing.T) {
	kind := graph.KindService
	tests := []struct {
		name   string
		from   string
		target model.NearestTarget
		args   pathArgs
		limit  *int
		want   investigate.NearestQuery
		code   graph.Code
		naming string // the argument the error names
	}{
		{name: "sanctioned, defaults", from: "threat_group:lazarus-group", target: model.NearestTarget{Sanctioned: ptr(true)},
			want: investigate.NearestQuery{From: "threat_group:lazarus-group", Target: investigate.NearestTarget{Sanctioned: true}, Limit: 5, Direction: graph.Both}},
		{name: "program trimmed, limit and hops", from: "threat_group:lazarus-group", target: model.NearestTarget{Program: ptr(" DPRK3 ")},
			args: pathArgs{maxHops: ptr(4)}, limit: ptr(2),
			want: investigate.NearestQuery{From: "threat_group:lazarus-group", Target: investigate.NearestTarget{Program: "DPRK3"}, Limit: 2, MaxHops: 4, Direction: graph.Both}},
		{name: "kind", from: "threat_group:lazarus-group", target: model.NearestTarget{Kind: &kind},
			want: investigate.NearestQuery{From: "threat_group:lazarus-group", Target: investigate.NearestTarget{Kind: graph.KindService}, Limit: 5, Direction: graph.Both}},
		{name: "group normalised", from: "threat_group:lazarus-group", target: model.NearestTarget{ThreatGroup: ptr("threat_group:Kimsuky")},
			want: investigate.NearestQuery{From: "threat_group:lazarus-group", Target: investigate.NearestTarget{ThreatGroup: "threat_group:kimsuky"}, Limit: 5, Direction: graph.Both}},
		{name: "bad start", from: "nothing", target: model.NearestTarget{Sanctioned: ptr(true)}, code: graph.CodeInvalid, naming: "from:"},
		{name: "bad group", from: "threat_group:lazarus-group", target: model.NearestTarget{ThreatGroup: ptr("lazarus")}, code: graph.CodeInvalid, naming: "target.threatGroup:"},
		{name: "no hops", from: "threat_group:lazarus-group", target: model.NearestTarget{Sanctioned: ptr(true)}, args: pathArgs{maxHops: ptr(0)}, code: graph.CodeInvalid, naming: "maxHops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nearestQuery(tt.from, tt.target, tt.args, tt.limit)
			if tt.code != "" {
				if graph.ErrorCode(err) != tt.code || !strings.Contains(graph.ErrorMessage(err), tt.naming) {
					t.Fatalf("error %v (code %q), want %s naming %q", err, graph.ErrorCode(err), tt.code, tt.naming)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.From != tt.want.From || got.Target != tt.want.Target || got.Limit != tt.want.Limit || got.MaxHops != tt.want.MaxHops || got.Direction != tt.want.Direction {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

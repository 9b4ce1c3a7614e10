package graph

// Cause is why an answer was truncated, for programs: the schema's
// TruncationReason enum (a server test checks that every cause is one of
// its values). The sentence beside it is for people; a cause is given
// where the truncation happens, never parsed from the sentence.
type Cause string

// The causes, one per distinct reason a store or the investigation engine
// cuts an answer short.
const (
	// CauseNodeLimit: more nodes than the query's limit (neighbours).
	CauseNodeLimit Cause = "NODE_LIMIT"
	// CauseEdgeLimit: more edges than a subgraph may hold.
	CauseEdgeLimit Cause = "EDGE_LIMIT"
	// CauseVisitLimit: the search discovered (or read) as many nodes as
	// it may, so farther ones were not considered.
	CauseVisitLimit Cause = "VISIT_LIMIT"
	// CauseArcLimit: the search read as many edges as it may.
	CauseArcLimit Cause = "ARC_LIMIT"
	// CauseHopLimit: longer paths, routes or depths than the server's hop
	// limit were not searched.
	CauseHopLimit Cause = "HOP_LIMIT"
	// CauseHubSkipped: nodes with more edges than the hub degree were not
	// passed through (or their value left unattributed).
	CauseHubSkipped Cause = "HUB_SKIPPED"
	// CausePathLimit: more paths or matches than were returned.
	CausePathLimit Cause = "PATH_LIMIT"
	// CauseRouteLimit: more money-flow routes than were listed.
	CauseRouteLimit Cause = "ROUTE_LIMIT"
	// CauseRouteCountLimit: routes were counted up to a cap: the counts
	// are lower bounds.
	CauseRouteCountLimit Cause = "ROUTE_COUNT_LIMIT"
	// CauseMemberLimit: a cluster has more members than were kept.
	CauseMemberLimit Cause = "MEMBER_LIMIT"
	// CauseListLimit: a list of the answer (tainted transfers, price
	// closes) holds only its first elements.
	CauseListLimit Cause = "LIST_LIMIT"
	// CauseSubgraphLimit: more nodes were given than a computation takes.
	CauseSubgraphLimit Cause = "SUBGRAPH_LIMIT"
	// CauseNameHub: names shared by too many entities were not matched on.
	CauseNameHub Cause = "NAME_HUB"
	// CauseMatchLimit: a name matched more entities than were compared.
	CauseMatchLimit Cause = "MATCH_LIMIT"
	// CauseFanoutLimit: only the first edges of a node were read.
	CauseFanoutLimit Cause = "FANOUT_LIMIT"
	// CauseRecordLimit: a job recorded more entities than were looked up.
	CauseRecordLimit Cause = "RECORD_LIMIT"
)

// Causes lists every cause, for the check against the schema.
func Causes() []Cause {
	return []Cause{
		CauseNodeLimit, CauseEdgeLimit, CauseVisitLimit, CauseArcLimit, CauseHopLimit, CauseHubSkipped,
		CausePathLimit, CauseRouteLimit, CauseRouteCountLimit, CauseMemberLimit, CauseListLimit,
		CauseSubgraphLimit, CauseNameHub, CauseMatchLimit, CauseFanoutLimit, CauseRecordLimit,
	}
}

// Cut marks s truncated for cause, adding reason to its sentence.
func (s *Subgraph) Cut(cause Cause, reason string) {
	s.Truncated = true
	if s.Reason != "" {
		s.Reason += "; "
	}
	s.Reason += reason
	s.Causes = append(s.Causes, cause)
}

// Cut marks p truncated for cause, with reason.
func (p *Path) Cut(cause Cause, reason string) {
	p.Truncated, p.Reason, p.Causes = true, reason, []Cause{cause}
}

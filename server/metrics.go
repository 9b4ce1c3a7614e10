package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server/admission"
)

// maxOperationNames bounds the operation label: the first names seen are
// kept, later ones are counted under "other", so that a client inventing
// names cannot grow the series without bound.
const maxOperationNames = 100

// Operation label values that are not a client's operation name.
const (
	opAnonymous = "anonymous" // a GraphQL request without a name
	opOther     = "other"     // a name beyond maxOperationNames
	opNone      = ""          // not a GraphQL request
)

// metrics are one server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	store    *prometheus.HistogramVec
	storeErr *prometheus.CounterVec

	mu  sync.Mutex
	ops map[string]struct{}
}

func newMetrics(cfg Config, admit *admission.Controller) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), ops: map[string]struct{}{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "redthread_http_requests_total",
		Help: "HTTP requests answered, by route, GraphQL operation name (first 100 names; others \"other\", unnamed \"anonymous\") and status code.",
	}, []string{"route", "operation", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "redthread_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route and GraphQL operation name.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "operation"})
	m.store = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "redthread_store_call_duration_seconds",
		Help:    "Time of one call of the graph store by the server, by method.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"method"})
	m.storeErr = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "redthread_store_call_errors_total",
		Help: "Graph store calls by the server that failed, by method and error code.",
	}, []string{"method", "code"})
	m.reg.MustRegister(m.requests, m.latency, m.store, m.storeErr,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Jobs != nil {
		m.reg.MustRegister(jobsCollector{cfg.Jobs})
	}
	if admit != nil {
		m.reg.MustRegister(admissionCollector{admit})
	}
	if cfg.Identity != nil {
		m.reg.MustRegister(newIdentityCollector(cfg.Identity))
	}
	return m
}

// operation is the label of a GraphQL operation name.
func (m *metrics) operation(name string) string {
	if name == "" {
		return opAnonymous
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ops[name]; ok {
		return name
	}
	if len(m.ops) >= maxOperationNames {
		return opOther
	}
	m.ops[name] = struct{}{}
	return name
}

// route is the label of a request path: a fixed set.
func route(path string) string {
	switch {
	case path == "/graphql":
		return "graphql"
	case path == "/healthz":
		return "healthz"
	case path == "/metrics":
		return "metrics"
	case strings.HasPrefix(path, "/auth/"):
		return "auth"
	}
	return "ui"
}

// observe records one answered request.
func (m *metrics) observe(path string, info *requestInfo, status int, d time.Duration) {
	r := route(path)
	op := opNone
	if r == "graphql" {
		op = m.operation(info.operation)
	}
	m.requests.WithLabelValues(r, op, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(r, op).Observe(d.Seconds())
}

// observeStore records one store call.
func (m *metrics) observeStore(method string, start time.Time, err error) {
	m.store.WithLabelValues(method).Observe(time.Since(start).Seconds())
	if err != nil {
		m.storeErr.WithLabelValues(method, string(graph.ErrorCode(err))).Inc()
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A collector that fails (the identity store unavailable) leaves
		// the others answered.
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// MetricsHandler serves the server's metrics without authentication, for
// a listener of its own (--metrics-addr) that only the scraper reaches.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// metricsRoute serves /metrics on the main listener to the deployment
// administrator's bearer token and to Config.MetricsToken; anyone else
// gets 401 (403 for another principal). The metrics name the operations
// clients run and the load the server is under, which is not public. It
// sits outside authenticate, which knows nothing of the metrics token,
// and counts failures against the same per-address limit.
func (s *Server) metricsRoute() http.Handler {
	h := s.metrics.handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeGraphQLError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest, "metrics are read with GET")
			return
		}
		addr := clientKey(r)
		if wait := s.bearerFails.blocked(addr); wait > 0 {
			writeTooMany(w, wait, "too many failed credentials from this address")
			return
		}
		token, ok := bearerToken(r.Header["Authorization"])
		if ok && s.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.MetricsToken)) == 1 {
			h.ServeHTTP(w, r)
			return
		}
		if ok && s.identity != nil {
			p, err := s.identity.Authenticate(r.Context(), token)
			switch {
			case err == nil && p.DeploymentAdmin:
				h.ServeHTTP(w, r)
				return
			case err == nil:
				writeGraphQLError(w, http.StatusForbidden, graph.CodeForbidden, "metrics are for the deployment administrator")
				return
			case graph.ErrorCode(err) != graph.CodeUnauthenticated:
				s.credentialError(w, r, err) // 503: the credential could not be checked
				return
			}
		}
		if ok {
			s.bearerFails.fail(addr)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="redthread metrics"`)
		writeGraphQLError(w, http.StatusUnauthorized, graph.CodeUnauthenticated, "metrics need the administrator's token or the metrics token")
	})
}

// jobsCollector reports ingest jobs at scrape time.
type jobsCollector struct{ jm *jobs.Manager }

var (
	jobsDesc = prometheus.NewDesc("redthread_ingest_jobs",
		"Ingest jobs the server keeps, by state.", []string{"state"}, nil)
	jobRecordsDesc = prometheus.NewDesc("redthread_ingest_records",
		"Records read by the ingest jobs the server keeps, by state (a running job's progress so far).", []string{"state"}, nil)
)

func (c jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc; ch <- jobRecordsDesc }

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	count := map[jobs.State]int{jobs.Queued: 0, jobs.Running: 0, jobs.Succeeded: 0, jobs.Failed: 0, jobs.Cancelled: 0}
	records := map[jobs.State]int{}
	for _, j := range c.jm.Jobs() {
		count[j.State]++
		records[j.State] += j.Progress.Records
	}
	for st, n := range count {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), strings.ToLower(string(st)))
		ch <- prometheus.MustNewConstMetric(jobRecordsDesc, prometheus.GaugeValue, float64(records[st]), strings.ToLower(string(st)))
	}
}

// admissionCollector reports admission's lanes at scrape time.
type admissionCollector struct{ c *admission.Controller }

var (
	laneRunning  = prometheus.NewDesc("redthread_admission_running", "Operations running, by admission lane.", []string{"lane"}, nil)
	laneWaiting  = prometheus.NewDesc("redthread_admission_waiting", "Operations waiting for a slot, by admission lane.", []string{"lane"}, nil)
	laneRefused  = prometheus.NewDesc("redthread_admission_refused_total", "Operations refused with 503, by admission lane.", []string{"lane"}, nil)
	clientRefuse = prometheus.NewDesc("redthread_admission_client_refused_total", "Requests refused with 429 (one client over its limit).", nil, nil)
	clientsDesc  = prometheus.NewDesc("redthread_admission_clients", "Client addresses with requests in flight.", nil, nil)
)

func (c admissionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{laneRunning, laneWaiting, laneRefused, clientRefuse, clientsDesc} {
		ch <- d
	}
}

func (c admissionCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.c.Stats()
	for i := range admission.NumClasses {
		lane := admission.Class(i).String()
		ch <- prometheus.MustNewConstMetric(laneRunning, prometheus.GaugeValue, float64(st.Running[i]), lane)
		ch <- prometheus.MustNewConstMetric(laneWaiting, prometheus.GaugeValue, float64(st.Waiting[i]), lane)
		ch <- prometheus.MustNewConstMetric(laneRefused, prometheus.CounterValue, float64(st.Refused[i]), lane)
	}
	ch <- prometheus.MustNewConstMetric(clientRefuse, prometheus.CounterValue, float64(st.RefusedClients))
	ch <- prometheus.MustNewConstMetric(clientsDesc, prometheus.GaugeValue, float64(st.Clients))
}

// identityCollector reports live sessions and tokens. Counting reads the
// record store, so a count is kept for identityCacheFor between scrapes.
type identityCollector struct {
	ids *identity.Service

	mu   sync.Mutex
	at   time.Time
	last identity.Counts
	err  error
}

const identityCacheFor = 30 * time.Second

var (
	sessionsDesc = prometheus.NewDesc("redthread_identity_sessions", "Live sign-in sessions (counted at most every 30 s).", nil, nil)
	tokensDesc   = prometheus.NewDesc("redthread_identity_tokens", "Live API tokens: neither expired nor revoked (counted at most every 30 s).", nil, nil)
)

func newIdentityCollector(ids *identity.Service) *identityCollector {
	return &identityCollector{ids: ids}
}

func (c *identityCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sessionsDesc
	ch <- tokensDesc
}

func (c *identityCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) > identityCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.last, c.err = c.ids.Counts(ctx)
		cancel()
		c.at = time.Now()
	}
	if c.err != nil {
		ch <- prometheus.NewInvalidMetric(sessionsDesc, c.err)
		return
	}
	ch <- prometheus.MustNewConstMetric(sessionsDesc, prometheus.GaugeValue, float64(c.last.Sessions))
	ch <- prometheus.MustNewConstMetric(tokensDesc, prometheus.GaugeValue, float64(c.last.Tokens))
}

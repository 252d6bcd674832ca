import CLMServiceKit
import Testing

@Suite("Prometheus metric names")
struct MetricNamesTests {
    @Test("Hummingbird's names become conventional ones; label names lose their dots; ours pass through")
    func conventional() {
        let (requests, labels) = MetricNames.conventional(
            "hb.requests", [("http.request.method", "GET"), ("http.response.status_code", "200")])
        #expect(requests == "http_server_requests_total")
        #expect(labels.map(\.0) == ["http_request_method", "http_response_status_code"])
        #expect(labels.map(\.1) == ["GET", "200"], "values are left alone")
        #expect(
            MetricNames.conventional("http.server.request.duration", []).0 == "http_server_request_duration_seconds")
        #expect(MetricNames.conventional("hb.request.errors", []).0 == "http_server_request_errors_total")
        #expect(MetricNames.conventional("http.server.active_requests", []).0 == "http_server_active_requests")
        #expect(
            MetricNames.conventional("clm_outbox_published_total", [("schema", "intake")]).0
                == "clm_outbox_published_total")
        #expect(MetricNames.conventional("odd-name.é", []).0 == "odd_name__")
    }
}

@Suite("Prometheus help text")
struct MetricHelpTests {
    @Test("a HELP line goes before each TYPE line that lacks one; existing ones and samples are kept")
    func annotate() {
        let exposition = """
            # TYPE http_server_requests_total counter
            http_server_requests_total{code="200"} 3
            # HELP own_metric Already described.
            # TYPE own_metric gauge
            own_metric 1
            # TYPE mystery_total counter
            mystery_total 0

            """
        let annotated = String(decoding: MetricHelp.annotate(Array(exposition.utf8)), as: UTF8.self)
        #expect(
            annotated == """
                # HELP http_server_requests_total HTTP requests answered, by method, route and status.
                # TYPE http_server_requests_total counter
                http_server_requests_total{code="200"} 3
                # HELP own_metric Already described.
                # TYPE own_metric gauge
                own_metric 1
                # HELP mystery_total mystery_total (no description)
                # TYPE mystery_total counter
                mystery_total 0

                """)
        #expect(MetricHelp.annotate([]).isEmpty)
    }
}

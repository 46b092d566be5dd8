#pragma once
// A snapshot as Prometheus's text format 0.0.4 or as OpenMetrics 1.0, and
// which of the two a scraper's Accept header asks for.
//
// The two differ only where the formats do: OpenMetrics names a counter
// family without its _total suffix in TYPE and HELP, puts exemplars (the
// connection with the largest RTT of each bucket) on the RTT histogram's
// buckets, and ends with "# EOF". Sample names, labels and values are the
// same, so either scrape gives the same series.
//
// tcpstats_rtt_seconds is the distribution of the live connections' RTTs
// at the last pass: it can go down. It is typed histogram in both formats
// (not OpenMetrics's gaugehistogram, whose _gcount and _gsum would name the
// series differently depending on the format a scraper asked for); use its
// buckets without rate().

#include <string>
#include <string_view>

#include "metrics/snapshot.hpp"

namespace tcpstats::reader::metrics {

enum class exposition_format { prometheus_text, openmetrics };

// The format an Accept header asks for: OpenMetrics when it accepts
// application/openmetrics-text at least as much as text/plain.
[[nodiscard]] exposition_format negotiate(std::string_view accept);

// The Content-Type of a format's body.
[[nodiscard]] std::string_view content_type(exposition_format format);

[[nodiscard]] std::string render(const snapshot& metrics, exposition_format format);

}  // namespace tcpstats::reader::metrics

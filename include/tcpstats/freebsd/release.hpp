#pragma once
// Which FreeBSD release wrote a dump (kern.osrelease, "14.1-RELEASE"), and
// the layout tables that release uses. The export structs carry no version
// of their own, so the caller names the release; the default is the newest
// known one.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tcpstats/error.hpp"
#include "tcpstats/freebsd/layouts.hpp"

namespace tcpstats::freebsd {

struct freebsd_release {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;

  friend constexpr auto operator<=>(const freebsd_release&, const freebsd_release&) = default;
};

// The releases whose layouts this library knows (12 to 15). Older kernels
// export a different struct xtcpcb altogether.
inline constexpr freebsd_release oldest_known_release{12, 0};
inline constexpr freebsd_release newest_known_release{15, 0};

// Parses kern.osrelease: "MAJOR.MINOR" and an optional "-SUFFIX"
// ("14.1-RELEASE-p3", "15.0-CURRENT"). invalid_release, with the offset in
// `text`, when it does not parse or names a release older than 12.
[[nodiscard]] constexpr result<freebsd_release> parse_freebsd_release(std::string_view text) noexcept {
  freebsd_release out;
  std::uint32_t* const parts[2] = {&out.major, &out.minor};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::size_t start = pos;
    std::uint64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      if (value > UINT32_MAX) return parse_error{errc::invalid_release, start};
      ++pos;
    }
    if (pos == start) return parse_error{errc::invalid_release, pos};
    *parts[i] = static_cast<std::uint32_t>(value);
    if (i == 0) {
      if (pos == text.size() || text[pos] != '.') return parse_error{errc::invalid_release, pos};
      ++pos;
    }
  }
  if (pos != text.size() && text[pos] != '-') return parse_error{errc::invalid_release, pos};
  if (out.major < oldest_known_release.major) return parse_error{errc::invalid_release, 0};
  return out;
}

namespace detail {

// struct xtcpcb of a release: 12, 13 and 14 have their own; 15 and anything
// newer use 15's (only spare slots were renamed so far). 13's table is
// checked against FreeBSD 13.4's headers (xt_encaps_port at 640, no
// t_dsack_*) and agrees with 13.0's source, so every 13.x uses it.
[[nodiscard]] constexpr const layouts::xtcpcb_layout& xtcpcb_layout_for(freebsd_release release) noexcept {
  if (release.major <= 12) return layouts::xtcpcb[0];
  if (release.major == 13) return layouts::xtcpcb[1];
  if (release.major == 14) return layouts::xtcpcb[2];
  return layouts::xtcpcb[3];
}

// struct tcpstat of a release. 13's table comes from 13.4's headers; 14
// inserts tcps_progdrops after tcps_keepdrops, so from tcps_sndtotal on
// every counter of 14 sits 8 bytes later than on 13. 12 has no table and
// is read with 13's: the decoded counters (the first 40 members) are
// assumed unchanged from 12 to 13, which no header here confirms
// (docs/freebsd.md). 15 and anything newer use 15's.
[[nodiscard]] constexpr const layouts::tcpstat_layout& tcpstat_layout_for(freebsd_release release) noexcept {
  if (release.major <= 13) return layouts::tcpstat[0];
  if (release.major == 14) return layouts::tcpstat[1];
  return layouts::tcpstat[2];
}

static_assert(layouts::xtcpcb.size() == 4 && layouts::xtcpcb[1].freebsd_version == "13");
static_assert(layouts::tcpstat.size() == 3 && layouts::tcpstat[0].freebsd_version == "13" &&
              layouts::tcpstat[1].freebsd_version == "14" && layouts::tcpstat[2].freebsd_version == "15");

}  // namespace detail

}  // namespace tcpstats::freebsd

// Writes the seed corpus fuzz/corpus/<target>/ from the tests' builders and
// committed sample dumps: small valid inputs and edge cases.
//   make_corpus SOURCE_ROOT
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "freebsd_sample.hpp"
#include "netlink_builder.hpp"
#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"
#include "xnu_sample.hpp"

namespace fs = std::filesystem;
using namespace tcpstats::test;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, const std::vector<std::byte>& bytes,
           std::optional<std::uint8_t> prefix = std::nullopt) {
  const fs::path dir = root / "fuzz" / "corpus" / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  if (prefix) out.put(static_cast<char>(*prefix));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::byte> read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(raw.size());
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_corpus SOURCE_ROOT\n";
    return 2;
  }
  root = argv[1];
  // macOS: every layout generation, the varied sample, edge cases.
  for (const auto& version : xnu_reference_layouts::instance().versions()) {
    const auto dump = build_xnu_generation_sample(version);
    write("pcblist_n", "gen-" + version, dump);
    write("replay", "macos-gen-" + version, dump, 0);
  }
  write("pcblist_n", "sample-macos15", build_xnu_sample());
  write("pcblist_n", "empty-list", xnu_blob().header(0, 1).finish());
  {
    xnu_blob blob;
    blob.header(1, 1);
    xnu_connection c;
    c.socketless = true;
    write_connection(blob, c);
    blob.raw_record(44, 0x40, 48);
    blob.trailer(1, 2);
    write("pcblist_n", "socketless-unknown-kind", blob.finish());
    auto cut = blob.finish();
    cut.resize(cut.size() - 30);
    write("pcblist_n", "truncated", cut);
  }
  // Linux: the committed captures, and builder-made replies.
  for (const char* name : {"tool-capture.netlink", "ss-capture.netlink"}) {
    const auto dump = read(root / "tests" / "data" / "linux" / name);
    write("sock_diag", name, dump);
    write("replay", std::string("linux-") + name, dump, 1);
  }
  std::vector<std::byte> info(232, std::byte{1});
  const auto one = diag_payload(10, 1)
                       .ports(22, 50000)
                       .attribute(2, info)
                       .attribute(4, {std::byte{'b'}, std::byte{'b'}, std::byte{'r'}, std::byte{0}})
                       .attribute(16, std::vector<std::byte>(20, std::byte{2}))
                       .bytes();
  write("sock_diag", "one-socket", netlink_builder().message(20, 2, one).done().bytes());
  write("sock_diag", "interrupted", netlink_builder().message(20, 0x12, one).done().done().bytes());
  write("sock_diag", "kernel-error", netlink_builder().error(-13).bytes());
  // Destroy events as the kernel sends them: INET_DIAG_PROTOCOL, then the
  // final tcp_info (280 bytes on 6.x, 232 on 5.x); a UDP one (skipped), a
  // stream cut inside its second message.
  const auto destroyed = [](std::uint8_t family, std::uint8_t protocol, std::size_t info_length) {
    return diag_payload(family, 7)
        .ports(41494, 40795)
        .u32_at(44, 11)
        .attribute(10, {std::byte{protocol}})
        .attribute(2, std::vector<std::byte>(info_length, std::byte{3}))
        .bytes();
  };
  write("sock_diag_destroy", "two-events",
        netlink_builder().message(20, 0, destroyed(2, 6, 280)).message(20, 0, destroyed(10, 6, 232)).bytes());
  for (const char* pass : {"000002", "000003"}) {
    write("sock_diag_destroy", std::string("captured-") + pass,
          read(root / "tests" / "data" / "linux" / "events" / (std::string(pass) + ".netlink.events")));
  }
  write("sock_diag_destroy", "udp-skipped", netlink_builder().message(20, 0, destroyed(2, 17, 0)).bytes());
  {
    auto cut = netlink_builder().message(20, 0, destroyed(2, 6, 280)).message(20, 0, destroyed(2, 6, 280)).bytes();
    cut.resize(cut.size() - 100);
    write("sock_diag_destroy", "truncated", cut);
  }
  // Any bytes seed the round trip; a few of different lengths.
  for (int i = 0; i < 4; ++i) write("xnu_roundtrip", "seed-" + std::to_string(i), std::vector<std::byte>(i * 7 + 1, std::byte(i)));
  // FreeBSD: the committed samples (first byte: the release, 12 + byte % 5),
  // side files, and edge cases; the replay target gets the dumps (prefix 2).
  const fs::path freebsd_data = root / "tests" / "data" / "freebsd";
  for (const std::string version : {"12", "13", "14", "15"}) {
    const auto dump = read(freebsd_data / ("sample-" + version + ".pcblist"));
    write("freebsd", "sample-" + version, dump, static_cast<std::uint8_t>(std::stoi(version) - 12));
    write("replay", "freebsd-sample-" + version, dump, 2);
  }
  write("freebsd", "seq-2", read(freebsd_data / "seq-2.pcblist"), 2);
  write("freebsd", "kern-file", read(freebsd_data / "sample-14.pcblist.kern_file"), 2);
  write("freebsd", "tcp-stats-15", read(freebsd_data / "sample-15.pcblist.tcp_stats"), 3);
  write("freebsd", "tcp-states", read(freebsd_data / "sample-14.pcblist.tcp_states"), 2);
  write("freebsd", "dev-tcpstats", read(freebsd_data / "sample.dev_tcpstats"), 2);
  write("replay", "freebsd-dev-tcpstats", read(freebsd_data / "sample.dev_tcpstats"), 2);
  write("freebsd", "empty-list", freebsd_blob("14").header(0, 1).trailer(0, 1).finish(), 2);
  {
    auto cut = read(freebsd_data / "sample-13.pcblist");
    cut.resize(cut.size() - 100);
    write("freebsd", "truncated", cut, 1);
  }
  // meta files
  for (const auto& entry : fs::directory_iterator(root / "tests" / "data" / "xnu")) {
    if (entry.path().extension() == ".json" && entry.path().string().find(".meta.") != std::string::npos) {
      write("meta_json", entry.path().filename().string(), read(entry.path()));
    }
  }
  write("meta_json", "linux.meta.json", read(root / "tests" / "data" / "linux" / "tool-capture.netlink.meta.json"));
  // A pass as files (fuzz_pass_files): platform byte, then [kind][u16 LE
  // length][bytes] per file, kinds in pass_file_limits' order.
  const auto pass_files = [](const std::string& name, std::uint8_t platform, const fs::path& dump,
                             std::initializer_list<std::pair<std::uint8_t, const char*>> sides) {
    std::vector<std::byte> out;
    const auto section = [&out](std::uint8_t kind, const std::vector<std::byte>& bytes) {
      out.push_back(std::byte{kind});
      out.push_back(std::byte(bytes.size() & 0xff));
      out.push_back(std::byte(bytes.size() >> 8));
      out.insert(out.end(), bytes.begin(), bytes.end());
    };
    section(0, read(dump));
    for (const auto& [kind, suffix] : sides) section(kind, read(dump.string() + suffix));
    write("pass_files", name, out, platform);
  };
  pass_files("macos-sample", 0, root / "tests" / "data" / "xnu" / "sample-macos15.pcblist_n", {{1, ".meta.json"}});
  pass_files("linux-tool-capture", 1, root / "tests" / "data" / "linux" / "tool-capture.netlink",
             {{1, ".meta.json"}, {3, ".snmp"}});
  pass_files("freebsd-sample-14", 2, freebsd_data / "sample-14.pcblist",
             {{1, ".meta.json"}, {2, ".tcp_stats"}, {4, ".kern_file"}, {5, ".tcp_states"}, {6, ".commands"}});
  pass_files("freebsd-dev-tcpstats", 2, freebsd_data / "sample.dev_tcpstats", {{1, ".meta.json"}, {4, ".kern_file"}});
  pass_files("freebsd-seq-2", 2, freebsd_data / "seq-2.pcblist", {{1, ".meta.json"}, {2, ".tcp_stats"}, {5, ".tcp_states"}});
  return 0;
}

// tcpstats-reader end to end: the real binary on the committed dumps, its
// output read back with protobuf's own JSON parser and delimited reader.
#include <catch2/catch.hpp>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "batches.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace fs = std::filesystem;
namespace pb = tcpstats_reader;
using tcpstats::test::process_result;
using tcpstats::test::parse_frames;
using tcpstats::test::parse_jsonl;
using tcpstats::test::run_process;
using tcpstats::test::temp_dir;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string data = std::string(TCPSTATS_TEST_DATA) + "/xnu/";
const std::string sample = data + "sample-macos15.pcblist_n";

process_result run(std::vector<std::string> args) {
  args.insert(args.begin(), tool);
  return run_process(args);
}

void copy_dump(const std::string& from, const fs::path& to, bool with_meta) {
  fs::copy_file(from, to);
  if (with_meta) fs::copy_file(from + ".meta.json", to.string() + ".meta.json");
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("replaying the sample gives its records with exact values", "[cli]") {
  const auto result = run({"--replay", sample});
  REQUIRE(result.exit_status == 0);
  CHECK(result.err.empty());
  const auto batches = parse_jsonl(result.out);
  REQUIRE(batches.size() == 1);
  const auto& b = batches[0];
  const auto& m = b.metadata();
  CHECK(m.platform() == pb::PLATFORM_MACOS);
  CHECK(m.hostname() == "laptop.example");
  CHECK(m.os_version() == "15.4");
  CHECK(m.os_release() == "24.4.0");
  CHECK(m.timestamp_ns() == 1764290000000000000u);
  CHECK(m.collection_duration_ns() == 61234u);
  CHECK(m.pcblist_generation() == 48213u);
  CHECK_FALSE(m.pcblist_generation_changed());
  CHECK(m.batch_sequence() == 1u);
  CHECK(m.schema_version() == 1u);
  CHECK(m.tool_version() == "tcpstats-reader 0.1.0");
  CHECK(m.interval_ms() == 1000u);
  CHECK(m.source_file() == sample);
  REQUIRE(m.data_sources_size() == 1);
  CHECK(m.data_sources(0) == pb::DATA_SOURCE_MACOS_PCBLIST_N);

  REQUIRE(b.records_size() == 9);
  const auto& https = b.records(0);
  CHECK(https.local_addr() == std::string("\xc0\xa8\x01\x17", 4));
  CHECK(https.remote_addr() == std::string("\x11\xfd\x90\x0a", 4));
  CHECK(https.local_port() == 53122u);
  CHECK(https.remote_port() == 443u);
  CHECK(https.ip_version() == pb::IP_VERSION_4);
  CHECK(https.state() == pb::TCP_STATE_ESTABLISHED);
  CHECK(https.rtt_us() == 23187u);   // t_srtt 742 = 23.1875 ms
  CHECK(https.rttvar_us() == 8187u);  // t_rttvar 131 = 8.1875 ms
  CHECK(https.rto_us() == 300000u);
  CHECK_FALSE(https.has_rtt_min_us());
  CHECK(https.tx_bytes() == 61244u);   // Darwin 24: group 0 only
  CHECK(https.rx_bytes() == 2411877u);
  CHECK(https.pid() == 1423);
  CHECK(https.uid() == 501u);
  CHECK(https.idle_time_ms() == 660u);  // tcp_now 905113000 − t_rcvtime 905112340
  CHECK(https.connection_age_ms() == 61998u);
  CHECK(https.sources_size() == 1);

  const auto& ssh = b.records(1);
  CHECK(ssh.state() == pb::TCP_STATE_LISTEN);
  CHECK(ssh.ip_version() == pb::IP_VERSION_6);
  CHECK(ssh.dual_stack());
  CHECK(ssh.uid() == 0u);
  CHECK(ssh.has_uid());
  CHECK(ssh.listen_queue_limit() == 128u);

  const auto& link_local = b.records(3);
  CHECK(link_local.local_scope_id() == 14u);
  CHECK(link_local.remote_scope_id() == 14u);
  CHECK(link_local.local_addr().substr(0, 4) == std::string("\xfe\x80\x00\x00", 4));

  const auto& user_flow = b.records(6);
  CHECK(user_flow.user_space_flow());
  CHECK_FALSE(user_flow.has_socket_id());
  CHECK_FALSE(user_flow.has_uid());
  CHECK_FALSE(user_flow.has_rtt_us());

  const auto& summary = b.summary();
  CHECK(summary.total_sockets() == 9u);
  REQUIRE(summary.state_counts_size() == 6);
  CHECK(summary.state_counts(0).state() == pb::TCP_STATE_CLOSED);
  CHECK(summary.state_counts(2).state() == pb::TCP_STATE_SYN_SENT);
  CHECK(summary.state_counts(3).state() == pb::TCP_STATE_ESTABLISHED);
  CHECK(summary.state_counts(3).count() == 3u);
  CHECK_FALSE(summary.has_delta_snd_total_packets());  // no counters replayed
}

TEST_CASE("every layout generation replays, with and without meta files", "[cli]") {
  for (const std::string version : {"xnu-1699.32.7", "xnu-2050.48.11", "xnu-2422.115.4", "xnu-2782.40.9",
                                    "xnu-8020.140.41", "xnu-8792.81.2", "xnu-11417.121.6"}) {
    INFO(version);
    const std::string file = data + "gen-" + version + ".pcblist_n";
    const bool has_meta = fs::exists(file + ".meta.json");
    for (const std::string format : {"jsonl", "binary"}) {
      const auto result = run({"--format", format, "--replay", file});
      REQUIRE(result.exit_status == 0);
      const auto batches = format == "jsonl" ? parse_jsonl(result.out) : parse_frames(result.out);
      REQUIRE(batches.size() == 1);
      const auto& b = batches[0];
      REQUIRE(b.records_size() == 3);
      const auto& est = b.records(0);
      CHECK(est.state() == pb::TCP_STATE_ESTABLISHED);
      CHECK(est.local_port() == 50022u);
      CHECK(est.rtt_us() == 31250u);
      CHECK(est.rttvar_us() == 10000u);
      CHECK(est.rto_us() == 232000u);
      CHECK(est.snd_nxt() == 5100u);
      CHECK(est.rcv_adv() == 140072u);
      CHECK(est.socket_id() == 0x51f0a2c4d8e62020u);
      const bool pids = version != "xnu-1699.32.7" && version != "xnu-2050.48.11" && version != "xnu-2422.115.4";
      CHECK(est.has_pid() == pids);
      CHECK(est.has_effective_pid() == pids);
      if (pids) CHECK(est.effective_pid() == 4243);
      // Before Darwin 24 the four traffic classes add up; without a meta
      // file the newest release (group 0 only) is assumed.
      const bool summed = version == "xnu-1699.32.7" || version == "xnu-8020.140.41";
      CHECK(est.tx_bytes() == (summed ? 2600u : 2000u));
      CHECK(est.has_idle_time_ms() == (version == "xnu-11417.121.6" || version == "xnu-8020.140.41"));
      if (est.has_idle_time_ms()) CHECK(est.idle_time_ms() == 10000u);
      CHECK(b.records(1).dual_stack());
      CHECK(b.records(2).state() == pb::TCP_STATE_TIME_WAIT);
      CHECK(b.records(2).local_scope_id() == 7u);
      CHECK(b.metadata().hostname().empty() == !has_meta);
      CHECK(b.metadata().pcblist_generation() == 77u);
    }
  }
}

TEST_CASE("binary frames equal the JSON lines, batch by batch", "[cli]") {
  const std::string a = data + "gen-xnu-8792.81.2.pcblist_n";
  const auto json = run({"--replay", sample, a, sample});
  const auto binary = run({"-f", "binary", "--replay", sample, a, sample});
  REQUIRE(json.exit_status == 0);
  REQUIRE(binary.exit_status == 0);
  const auto from_json = parse_jsonl(json.out);
  const auto from_binary = parse_frames(binary.out);
  REQUIRE(from_json.size() == 3);
  REQUIRE(from_binary.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(from_json[i].metadata().batch_sequence() == i + 1);
    CHECK(google::protobuf::util::MessageDifferencer::Equals(from_json[i], from_binary[i]));
  }
}

TEST_CASE("--pretty prints indented JSON that parses back", "[cli]") {
  const auto pretty = run({"--pretty", "--replay", sample});
  const auto plain = run({"--replay", sample});
  REQUIRE(pretty.exit_status == 0);
  CHECK(std::count(pretty.out.begin(), pretty.out.end(), '\n') > 100);
  pb::BatchMessage a, b;
  REQUIRE(google::protobuf::util::JsonStringToMessage(pretty.out, &a).ok());
  REQUIRE(google::protobuf::util::JsonStringToMessage(plain.out, &b).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(a, b));
}

TEST_CASE("system counters become per-interval deltas", "[cli]") {
  temp_dir dir;
  // net.inet.tcp.stats: u32 counters; sndtotal is member 15, sndrexmitpack 18,
  // rcvtotal 25, rcvduppack 32. The second pass wraps sndtotal around 2^32.
  const auto stats = [](std::uint32_t sndtotal, std::uint32_t rexmit, std::uint32_t rcvtotal) {
    std::string raw(992, '\0');
    const auto put = [&raw](std::size_t index, std::uint32_t v) { std::memcpy(&raw[index * 4], &v, 4); };
    put(0, 7);
    put(15, sndtotal);
    put(18, rexmit);
    put(25, rcvtotal);
    put(32, 1);
    return raw;
  };
  for (const char* name : {"a.pcblist_n", "b.pcblist_n"}) copy_dump(sample, dir.path / name, true);
  write_bytes(dir.path / "a.pcblist_n.tcp_stats", stats(0xFFFFFF00u, 10, 500));
  write_bytes(dir.path / "b.pcblist_n.tcp_stats", stats(0x00000300u, 30, 900));
  const auto result = run({"--replay", (dir.path / "a.pcblist_n").string(), (dir.path / "b.pcblist_n").string()});
  REQUIRE(result.exit_status == 0);
  const auto batches = parse_jsonl(result.out);
  REQUIRE(batches.size() == 2);
  CHECK_FALSE(batches[0].summary().has_delta_snd_total_packets());  // first pass: nothing to compare
  const auto& s = batches[1].summary();
  CHECK(s.delta_snd_total_packets() == 0x400u);  // across the 32-bit wrap
  CHECK(s.delta_snd_rexmit_packets() == 20u);
  CHECK(s.delta_rcv_total_packets() == 400u);
  CHECK(s.delta_rcv_dup_packets() == 0u);
  CHECK(s.delta_conn_attempts() == 0u);
  CHECK(s.retransmit_rate() == Approx(20.0 / 1024.0));
  CHECK(s.duplicate_rate() == 0.0);
  const auto& sources = batches[1].metadata().data_sources();
  CHECK(std::find(sources.begin(), sources.end(), pb::DATA_SOURCE_MACOS_TCP_STATS) != sources.end());

  // All zeros: what macOS gives non-root. Counters absent, said once.
  write_bytes(dir.path / "a.pcblist_n.tcp_stats", std::string(992, '\0'));
  write_bytes(dir.path / "b.pcblist_n.tcp_stats", std::string(992, '\0'));
  const auto hidden = run({"--replay", (dir.path / "a.pcblist_n").string(), (dir.path / "b.pcblist_n").string()});
  REQUIRE(hidden.exit_status == 0);
  CHECK(std::count(hidden.err.begin(), hidden.err.end(), '\n') == 1);
  CHECK(hidden.err.find("net.inet.tcp.stats") != std::string::npos);
  CHECK_FALSE(parse_jsonl(hidden.out)[1].summary().has_delta_snd_total_packets());
}

TEST_CASE("without a meta file or --source the dump is recognised", "[cli]") {
  temp_dir dir;
  copy_dump(sample, dir.path / "bare", false);
  const auto result = run({"--replay", (dir.path / "bare").string()});
  REQUIRE(result.exit_status == 0);
  const auto b = parse_jsonl(result.out)[0];
  CHECK(b.metadata().platform() == pb::PLATFORM_MACOS);
  CHECK(b.metadata().hostname().empty());
  CHECK(b.metadata().timestamp_ns() == 0u);
  CHECK_FALSE(b.records(0).has_idle_time_ms());  // no tcp_now estimate without meta
}

TEST_CASE("bad input: one line on stderr, documented status, earlier batches kept", "[cli]") {
  temp_dir dir;
  std::ifstream in(sample, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_bytes(dir.path / "truncated", good.substr(0, 700));
  write_bytes(dir.path / "garbage", "this is not a dump at all");
  write_bytes(dir.path / "bad-meta", good);
  write_bytes(dir.path / "bad-meta.meta.json", "{\"timestamp_ns\": \"soon\"}");
  const auto one_line = [](const process_result& r) {
    return std::count(r.err.begin(), r.err.end(), '\n') == 1 && r.err.rfind("tcpstats-reader: ", 0) == 0;
  };

  const auto truncated = run({"--replay", sample, (dir.path / "truncated").string()});
  CHECK(truncated.exit_status == 1);
  CHECK(one_line(truncated));
  CHECK(truncated.err.find("truncated: byte 640: record runs past the end of the buffer") != std::string::npos);
  CHECK(parse_jsonl(truncated.out).size() == 1);  // the good file's batch stays

  const auto garbage = run({"--replay", (dir.path / "garbage").string()});
  CHECK(garbage.exit_status == 1);
  CHECK(one_line(garbage));
  CHECK(garbage.out.empty());

  const auto forced = run({"--source", "macos", "--replay", (dir.path / "garbage").string()});
  CHECK(forced.exit_status == 1);
  CHECK(forced.err.find("byte 0: list header declares an impossible length") != std::string::npos);

  const auto meta = run({"--replay", (dir.path / "bad-meta").string()});
  CHECK(meta.exit_status == 1);
  CHECK(meta.err.find("bad-meta.meta.json: key \"timestamp_ns\" must be a non-negative integer") !=
        std::string::npos);

  const auto missing = run({"--replay", (dir.path / "nonexistent").string()});
  CHECK(missing.exit_status == 3);
  CHECK(one_line(missing));

  const auto unwritable = run({"-o", (dir.path / "no" / "such" / "dir").string(), "--replay", sample});
  CHECK(unwritable.exit_status == 3);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, {"--interval", "0"}, {"--interval", "fast"}, {"-c", "-1"},
        {"--format", "xml"}, {"--source", "windows"}, {"--once", "--count", "3"}, {"stray"},
        {"-f", "binary", "--pretty", "--replay", sample}, {"--interval"},
        // --listen: HOST:PORT with an IPv6 host in brackets, live only; --max-ports with it, 1..100000;
        // --cgroups with it.
        {"--listen", "9814"}, {"--listen", ":9814"}, {"--listen", "::1:9814"}, {"--listen", "127.0.0.1:65536"},
        {"--listen", "127.0.0.1:x"}, {"--listen", "127.0.0.1:0", "--replay", sample},
        {"--max-ports", "5"}, {"--listen", "127.0.0.1:0", "--max-ports", "0"}, {"--cgroups"}}) {
    const auto usage = run(args);
    INFO(args[0]);
    CHECK(usage.exit_status == 2);
    CHECK(one_line(usage));
    CHECK(usage.out.empty());
  }
}

TEST_CASE("--state keeps only the states it names, on replay too", "[cli]") {
  const auto result = run({"--state", "established,TIME_WAIT", "--replay", sample});
  REQUIRE(result.exit_status == 0);
  const auto b = parse_jsonl(result.out)[0];
  REQUIRE(b.records_size() == 4);
  for (const auto& r : b.records()) {
    CHECK((r.state() == pb::TCP_STATE_ESTABLISHED || r.state() == pb::TCP_STATE_TIME_WAIT));
  }
  CHECK(b.summary().total_sockets() == 4u);
  const auto binary = run({"--state", "listen", "-f", "binary", "--replay", sample});
  REQUIRE(binary.exit_status == 0);
  CHECK(parse_frames(binary.out)[0].records_size() == 2);

  const auto bad = run({"--state", "established,sleeping", "--replay", sample});
  CHECK(bad.exit_status == 2);
  CHECK(bad.err.find("--state: 'sleeping' is not a TCP state") != std::string::npos);
}

TEST_CASE("--help names every option; --version prints the version", "[cli]") {
  const auto help = run({"--help"});
  CHECK(help.exit_status == 0);
  for (const char* option : {"--interval", "--count", "--once", "--format", "--pretty", "--output", "--source",
                             "--replay", "--capture", "--state", "--processes", "--netns", "--version", "--listen",
                             "--max-ports", "-i,", "-c,",
                             "-f,", "-o,", "-s,", "-V,"}) {
    CHECK(help.out.find(option) != std::string::npos);
  }
  const auto version = run({"-V"});
  CHECK(version.exit_status == 0);
  CHECK(version.out == "tcpstats-reader 0.1.0\n");
}

TEST_CASE("-o writes the same batches to a file", "[cli]") {
  temp_dir dir;
  const auto path = dir.path / "out.jsonl";
  const auto result = run({"-o", path.string(), "--replay", sample});
  REQUIRE(result.exit_status == 0);
  CHECK(result.out.empty());
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == run({"--replay", sample}).out);
}

TEST_CASE("capture then replay reproduces the records", "[cli]") {
  temp_dir dir;
  const auto capture = dir.path / "capture";
  const auto first = run({"--capture", capture.string(), "--replay", sample});
  REQUIRE(first.exit_status == 0);
  const auto dump = capture / "000001.pcblist_n";
  REQUIRE(fs::exists(dump));
  REQUIRE(fs::exists(dump.string() + ".meta.json"));
  const auto again = run({"--replay", dump.string()});
  REQUIRE(again.exit_status == 0);
  auto a = parse_jsonl(first.out)[0];
  auto b = parse_jsonl(again.out)[0];
  CHECK(b.metadata().hostname() == "laptop.example");
  CHECK(b.metadata().timestamp_ns() == a.metadata().timestamp_ns());
  a.mutable_metadata()->clear_source_file();
  b.mutable_metadata()->clear_source_file();
  CHECK(google::protobuf::util::MessageDifferencer::Equals(a, b));
}

TEST_CASE("a reader that goes away ends the tool quietly", "[cli]") {
  std::vector<std::string> args{tool, "--replay"};
  for (int i = 0; i < 2000; ++i) args.push_back(sample);
  // Stop reading after the first line, as `| head -1` does.
  const auto result = run_process(args, [](pid_t, const std::string& out) {
    return out.find('\n') == std::string::npos;
  });
  CHECK(result.term_signal == 0);
  CHECK(result.exit_status == 0);
  CHECK(result.err.empty());
}

TEST_CASE("SIGINT finishes the current batch and exits 0", "[cli]") {
  for (const std::string format : {"jsonl", "binary"}) {
    // 20,000 names relative to the sample's folder: the command line stays
    // far below ARG_MAX wherever the checkout is.
    const std::string folder = sample.substr(0, sample.rfind('/'));
    const std::string name = sample.substr(sample.rfind('/') + 1);
    std::vector<std::string> args{tool, "-f", format, "--replay"};
    for (int i = 0; i < 20000; ++i) args.push_back(name);
    bool sent = false;
    const auto result = run_process(
        args,
        [&sent](pid_t pid, const std::string& out) {
          if (!sent && out.size() > 100000) {
            kill(pid, SIGINT);
            sent = true;
          }
          return true;
        },
        folder);
    REQUIRE(sent);
    CHECK(result.exit_status == 0);
    const auto batches = format == "jsonl" ? parse_jsonl(result.out) : parse_frames(result.out);
    CHECK(batches.size() < 20000);  // it stopped early...
    CHECK(batches.size() >= 10);
    if (format == "jsonl") CHECK(result.out.back() == '\n');  // ...between whole batches
  }
}

TEST_CASE("--json-addresses text: readable addresses, read back by --input to the same bytes", "[cli]") {
  const auto text = run({"--replay", sample, "--json-addresses", "text"});
  REQUIRE(text.exit_status == 0);
  CHECK(text.out.find("\"localAddr\":\"192.168.1.23\"") != std::string::npos);
  const auto canonical = run({"--replay", sample});
  const temp_dir dir;
  const std::string path = (dir.path / "addresses.jsonl").string();
  write_bytes(path, text.out);
  const auto back = run({"--input", path});
  REQUIRE(back.exit_status == 0);
  CHECK(back.out == canonical.out);
  CHECK(run({"--replay", sample, "--json-addresses", "hex"}).exit_status == 2);
  CHECK(run({"--replay", sample, "-f", "binary", "--json-addresses", "text"}).exit_status == 2);
}

TEST_CASE("live collection is refused where this build cannot do it", "[cli]") {
  const auto result = run({"--once", "--source", "macos"});
  CHECK(result.exit_status == 2);  // macOS's kernel is not this one
}

#if defined(__linux__)
TEST_CASE("--listen loads its HTTP module from beside the tool, and only one no one else may write", "[cli]") {
  const fs::path module = fs::path(tool).parent_path() / "libtcpstats-reader-http.so";
  if (!fs::exists(module)) {
    WARN("this build has no HTTP module (no cpp-httplib)");
    return;
  }
  temp_dir dir;
  const std::string copy = dir / "tcpstats-reader";
  fs::copy_file(tool, copy);
  const auto listen_once = [&] { return run_process({copy, "--listen", "127.0.0.1:0", "-c", "1", "-o", "/dev/null"}); };

  const auto alone = listen_once();
  if (alone.err.find("serving http://") != std::string::npos) {
    WARN("a module is installed where this build installs it: the copy alone found it");
  } else {
    CHECK(alone.exit_status == 3);
    CHECK(alone.err.find("no HTTP module libtcpstats-reader-http.so") != std::string::npos);
  }

  const std::string beside = dir / "libtcpstats-reader-http.so";
  fs::copy_file(module, beside);
  fs::permissions(beside, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  const auto found = listen_once();
  CHECK(found.exit_status == 0);
  CHECK(found.err.find("serving http://127.0.0.1:") != std::string::npos);

  // Writable by others: the module, or the directory it is in.
  for (const fs::path& opened : {fs::path(beside), dir.path}) {
    fs::permissions(opened, fs::perms::group_write, fs::perm_options::add);
    const auto writable = listen_once();
    fs::permissions(opened, fs::perms::group_write, fs::perm_options::remove);
    if (writable.err.find("serving http://") == std::string::npos) {
      CHECK(writable.exit_status == 3);
      CHECK(writable.err.find(beside + " (not trusted)") != std::string::npos);
    }
  }
}
#endif

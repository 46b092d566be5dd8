// Issue 17, one regression test (or more) per problem: what another user can
// do to the tool through the files, names and directories it reads and
// writes, and what any input can do to its memory, time and exit. Tests
// that need a second user (an attacker) run that user's part with setpriv
// as nobody (65534) and skip, saying why, when not root.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "batches.hpp"
#include "core/printable.hpp"
#include "subprocess.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TCPSTATS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TCPSTATS_ASAN 1
#endif
#endif

namespace fs = std::filesystem;
using tcpstats::test::parse_frames;
using tcpstats::test::parse_jsonl;
using tcpstats::test::process_result;
using tcpstats::test::read_file;
using tcpstats::test::run_options;
using tcpstats::test::run_process;
using tcpstats::test::temp_dir;
using tcpstats::test::write_file;

namespace {

// TCPSTATS_READER in the environment runs the tests against another build
// (e.g. one from before a fix, to see them fail).
const std::string tool = std::getenv("TCPSTATS_READER") ? std::getenv("TCPSTATS_READER") : TCPSTATS_READER;
const std::string data = TCPSTATS_TEST_DATA;
const std::string xnu_sample = data + "/xnu/sample-macos15.pcblist_n";
const std::string linux_dump = data + "/linux/tool-capture.netlink";
const std::string freebsd_dir = data + "/freebsd/";

// The criterion of the issue: no input makes the tool grow past ~256 MB.
// AddressSanitizer's shadow memory and quarantine add their own; there the
// ceiling only catches growth without bound.
#if defined(TCPSTATS_ASAN)
constexpr long rss_ceiling_kb = 1024 * 1024;
#else
constexpr long rss_ceiling_kb = 256 * 1024;
#endif

process_result run(std::vector<std::string> args, const run_options& options = {}) {
  args.insert(args.begin(), tool);
  run_options bounded = options;
  if (bounded.timeout_ms == 0) bounded.timeout_ms = 60'000;
  return run_process(args, {}, bounded);
}

// What every refusal looks like: a documented status, one line, no signal,
// bounded memory.
[[maybe_unused]] void check_one_line_failure(const process_result& r, int status, const std::string& says) {
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.term_signal == 0);
  CHECK(r.exit_status == status);
  CHECK(r.err.find(says) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.max_rss_kb < rss_ceiling_kb);
}

[[maybe_unused]] bool is_root() { return geteuid() == 0; }

run_options timeout_ms(int ms, std::vector<std::string> env = {}) {
  run_options options;
  options.timeout_ms = ms;
  options.env = std::move(env);
  return options;
}

// Runs argv as nobody, as the other user on the machine would.
[[maybe_unused]] process_result as_nobody(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  return run_process(argv);
}

bool has_terminal_control(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) return true;
  }
  return false;
}

std::string copy_with(const temp_dir& dir, const std::string& from, const std::string& name,
                      std::initializer_list<const char*> suffixes) {
  const std::string to = dir / name;
  fs::copy_file(from, to);
  for (const char* s : suffixes) fs::copy_file(from + s, to + s);
  return to;
}

}  // namespace

// ---- 2. terminal escape injection ------------------------------------------

TEST_CASE("printable(): controls, C1, bidi and broken UTF-8 are escaped, the rest kept", "[security][unit]") {
  using tcpstats::reader::printable;
  CHECK(printable("sshd") == "sshd");
  CHECK(printable("\x1b[2J\x07") == "\\x1b[2J\\x07");
  CHECK(printable("a\nb\tc\x7f") == "a\\x0ab\\x09c\\x7f");
  CHECK(printable("back\\slash") == "back\\slash");  // kept: printable() may be applied twice
  CHECK(printable(printable("\x1b[2J")) == printable("\x1b[2J"));
  CHECK(printable("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93");  // é ✓ stay
  CHECK(printable("\xc2\x9b" "31m") == "\\xc2\\x9b31m");                       // C1 CSI
  CHECK(printable("abc\xe2\x80\xae" "cba") == "abc\\xe2\\x80\\xaecba");         // RIGHT-TO-LEFT OVERRIDE
  CHECK(printable("\xe2\x80\x8f") == "\\xe2\\x80\\x8f");                      // RIGHT-TO-LEFT MARK
  CHECK(printable("\xff\xc0\xaf") == "\\xff\\xc0\\xaf");                       // invalid, overlong
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");                       // a surrogate
  CHECK(printable("\xe2\x9c") == "\\xe2\\x9c");                                // cut short
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(tcpstats::reader::is_printable("nginx: worker"));
  CHECK_FALSE(tcpstats::reader::is_printable("\x1b"));
}

TEST_CASE("a process that names itself with escapes cannot drive the table's terminal", "[security][live]") {
  // A listener owned by a child process whose comm is "\x1b[2J\x07<>".
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::prctl(PR_SET_NAME, "\x1b[2J\x07\xe2\x80\xae");
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(listener);  // the child holds it now
  char byte;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  ::close(ready[1]);
  const auto r = run({"--once", "--processes", "-f", "table", "--sport", port});
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  INFO(r.out);
  REQUIRE(r.exit_status == 0);
  CHECK_FALSE(has_terminal_control(r.out));
  CHECK(r.out.find("\\x1b[2J\\x07\\xe2\\x80\\xae/" + std::to_string(child)) != std::string::npos);
}

TEST_CASE("process names from a replayed FreeBSD commands file are escaped in the table", "[security]") {
  temp_dir dir;
  const auto copy = copy_with(dir, freebsd_dir + "sample-14.pcblist", "x.pcblist", {".meta.json", ".kern_file"});
  write_file(copy + ".commands", "700 \x1b]0;pwned\x07\n812 \xc2\x9b" "2J\n");
  const auto r = run({"-f", "table", "--replay", copy});
  INFO(r.out);
  REQUIRE(r.exit_status == 0);
  CHECK_FALSE(has_terminal_control(r.out));
  CHECK(r.out.find("\\x1b]0;pwned\\x07/700") != std::string::npos);
  CHECK(r.out.find("\\xc2\\x9b2J/812") != std::string::npos);
}

TEST_CASE("file names and archive contents in error messages are escaped", "[security]") {
  temp_dir dir;
  const auto missing = run({"--replay", dir / "dump\x1b[2J\x07"});
  CHECK(missing.exit_status == 3);
  CHECK_FALSE(has_terminal_control(missing.err));
  CHECK(missing.err.find("dump\\x1b[2J\\x07") != std::string::npos);

  const std::string archive = dir / "a.jsonl";
  write_file(archive, "{\"metadata\":{\"hostname\":\"h\"},\"\x1b[31mbogus\":1}\n");
  const auto bad = run({"--input", archive});
  CHECK(bad.exit_status == 1);
  INFO(bad.err);
  CHECK_FALSE(has_terminal_control(bad.err));
}

// ---- 3. bounded dumps and side files; no allocation failure as abort ---------

TEST_CASE("--replay /dev/zero is refused at once, not read forever", "[limits]") {
  const auto r = run({"--replay", "/dev/zero"}, timeout_ms(20'000));
  check_one_line_failure(r, 3, "/dev/zero: a character device, not a regular file: refused as a dump");
  CHECK(r.out.empty());
}

TEST_CASE("a side file that is a directory is refused, not an allocation failure", "[limits]") {
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "m.netlink", {});
  fs::create_directory(dump + ".meta.json");
  const auto r = run({"--replay", dump});
  check_one_line_failure(r, 3, "m.netlink.meta.json: a directory, not a regular file: refused as a meta file");
  fs::remove(dump + ".meta.json");
  fs::create_directory(dump + ".snmp");
  check_one_line_failure(run({"--replay", dump}), 3, "m.netlink.snmp: a directory");
}

TEST_CASE("side files larger than their documented limit are refused", "[limits]") {
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "m.netlink", {});
  // Sparse: the size is what counts, not what the disk holds.
  write_file(dump + ".snmp", "");
  fs::resize_file(dump + ".snmp", (1 << 20) + 1);
  check_one_line_failure(run({"--replay", dump}), 3, "m.netlink.snmp: more than 1 MiB (1048577 bytes)");
  fs::remove(dump + ".snmp");
  fs::copy_file(linux_dump, dump + ".big");
  fs::resize_file(dump + ".big", (std::uintmax_t{2} << 30) + 1);
  check_one_line_failure(run({"--replay", dump + ".big"}), 3, "more than 2 GiB (2147483649 bytes)");
}


TEST_CASE("out of memory is one line and exit 3, never abort()", "[limits]") {
#if !defined(TCPSTATS_ASAN)
  // 1.5 GB of netlink dump under a 512 MB address-space limit: small
  // enough for the limits, too large for the memory. Sparse, so the disk
  // holds nothing; read() copies it, since a mapping fits no better.
  temp_dir dir;
  const std::string big = dir / "big.netlink";
  fs::copy_file(linux_dump, big);
  fs::resize_file(big, std::uintmax_t{1500} << 20);
  const auto r = run_process({"/usr/bin/prlimit", "--as=536870912", tool, "--replay", big, "-o", "/dev/null"},
                             {}, timeout_ms(60'000));
  INFO(r.err);
  CHECK(r.term_signal == 0);
  CHECK(r.exit_status == 3);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
#else
  WARN("SKIP: an address-space limit cannot be tested under AddressSanitizer (it reserves terabytes)");
#endif
}

// ---- 5. a dump truncated while it is read ----------------------------------

TEST_CASE("a dump truncated under the reader: one line, never SIGBUS", "[limits]") {
  // The shim truncates the dump right after the tool maps it (or first
  // reads it): the next access past the new end would be SIGBUS.
  temp_dir dir;
  const std::string dump = fs::canonical(dir.path).string() + "/100k.pcblist_n";
  const std::string small = fs::canonical(dir.path).string() + "/small.netlink";
  fs::copy_file(linux_dump, small);
  // Large enough to be mapped (> 1 MiB): the sample's records repeated.
  std::string big;
  const std::string sample = read_file(linux_dump);
  while (big.size() < (4u << 20)) big += sample.substr(0, sample.size() - 20);  // no NLMSG_DONE in the middle
  big += sample.substr(sample.size() - 20);
  write_file(dump, big);
  for (const std::string& path : {dump, small}) {
    const auto r = run({"--replay", path, "--source", "linux", "-o", "/dev/null"},
                       timeout_ms(60'000, {"LD_PRELOAD=" TRUNCATE_SHIM, "TCPSTATS_SHIM_TRUNCATE=" + path,
                                           "ASAN_OPTIONS=verify_asan_link_order=0"}));
    INFO(path << ": " << r.err);
    CHECK(r.term_signal == 0);
    if (path == dump) {
      CHECK(r.exit_status == 1);
      CHECK(r.err == "tcpstats-reader: " + path + ": the file shrank while being read (another process truncated it?)\n");
    } else {
      CHECK(r.exit_status == 0);  // a small file is copied whole by its first read, before the truncation
    }
    CHECK(fs::file_size(path) == 0);  // the shim did truncate it
    write_file(path, path == dump ? big : sample);
  }
}

// ---- 6. bounded meta files ---------------------------------------------------

TEST_CASE("a meta file with a 100 MB hostname is refused quickly and small", "[limits]") {
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "m.netlink", {});
  write_file(dump + ".meta.json", "{\"hostname\": \"" + std::string(100 << 20, 'h') + "\"}");
  const auto started = std::chrono::steady_clock::now();
  const auto r = run({"--replay", dump});
  check_one_line_failure(r, 3, "m.netlink.meta.json: more than 64 KiB");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

// ---- 7. FIFOs where a regular file is meant ---------------------------------

TEST_CASE("a FIFO as a side file or --netns path does not block; a dump FIFO without writer reads empty", "[limits]") {
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "m.netlink", {});
  REQUIRE(::mkfifo((dump + ".meta.json").c_str(), 0600) == 0);
  check_one_line_failure(run({"--replay", dump}, timeout_ms(10'000)), 3,
                         "m.netlink.meta.json: a FIFO, not a regular file: refused as a meta file");
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A dump may be a pipe (--replay <(ss -D /dev/stdout)); with nobody
  // writing it is empty, and said so.
  const auto empty = run({"--replay", fifo, "--source", "linux"}, timeout_ms(10'000));
  CHECK_FALSE(empty.timed_out);
  CHECK(empty.exit_status == 1);
  check_one_line_failure(run({"--once", "--netns", fifo}, timeout_ms(10'000)), 4,
                         "not a network namespace file");
}

// ---- 1. no write follows a link, reuses a planted file or waits on a FIFO ----

namespace {

struct stat stat_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

// The names in `dir` that start with a dot: temporary files left behind.
std::vector<std::string> hidden_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().front() == '.') out.push_back(entry.path().filename().string());
  }
  return out;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A scratch directory nobody can reach, with a root-only victim file in it.
struct attack_scene {
  temp_dir dir;
  std::string victim = dir / "victim";
  attack_scene() {
    fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    write_file(victim, "ORIG\n");
    fs::permissions(victim, fs::perms::owner_read | fs::perms::owner_write);
  }
  // A directory root owns and nobody's group (65534) may write to.
  std::string shared_with_nobody(const std::string& name) const {
    const std::string path = dir / name;
    fs::create_directory(path);
    REQUIRE(::chown(path.c_str(), 0, 65534) == 0);
    REQUIRE(::chmod(path.c_str(), 0770) == 0);
    return path;
  }
  void plant(std::vector<std::string> argv) const {
    const auto r = as_nobody(std::move(argv));
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
  }
};

}  // namespace

TEST_CASE("--capture refuses a directory every user may write to; the victim stays", "[security][files]") {
  if (!is_root()) {
    WARN("SKIP: needs root, to be the tool that another user (nobody, via setpriv) attacks; CI runs as root");
    return;
  }
  attack_scene scene;
  const std::string cap = scene.dir / "cap";
  fs::create_directory(cap);
  REQUIRE(::chmod(cap.c_str(), 01777) == 0);
  scene.plant({"/bin/ln", "-s", scene.victim, cap + "/000001.netlink.tmp"});
  const auto r = run({"--replay", linux_dump, "--capture", cap, "-o", "/dev/null"}, timeout_ms(20'000));
  check_one_line_failure(r, 3, "cap: writable by every user (mode 1777)");
  CHECK(read_file(scene.victim) == "ORIG\n");
}

TEST_CASE("--capture into a directory another user may write: nothing planted is followed, reused or waited on",
          "[security][files]") {
  if (!is_root()) {
    WARN("SKIP: needs root, to be the tool that another user (nobody, via setpriv) attacks; CI runs as root");
    return;
  }
  attack_scene scene;
  const std::string cap = scene.shared_with_nobody("cap");
  // What the old predictable names invited: a link to the victim, a file
  // of nobody's to be written into (and handed over), a FIFO to hang on.
  scene.plant({"/bin/ln", "-s", scene.victim, cap + "/000001.netlink.tmp"});
  scene.plant({"/bin/sh", "-c", "umask 0; : > \"$1\"", "sh", cap + "/000001.netlink.meta.json.tmp"});
  scene.plant({"/usr/bin/mkfifo", cap + "/000001.netlink.snmp.tmp"});
  const auto planted = names_in(cap);
  const auto r = run({"--replay", linux_dump, "--capture", cap, "-o", "/dev/null"}, timeout_ms(20'000));
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  REQUIRE(r.exit_status == 0);
  CHECK(read_file(scene.victim) == "ORIG\n");
  CHECK(fs::file_size(cap + "/000001.netlink.meta.json.tmp") == 0);
  CHECK(stat_of(cap + "/000001.netlink.meta.json.tmp").st_uid == 65534);
  CHECK(hidden_files(cap).empty());
  // The pass is there whole, root's, readable by all but writable by root only.
  const std::vector<std::string> after = names_in(cap);
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), planted.begin(), planted.end(), std::back_inserter(added));
  REQUIRE(added.size() == 3);  // the dump, .meta.json, .snmp
  for (const std::string& name : added) {
    const struct stat info = stat_of(cap + "/" + name);
    CHECK(S_ISREG(info.st_mode));
    CHECK(info.st_uid == 0);
    CHECK((info.st_mode & 022) == 0);
  }
  CHECK(read_file(cap + "/" + added[0]) == read_file(linux_dump));
}

TEST_CASE("-o replaces what another user planted at the path instead of writing through it", "[security][files]") {
  if (!is_root()) {
    WARN("SKIP: needs root, to be the tool that another user (nobody, via setpriv) attacks; CI runs as root");
    return;
  }
  attack_scene scene;
  const std::string shared = scene.shared_with_nobody("out");
  // A link of nobody's is refused (it could lead anywhere)...
  scene.plant({"/bin/ln", "-s", scene.victim, shared + "/link.jsonl"});
  check_one_line_failure(run({"--replay", linux_dump, "-o", shared + "/link.jsonl"}), 3,
                         "a symbolic link owned by uid 65534, another user: not followed");
  CHECK(read_file(scene.victim) == "ORIG\n");
  // ... a file of nobody's, world-writable, is replaced by one of root's...
  scene.plant({"/bin/sh", "-c", "umask 0; : > \"$1\"", "sh", shared + "/file.jsonl"});
  const auto r = run({"--replay", linux_dump, "-o", shared + "/file.jsonl"});
  REQUIRE(r.exit_status == 0);
  const struct stat info = stat_of(shared + "/file.jsonl");
  CHECK(info.st_uid == 0);
  CHECK((info.st_mode & 022) == 0);
  CHECK(parse_jsonl(read_file(shared + "/file.jsonl")).size() == 1);
  // ... and a hard link to the victim is replaced, the victim untouched.
  REQUIRE(::link(scene.victim.c_str(), (shared + "/hard.jsonl").c_str()) == 0);
  REQUIRE(run({"--replay", linux_dump, "-o", shared + "/hard.jsonl"}).exit_status == 0);
  CHECK(read_file(scene.victim) == "ORIG\n");
  CHECK(hidden_files(shared).empty());
  // An unprivileged user's own file in a directory only root may write
  // (a log file): truncated in place; someone else's there: refused.
  const std::string mine = scene.dir / "nobodys.jsonl";
  write_file(mine, std::string(50000, 'x'));
  REQUIRE(::chown(mine.c_str(), 65534, 65534) == 0);
  const std::string readable = scene.dir / "in.netlink";
  fs::copy_file(linux_dump, readable);
  const auto own = as_nobody({tool, "--replay", readable, "-o", mine});
  INFO(own.err);
  CHECK(own.exit_status == 0);
  CHECK(parse_jsonl(read_file(mine)).size() == 1);
  const auto other = as_nobody({tool, "--replay", readable, "-o", scene.victim});
  CHECK(other.exit_status == 3);
  CHECK(read_file(scene.victim) == "ORIG\n");
}

TEST_CASE("-o: a FIFO without a reader is refused, not waited on; devices and root's links work", "[security][files]") {
  temp_dir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  check_one_line_failure(run({"--replay", linux_dump, "-o", fifo}, timeout_ms(10'000)), 3,
                         "a FIFO with no reader (start the reader first)");
  CHECK(run({"--replay", linux_dump, "-o", "/dev/null"}).exit_status == 0);
  CHECK(run({"--replay", linux_dump, "-o", "/dev/stdout"}).out == run({"--replay", linux_dump}).out);
  // Our own link to a file of ours: followed, the file truncated and filled.
  const std::string target = dir / "target.jsonl";
  write_file(target, std::string(100000, 'x'));
  fs::create_symlink(target, dir / "link.jsonl");
  REQUIRE(run({"--replay", linux_dump, "-o", dir / "link.jsonl"}).exit_status == 0);
  CHECK(fs::is_symlink(dir / "link.jsonl"));
  CHECK(parse_jsonl(read_file(target)).size() == 1);
}

// ---- 9. a full disk: a pass's capture is all or nothing ------------------------

TEST_CASE("a file-size limit hit while capturing leaves nothing of the pass, and no signal", "[files]") {
  temp_dir dir;
  // The dump (5,968 bytes) and its meta fit under 7,000 bytes, the .snmp
  // beside it does not: the pass fails at its third file.
  const auto dump = copy_with(dir, linux_dump, "in.netlink", {".meta.json"});
  write_file(dump + ".snmp", read_file(linux_dump + ".snmp") + std::string(8000, '\n'));
  const std::string cap = dir / "cap";
  const auto r = run_process({"/usr/bin/prlimit", "--fsize=7000", tool, "--replay", dump, "--capture", cap, "-o",
                              "/dev/null"},
                             {}, timeout_ms(20'000));
  INFO(r.err);
  CHECK(r.term_signal == 0);  // SIGXFSZ would end it
  CHECK(r.exit_status == 3);
  CHECK(r.err.find("000001.netlink.snmp: File too large") != std::string::npos);
  CHECK(names_in(cap).empty());
}

TEST_CASE("a full file system while capturing leaves nothing of the pass", "[files]") {
  if (!is_root()) {
    WARN("SKIP: needs root to mount a small tmpfs (in a mount namespace of its own); CI runs as root");
    return;
  }
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "in.netlink", {".meta.json", ".snmp"});
  const std::string mount_point = dir / "small";
  fs::create_directory(mount_point);
  // 12 KiB hold the dump (2 pages) and the meta file (1); the .snmp does not fit.
  const std::string script =
      "mount -t tmpfs -o size=12k tmpfs \"$1\" || exit 90; \"$2\" --replay \"$3\" --capture \"$1/cap\" -o /dev/null; "
      "echo \"status $?\"; ls -A \"$1/cap\"";
  const auto r = run_process({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh", mount_point, tool, dump}, {},
                             timeout_ms(20'000));
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  CHECK(r.out == "status 3\n");  // and no file listed
  CHECK(r.err.find("No space left on device") != std::string::npos);
}

// ---- 10. -o never empties an input; a second capture run adds to the first ---

TEST_CASE("-o naming an input (by any name) is refused and the input kept", "[files]") {
  temp_dir dir;
  const auto dump = copy_with(dir, linux_dump, "in.netlink", {".meta.json", ".snmp"});
  const std::string dump_bytes = read_file(dump);
  check_one_line_failure(run({"--replay", dump, "-o", dump}), 2, "is also an input");
  check_one_line_failure(run({"--replay", dump, "-o", dump + ".snmp"}), 2, "is also an input (" + dump + ".snmp)");
  fs::create_hard_link(dump, dir / "other-name");
  check_one_line_failure(run({"--replay", dump, "-o", dir / "other-name"}), 2, "is also an input");
  CHECK(read_file(dump) == dump_bytes);

  const std::string archive = dir / "a.jsonl";
  REQUIRE(run({"--replay", dump, "-o", archive}).exit_status == 0);
  const std::string archive_bytes = read_file(archive);
  check_one_line_failure(run({"--input", archive, "-o", archive}), 2, "is also an input");
  run_options from_archive = timeout_ms(20'000);
  from_archive.stdin_path = archive;
  check_one_line_failure(run({"--input", "-", "-o", archive}, from_archive), 2, "is also an input (-)");
  CHECK(read_file(archive) == archive_bytes);
}

TEST_CASE("a second run into the same --capture directory goes on numbering, overwriting nothing", "[files]") {
  temp_dir dir;
  const std::string cap = dir / "cap";
  REQUIRE(run({"--replay", linux_dump, "--capture", cap, "-o", "/dev/null"}).exit_status == 0);
  const auto first = stat_of(cap + "/000001.netlink");
  const auto meta = read_file(cap + "/000001.netlink.meta.json");
  REQUIRE(run({"--replay", xnu_sample, xnu_sample, "--capture", cap, "-o", "/dev/null"}).exit_status == 0);
  CHECK(names_in(cap) == std::vector<std::string>{"000001.netlink", "000001.netlink.meta.json",
                                                  "000001.netlink.snmp", "000002.pcblist_n",
                                                  "000002.pcblist_n.meta.json", "000003.pcblist_n",
                                                  "000003.pcblist_n.meta.json"});
  CHECK(stat_of(cap + "/000001.netlink").st_ino == first.st_ino);
  CHECK(read_file(cap + "/000001.netlink.meta.json") == meta);
}

// ---- 8. every signal that would end the tool ends it between batches ---------

TEST_CASE("SIGHUP, SIGQUIT, SIGUSR1... finish the batch: whole output, whole captures, no temporary file",
          "[signals]") {
  for (const int sig : {SIGHUP, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPROF}) {
    INFO(strsignal(sig));
    temp_dir dir;
    const std::string cap = dir / "cap";
    bool sent = false;
    const auto r = run_process({tool, "-i", "20ms", "-f", "binary", "--capture", cap},
                               [&sent, sig](pid_t pid, const std::string& out) {
                                 if (!sent && out.size() > 1000) {
                                   ::kill(pid, sig);
                                   sent = true;
                                 }
                                 return true;
                               },
                               timeout_ms(30'000));
    REQUIRE(sent);
    INFO(r.err);
    CHECK(r.term_signal == 0);
    CHECK(r.exit_status == 0);
    const auto batches = parse_frames(r.out);  // whole frames only
    CHECK(batches.size() >= 1);
    CHECK(hidden_files(cap).empty());
    std::size_t dumps = 0;
    for (const std::string& name : names_in(cap)) dumps += name.size() == 14 && name.ends_with(".netlink");
    CHECK(dumps == batches.size());  // every batch written has its capture, and no capture lacks its batch
  }
}

// ---- 4. --input: lines, frames, empty batches and compression are bounded ----

namespace {

// Runs a shell pipeline that writes `path` (gzip, zstd, head, tr).
void make_file(const std::string& script, const std::string& path) {
  const auto r = run_process({"/bin/sh", "-c", script, "sh", path});
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
}

}  // namespace

TEST_CASE("--input: a 300 MB line in 300 KB of gzip is refused early and small", "[limits][input]") {
  temp_dir dir;
  const std::string archive = dir / "line.jsonl.gz";
  make_file("{ printf '{\"metadata\":{\"hostname\":\"'; head -c 300000000 /dev/zero | tr '\\0' a; } | gzip -1 > \"$1\"",
            archive);
  check_one_line_failure(run({"--input", archive}), 1, "line.jsonl.gz:1: a line of more than 64 MiB, the limit");
}

TEST_CASE("--input: a frame length of 2^31-1 is refused before anything is buffered", "[limits][input]") {
  temp_dir dir;
  const std::string archive = dir / "frame.bin.zst";
  make_file("{ printf '\\377\\377\\377\\377\\007'; head -c 300000000 /dev/zero; } | zstd -q -3 > \"$1\"", archive);
  check_one_line_failure(run({"--input", archive}), 1,
                         "byte 0: a frame of 2147483647 bytes, more than the 64 MiB limit (--max-batch-size)");
}

TEST_CASE("--input: a stream of empty batches ends with an error, not a billion batches", "[limits][input]") {
  temp_dir dir;
  const std::string zeros = dir / "zeros.gz";
  make_file("head -c 100000000 /dev/zero | gzip -1 > \"$1\"", zeros);
  auto r = run({"--input", zeros, "-f", "binary"}, timeout_ms(30'000));
  check_one_line_failure(r, 1, "zeros.gz: byte 1000: more than 1000 empty batches in a row");
  CHECK(r.out.size() == 1000);  // the thousand empty frames before it, as they were
  const std::string braces = dir / "braces.jsonl";
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += "{}\n";
  write_file(braces, lines);
  check_one_line_failure(run({"--input", braces}), 1, "more than 1000 empty batches in a row");
  // A pipe of zeros, as --input - or /dev/stdin would see it.
  const auto piped = run_process({"/bin/sh", "-c", "head -c 100000000 /dev/zero | \"$1\" --input - -o /dev/null", "sh",
                                  tool},
                                 {}, timeout_ms(30'000));
  check_one_line_failure(piped, 1, "(standard input): byte 1000: more than 1000 empty batches in a row");
}

TEST_CASE("--input /dev/zero (or a terminal, or a directory) is refused at once", "[limits][input]") {
  check_one_line_failure(run({"--input", "/dev/zero"}, timeout_ms(10'000)), 3,
                         "/dev/zero: a device, not a regular file, FIFO or pipe: refused as an archive");
  run_options from_zero = timeout_ms(10'000);
  from_zero.stdin_path = "/dev/zero";
  check_one_line_failure(run({"--input", "-"}, from_zero), 3, "(standard input): a device");
  temp_dir dir;
  check_one_line_failure(run({"--input", dir.path.string()}), 3, "a directory, not a regular file");
}

TEST_CASE("--input: a decompression bomb of valid batches is refused past 64 MiB", "[limits][input]") {
  temp_dir dir;
  const std::string bomb = dir / "bomb.jsonl.zst";
  // 70,000 identical batches of 1 KB: 72 MB that zstd makes a few KB of.
  make_file("yes \"{\\\"metadata\\\":{\\\"hostname\\\":\\\"$(head -c 1000 /dev/zero | tr '\\0' h)\\\"}}\" | "
            "head -n 70000 | zstd -q -19 > \"$1\"",
            bomb);
  const auto r = run({"--input", bomb, "-o", "/dev/null"});
  check_one_line_failure(r, 1, "decompresses to more than 1000 times its size");
  CHECK(r.err.find("decompress it first to read it anyway") != std::string::npos);
  // Decompressed first, the same batches are read.
  const auto piped = run_process(
      {"/bin/sh", "-c", "zstd -dc \"$1\" | \"$2\" --input - -f binary | wc -c", "sh", bomb, tool}, {},
      timeout_ms(60'000));
  CHECK(piped.exit_status == 0);
  CHECK(piped.out == "70560000\n");  // 70,000 frames of 1,008 bytes
}

TEST_CASE("--max-batch-size: lines and frames up to it are read, longer ones refused", "[limits][input]") {
  temp_dir dir;
  const std::string line = "{\"metadata\":{\"hostname\":\"" + std::string(2 << 20, 'h') + "\"}}\n";
  const std::string archive = dir / "two-mb.jsonl";
  write_file(archive, "{\"metadata\":{\"hostname\":\"small\"}}\n" + line);
  check_one_line_failure(run({"--input", archive, "--max-batch-size", "1M"}), 1,
                         "two-mb.jsonl:2: a line of more than 1 MiB, the limit (--max-batch-size)");
  const auto r = run({"--input", archive, "--max-batch-size", "4M", "-f", "binary"});
  CHECK(r.exit_status == 0);
  CHECK(parse_frames(r.out).size() == 2);
  const std::string frames = dir / "two-mb.bin";
  write_file(frames, r.out);
  check_one_line_failure(run({"--input", frames, "--max-batch-size", "1M"}), 1,
                         "byte 10: a frame of 2097162 bytes, more than the 1 MiB limit");
  CHECK(run({"--input", frames, "--max-batch-size", "3M", "-o", "/dev/null"}).exit_status == 0);
  check_one_line_failure(run({"--input", frames, "--max-batch-size", "lots"}), 2, "--max-batch-size: 'lots'");
  check_one_line_failure(run({"--replay", linux_dump, "--max-batch-size", "4M"}), 2, "applies to --input only");
}

// ---- 11. messages -----------------------------------------------------------

TEST_CASE("an unknown option after file names is named, not the file before it", "[messages]") {
  check_one_line_failure(run({"--replay", "a", "b", "--bogus"}), 2, "unknown option '--bogus'");
  check_one_line_failure(run({"--replay", "a", "b", "-Hx"}), 2, "unknown option '-x'");
  check_one_line_failure(run({"--input", "a", "b", "--bogus=1"}), 2, "unknown option '--bogus=1'");
  check_one_line_failure(run({"--replay", "a", "b", "-o"}), 2, "'-o' needs a value");
}

TEST_CASE("an empty --netns, -o, --capture, --replay or --input is an error, never 'none'", "[messages]") {
  check_one_line_failure(run({"--once", "--netns", ""}), 2, "--netns needs a non-empty value");
  check_one_line_failure(run({"--once", "--netns="}), 2, "--netns needs a non-empty value");
  check_one_line_failure(run({"--replay", linux_dump, "-o", ""}), 2, "--output needs a non-empty value");
  check_one_line_failure(run({"--replay", linux_dump, "--capture", ""}), 2, "--capture needs a non-empty value");
  check_one_line_failure(run({"--replay", ""}), 2, "--replay needs a non-empty value");
  check_one_line_failure(run({"--input", ""}), 2, "--input needs a non-empty value");
}

TEST_CASE("an empty or all-zero FreeBSD tcp_stats gets no macOS warning", "[messages]") {
  temp_dir dir;
  const auto dump = copy_with(dir, freebsd_dir + "sample-15.pcblist", "x.pcblist", {".meta.json"});
  write_file(dump + ".tcp_stats", "");
  const auto empty = run({"--replay", dump});
  check_one_line_failure(empty, 1, "x.pcblist: net.inet.tcp.stats: 0 bytes, too few for this release");
  CHECK(empty.err.find("macOS") == std::string::npos);
  write_file(dump + ".tcp_stats", std::string(fs::file_size(freebsd_dir + "sample-15.pcblist.tcp_stats"), '\0'));
  const auto zeros = run({"--replay", dump});
  CHECK(zeros.exit_status == 0);
  CHECK(zeros.err.empty());
}

TEST_CASE("a JSON line cut short is reported on its own line, blank lines or not", "[messages][input]") {
  temp_dir dir;
  const std::string good = "{\"metadata\":{\"hostname\":\"a\"}}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good + "{\"metadata\":\n", ":2: the JSON is cut short"},
      {good + good + "{\"metadata\":{", ":3: the JSON is cut short"},
      {good + "\n\n" + good + "{\"metadata\":{\"hostname\":\n\n", ":5: the JSON is cut short"},
      {"{\"metadata\":\n", ":1: the JSON is cut short"},
  };
  for (const auto& [text, says] : cases) {
    const std::string archive = dir / "cut.jsonl";
    write_file(archive, text);
    check_one_line_failure(run({"--input", archive, "-o", "/dev/null"}), 1, "cut.jsonl" + says);
  }
}

TEST_CASE("JSON Lines that start with blank lines, spaces or a byte order mark are JSON", "[messages][input]") {
  temp_dir dir;
  const std::string line = "{\"metadata\":{\"hostname\":\"a\"}}";
  for (const std::string& start : {std::string("\n"), std::string("   "), std::string("\r\n\t "),
                                   std::string("\xEF\xBB\xBF"), std::string("\xEF\xBB\xBF\n ")}) {
    const std::string archive = dir / "a.jsonl";
    write_file(archive, start + line + "\n" + line + "\n");
    const auto r = run({"--input", archive});
    INFO(r.err);
    CHECK(r.exit_status == 0);
    CHECK(r.out == line + "\n" + line + "\n");
  }
}

TEST_CASE("--listen: SIGTERM right after the start, SIGHUP, SIGQUIT reach the collection loop and end it", "[signals]") {
  for (const int sig : {SIGTERM, SIGHUP, SIGQUIT, SIGUSR1}) {
    INFO(strsignal(sig));
    std::chrono::steady_clock::time_point sent_at;
    bool sent = false;
    // A 30 s interval: a signal that only set the flag in a server thread
    // would leave the loop asleep until the next pass.
    const auto r = run_process({tool, "--listen", "127.0.0.1:0", "-i", "30s", "-o", "-"},
                               [&](pid_t pid, const std::string& out) {
                                 if (!sent && out.find('\n') != std::string::npos) {
                                   sent_at = std::chrono::steady_clock::now();
                                   ::kill(pid, sig);
                                   sent = true;
                                 }
                                 return true;
                               },
                               timeout_ms(60'000));
    REQUIRE(sent);
    INFO(r.err);
    if (r.exit_status == 2 && r.err.find("--listen") != std::string::npos) {
      WARN("SKIP: this build has no --listen (cpp-httplib)");
      return;
    }
    CHECK(r.term_signal == 0);
    CHECK(r.exit_status == 0);
    CHECK(std::chrono::steady_clock::now() - sent_at < std::chrono::seconds(10));
  }
}

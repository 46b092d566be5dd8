#pragma once
// Parses `ss -tinHeO` (one line per socket, extended, with tcp_info) into
// a map per socket, keyed by "local peer" as ss prints them.

#include <map>
#include <sstream>
#include <string>

namespace tcpstats::test {

struct ss_socket {
  std::string state, local, peer;
  std::map<std::string, std::string> values;  // "mss" -> "32768", "rtt" -> "0.042/0.023"
  std::map<std::string, bool> flags;          // bare words: "ts", "sack", "app_limited"
  [[nodiscard]] bool has(const std::string& key) const { return values.count(key) != 0; }
  [[nodiscard]] std::string get(const std::string& key) const {
    const auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  }
};

inline std::map<std::string, ss_socket> parse_ss(const std::string& text) {
  std::map<std::string, ss_socket> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    ss_socket s;
    std::string recvq, sendq;
    if (!(words >> s.state >> recvq >> sendq >> s.local >> s.peer)) continue;
    s.values["recvq"] = recvq;
    s.values["sendq"] = sendq;
    std::string word;
    while (words >> word) {
      const auto colon = word.find(':');
      if (colon != std::string::npos && colon + 1 < word.size()) {
        s.values[word.substr(0, colon)] = word.substr(colon + 1);
      } else {
        s.flags[word] = true;
      }
    }
    out[s.local + " " + s.peer] = s;
  }
  return out;
}

}  // namespace tcpstats::test

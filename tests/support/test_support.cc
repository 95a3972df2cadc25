#include "support/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef VIGIL_BINARY
#error "VIGIL_BINARY must be defined (CMake defines it for vigil_test_support)"
#endif

namespace vigil::testing {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// Everything the child does between fork and exec must be async-signal-safe, so argv is built
// before forking.
struct ExecArgs {
  explicit ExecArgs(const std::vector<std::string>& argv) : storage(argv) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

// In the child: default signal handling, empty mask, stdin from /dev/null, optional stdout and
// stderr redirections, then exec. Never returns.
[[noreturn]] void ExecChild(const ExecArgs& args, int stdout_fd, int stderr_fd, int devnull) {
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
  if (stderr_fd >= 0) dup2(stderr_fd, STDERR_FILENO);
  if (std::strchr(args.ptrs[0], '/') != nullptr) {
    execv(args.ptrs[0], args.ptrs.data());
  } else {
    execvp(args.ptrs[0], args.ptrs.data());
  }
  static const char kMsg[] = "test_support: exec failed\n";
  ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
  _exit(127);
}

int WaitBlocking(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return DecodeWaitStatus(status);
}

}  // namespace

std::string BinaryPath() {
  if (const char* env = std::getenv("VIGIL_BINARY"); env != nullptr && *env != '\0') return env;
  return VIGIL_BINARY;
}

// ---------------------------------------------------------------------------------------------
// TempDir

TempDir::TempDir(const std::string& prefix) {
  std::string templ = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp(" + templ + "): " + std::strerror(errno));
  }
  path_ = templ;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (keep_ || std::getenv("VIGIL_KEEP_TMP") != nullptr) {
    std::cerr << "[test_support] keeping " << path_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// ---------------------------------------------------------------------------------------------
// Processes

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int RunCommand(const std::vector<std::string>& argv, std::string* stdout_out) {
  if (argv.empty()) return 127;
  ExecArgs args(argv);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int pipefd[2] = {-1, -1};
  if (stdout_out != nullptr) {
    stdout_out->clear();
    // O_CLOEXEC: other threads may fork concurrently; the write end must not leak into their
    // children or we would never see EOF.
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
      if (devnull >= 0) close(devnull);
      return 127;
    }
  }
  pid_t pid = fork();
  if (pid < 0) {
    if (devnull >= 0) close(devnull);
    if (pipefd[0] >= 0) {
      close(pipefd[0]);
      close(pipefd[1]);
    }
    return 127;
  }
  if (pid == 0) ExecChild(args, pipefd[1], -1, devnull);
  if (devnull >= 0) close(devnull);
  if (stdout_out != nullptr) {
    close(pipefd[1]);
    char buf[65536];
    for (;;) {
      ssize_t n = read(pipefd[0], buf, sizeof(buf));
      if (n > 0) {
        stdout_out->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    close(pipefd[0]);
  }
  return WaitBlocking(pid);
}

int RunVigil(const std::vector<std::string>& args, std::string* stdout_out) {
  std::vector<std::string> argv{BinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdout_out);
}

void InitDataDir(const std::string& data_dir) {
  std::vector<std::string> args{"init", "--data", data_dir, "--password", kAdminPassword};
  std::string out;  // captured to keep test output quiet; shown on failure
  int rc = RunVigil(args, &out);
  if (rc != 0) {
    throw std::runtime_error("`vigil " + Join(args) + "` exited " + std::to_string(rc) +
                             "; stdout: " + out);
  }
}

std::string CreateUserWithToken(const std::string& data_dir, const std::string& name,
                                const std::string& role, const std::string& password) {
  std::vector<std::string> add{"user", "add", "--data", data_dir, "--name", name, "--role", role};
  if (!password.empty()) {
    add.push_back("--password");
    add.push_back(password);
  }
  std::string out;
  int rc = RunVigil(add, &out);
  if (rc != 0) {
    throw std::runtime_error("`vigil " + Join(add) + "` exited " + std::to_string(rc) +
                             "; stdout: " + out);
  }
  std::vector<std::string> create{"token", "create", "--data", data_dir, "--user", name};
  rc = RunVigil(create, &out);
  if (rc != 0) {
    throw std::runtime_error("`vigil " + Join(create) + "` exited " + std::to_string(rc));
  }
  std::string token = Trim(out);
  if (token.empty() || token.find_first_of(" \n\t") != std::string::npos) {
    throw std::runtime_error("`vigil " + Join(create) +
                             "` did not print exactly one token line; stdout: " + out);
  }
  return token;
}

std::string SetUpServerWithToken(TempDir& tmp, const std::string& role, std::string* data_dir_out) {
  std::string data_dir = tmp.Join("data");
  InitDataDir(data_dir);
  std::string token = CreateUserWithToken(data_dir, "test-" + role, role);
  if (data_dir_out != nullptr) *data_dir_out = data_dir;
  return token;
}

std::vector<nlohmann::json> ParseNdjson(const std::string& text) {
  std::vector<nlohmann::json> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool blank = std::all_of(line.begin(), line.end(),
                             [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    if (!blank) out.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
    pos = end + 1;
  }
  return out;
}

nlohmann::json SampleFlag(const std::string& content_id, const std::string& reporter_id,
                          const nlohmann::json& metadata) {
  return {
      {"content",
       {{"id", content_id},
        {"type", "text"},
        {"text", "sample text for " + content_id},
        {"author", {{"id", "acct-" + content_id}}}}},
      {"reason", "spam"},
      {"source", "user"},
      {"reporter", {{"id", reporter_id}}},
      {"explanation", "test flag"},
      {"metadata", metadata},
  };
}

// ---------------------------------------------------------------------------------------------
// ServerProcess

ServerProcess::ServerProcess() : run_dir_(std::make_unique<TempDir>("vigil-server")) {
  log_path_ = run_dir_->Join("server.log");
}

ServerProcess::~ServerProcess() {
  if (running()) Stop();
}

std::string ServerProcess::LogTail(size_t max_bytes) const {
  std::string all = ReadFile(log_path_);
  if (all.size() > max_bytes) all = "..." + all.substr(all.size() - max_bytes);
  return all;
}

int ServerProcess::WaitChild(std::chrono::milliseconds timeout) {
  pid_t pid = pid_.load();
  if (pid <= 0) return -1;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      pid_.store(-1);
      port_.store(0);
      return DecodeWaitStatus(status);
    }
    if (r < 0 && errno != EINTR) {  // not our child any more (should not happen)
      pid_.store(-1);
      port_.store(0);
      return -1;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

::testing::AssertionResult ServerProcess::Start(const std::string& data_dir,
                                                const std::vector<std::string>& extra_args,
                                                std::chrono::milliseconds ready_timeout) {
  if (running()) Stop();
  ++starts_;
  std::string ready = run_dir_->Join("ready-" + std::to_string(starts_));
  std::remove(ready.c_str());
  std::vector<std::string> argv{BinaryPath(), "serve",       "--data",       data_dir,
                                "--listen",   "127.0.0.1:0", "--ready-file", ready};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  ExecArgs args(argv);

  bool to_stderr = false;
  if (const char* env = std::getenv("VIGIL_SERVER_LOG"); env && std::string(env) == "stderr") {
    to_stderr = true;
  }
  int log_fd = -1;
  if (!to_stderr) {
    log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd >= 0) {
      std::string banner = "=== start " + std::to_string(starts_) + ": " + Join(argv) + "\n";
      ssize_t ignored = write(log_fd, banner.data(), banner.size());
      (void)ignored;
    }
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto start_time = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    if (log_fd >= 0) close(log_fd);
    if (devnull >= 0) close(devnull);
    return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  }
  if (pid == 0) ExecChild(args, log_fd, log_fd, devnull);
  if (log_fd >= 0) close(log_fd);
  if (devnull >= 0) close(devnull);
  pid_.store(pid);
  port_.store(0);

  auto deadline = start_time + ready_timeout;
  for (;;) {
    std::string content = ReadFile(ready);
    if (!content.empty() && content.back() == '\n') {
      content = Trim(content);
      size_t colon = content.rfind(':');
      int port = 0;
      if (colon != std::string::npos) port = std::atoi(content.c_str() + colon + 1);
      if (port <= 0 || port > 65535) {
        Kill(SIGKILL);
        return ::testing::AssertionFailure()
               << "ready file " << ready << " has unexpected content '" << content << "'";
      }
      port_.store(port);
      return ::testing::AssertionSuccess();
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid_.store(-1);
      return ::testing::AssertionFailure()
             << "`" << Join(argv) << "` exited with " << DecodeWaitStatus(status)
             << " before writing the ready file; log tail:\n"
             << LogTail();
    }
    if (Clock::now() >= deadline) {
      Kill(SIGKILL);
      return ::testing::AssertionFailure()
             << "`" << Join(argv) << "` did not write the ready file within "
             << ready_timeout.count() << " ms; log tail:\n"
             << LogTail();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ServerProcess::Kill(int sig) {
  pid_t pid = pid_.load();
  if (pid <= 0) return -1;
  kill(pid, sig);
  int rc = WaitBlocking(pid);
  pid_.store(-1);
  port_.store(0);
  return rc;
}

int ServerProcess::Stop(std::chrono::milliseconds grace) {
  pid_t pid = pid_.load();
  if (pid <= 0) return -1;
  kill(pid, SIGTERM);
  int rc = WaitChild(grace);
  if (rc == -1 && running()) {
    std::cerr << "[test_support] server pid " << pid << " ignored SIGTERM for " << grace.count()
              << " ms; sending SIGKILL\n";
    rc = Kill(SIGKILL);
  }
  return rc;
}

// ---------------------------------------------------------------------------------------------
// HttpResponse / HttpClient

nlohmann::json HttpResponse::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
  net::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int port = 0;
  std::chrono::milliseconds timeout{30000};
  std::string token;

  void Close() {
    if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->socket().close(ec);
      stream.reset();
    }
    buffer.clear();
  }

  // Runs the io_context until the pending operation completed (the stream's timer bounds it).
  void Run() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code Connect() {
    Close();
    stream.emplace(ioc);
    beast::error_code result = net::error::would_block;
    stream->expires_after(timeout);
    tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
    stream->async_connect(ep, [&](beast::error_code ec) { result = ec; });
    Run();
    if (result) {
      Close();
    } else {
      beast::error_code ignored;
      stream->socket().set_option(tcp::no_delay(true), ignored);
    }
    return result;
  }

  // True when the idle connection was closed by the server (or has unexpected bytes pending).
  bool Stale() {
    if (!stream || !stream->socket().is_open()) return true;
    pollfd p{};
    p.fd = stream->socket().native_handle();
    p.events = POLLIN;
    int r = ::poll(&p, 1, 0);
    if (r == 0) return false;
    if (r < 0) return true;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return true;
    char c;
    ssize_t n = ::recv(p.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n != -1 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  // Writing to a socket the server reset must not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
}

HttpClient::~HttpClient() { impl_->Close(); }

int HttpClient::port() const { return impl_->port; }

void HttpClient::set_port(int port) {
  if (port != impl_->port) {
    impl_->Close();
    impl_->port = port;
  }
}

void HttpClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }
void HttpClient::set_token(std::string token) { impl_->token = std::move(token); }
void HttpClient::Close() { impl_->Close(); }

HttpResponse HttpClient::Request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  Impl& im = *impl_;
  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(im.port));
  req.set(http::field::user_agent, "vigil-test-support");
  bool has_auth = false;
  bool has_idempotency_key = false;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "authorization") has_auth = true;
    if (lower == "idempotency-key") has_idempotency_key = true;
    req.set(name, value);
  }
  if (!has_auth && !im.token.empty()) req.set(http::field::authorization, "Bearer " + im.token);
  req.body() = body;
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::patch) {
    req.prepare_payload();
  }
  req.keep_alive(true);

  const bool retry_safe = has_idempotency_key || verb == http::verb::get ||
                          verb == http::verb::head || verb == http::verb::put ||
                          verb == http::verb::delete_ || verb == http::verb::options;

  HttpResponse out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false;
    if (im.stream && !im.Stale()) {
      reused = true;
    } else {
      beast::error_code ec = im.Connect();
      if (ec) {
        out.error = "connect to 127.0.0.1:" + std::to_string(im.port) + ": " + ec.message();
        return out;
      }
    }
    beast::error_code ec = net::error::would_block;
    im.stream->expires_after(im.timeout);
    http::async_write(*im.stream, req, [&](beast::error_code e, size_t) { ec = e; });
    im.Run();
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 31);
    parser.header_limit(1 << 16);
    if (verb == http::verb::head) parser.skip(true);  // no body follows, whatever the headers say
    if (!ec) {
      ec = net::error::would_block;
      http::async_read(*im.stream, im.buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
      im.Run();
    }
    if (ec) {
      bool got_nothing = !parser.got_some();
      im.Close();
      if (reused && got_nothing && retry_safe && attempt == 0) continue;
      out.error = std::string(got_nothing ? "no response: " : "broken response: ") + ec.message();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) im.Close();
    return out;
  }
  return out;
}

HttpResponse HttpClient::Get(const std::string& target,
                             const std::map<std::string, std::string>& headers) {
  return Request("GET", target, "", headers);
}

HttpResponse HttpClient::Post(const std::string& target, const std::string& body,
                              const std::map<std::string, std::string>& headers) {
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (beast::iequals(name, "content-type")) has_type = true;
  }
  if (has_type) return Request("POST", target, body, headers);
  auto with_type = headers;
  with_type.emplace("Content-Type", "application/json");
  return Request("POST", target, body, with_type);
}

HttpResponse HttpClient::PostJson(const std::string& target, const nlohmann::json& body,
                                  const std::map<std::string, std::string>& headers) {
  return Post(target, body.dump(), headers);
}

}  // namespace vigil::testing

// Shared helpers for integration tests and benchmarks: temporary directories, running the `vigil`
// binary, a server process that can be killed and restarted, and a small synchronous HTTP client.
// The binary under test is VIGIL_BINARY (defined by CMake); the env var VIGIL_BINARY overrides it.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vigil::testing {

// Path of the vigil binary: $VIGIL_BINARY if set, else the compile-time VIGIL_BINARY.
std::string BinaryPath();

// A fresh directory under /tmp (mkdtemp), removed recursively in the destructor unless the
// environment variable VIGIL_KEEP_TMP is set (then its path is printed to stderr instead).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vigil-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }
  // Keep the directory even without VIGIL_KEEP_TMP (e.g. bench --keep).
  void set_keep(bool keep) { keep_ = keep; }

 private:
  std::string path_;
  bool keep_ = false;
};

// Runs argv[0] (looked up in PATH if it has no '/') with stdin from /dev/null. stdout is captured
// into *stdout_out when given (otherwise it passes through); stderr always passes through.
// Returns the exit code, 128 + signal number when the child was killed by a signal, or 127 when
// it could not be executed.
int RunCommand(const std::vector<std::string>& argv, std::string* stdout_out = nullptr);

// Convenience: RunCommand({BinaryPath(), args...}).
int RunVigil(const std::vector<std::string>& args, std::string* stdout_out = nullptr);

// Decodes a waitpid() status into an exit code (0..255) or 128 + signal.
int DecodeWaitStatus(int status);

// The password `InitDataDir` gives the "admin" user.
inline constexpr const char* kAdminPassword = "vigil-test-admin-password";

// `vigil init --data DIR --password kAdminPassword`; throws std::runtime_error on failure.
void InitDataDir(const std::string& data_dir);
// `vigil user add` + `vigil token create`; returns the token. Throws std::runtime_error on failure.
std::string CreateUserWithToken(const std::string& data_dir, const std::string& name,
                                const std::string& role, const std::string& password = "");
// Initialises `tmp.Join("data")`, adds a user "test-<role>" with `role` and returns its API token.
// The data dir path is stored in *data_dir_out when given. Throws std::runtime_error on failure.
std::string SetUpServerWithToken(TempDir& tmp, const std::string& role,
                                 std::string* data_dir_out = nullptr);

// Parses NDJSON (one JSON value per non-empty line). Lines that do not parse become
// discarded values (j.is_discarded()), so callers can count and report them.
std::vector<nlohmann::json> ParseNdjson(const std::string& text);

// A minimal valid flag for POST /v1/flags.
nlohmann::json SampleFlag(const std::string& content_id, const std::string& reporter_id = "user-1",
                          const nlohmann::json& metadata = nlohmann::json::object());

// A `vigil serve` child process listening on 127.0.0.1:<ephemeral port>. Its stdout/stderr go to
// log_path() (appended across restarts) unless VIGIL_SERVER_LOG=stderr. Start/Kill/Stop must be
// called from one thread at a time; port()/running() may be read from any thread.
class ServerProcess {
 public:
  ServerProcess();
  ~ServerProcess();  // Stop()s a running server.
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns `vigil serve --data DIR --listen 127.0.0.1:0 --ready-file F [extra_args]` and waits
  // up to `ready_timeout` for the ready file. Stops a server that is still running first, so
  // calling Start again on the same dir is a restart. On failure the child is killed and the
  // result carries the reason and the tail of the log.
  ::testing::AssertionResult Start(
      const std::string& data_dir, const std::vector<std::string>& extra_args = {},
      std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  // Sends `sig` and reaps the child. Returns DecodeWaitStatus(...), or -1 when not running.
  int Kill(int sig = SIGKILL);
  // SIGTERM, waits up to `grace`, then SIGKILL. Returns DecodeWaitStatus(...) (0 = clean exit),
  // or -1 when not running.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  bool running() const { return pid_.load() > 0; }
  pid_t pid() const { return pid_.load(); }
  int port() const { return port_.load(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  int starts() const { return starts_; }
  const std::string& log_path() const { return log_path_; }
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  int WaitChild(std::chrono::milliseconds timeout);  // -1 on timeout

  std::unique_ptr<TempDir> run_dir_;  // ready files + log
  std::string log_path_;
  std::atomic<pid_t> pid_{-1};
  std::atomic<int> port_{0};
  int starts_ = 0;
};

struct HttpResponse {
  int status = 0;  // 0: no response (connection refused/reset/timeout); see `error`
  std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined ", "
  std::string body;
  std::string error;  // transport error when status == 0
  // The body parsed as JSON; a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json json() const;
  std::string header(const std::string& lower_name) const;
};

// Synchronous HTTP/1.1 client over one keep-alive connection to 127.0.0.1:port. Reconnects when
// the server closed the connection. Transport errors are reported as status 0, never thrown.
// A request that fails on a reused connection before any response byte arrived is retried once
// on a fresh connection only when that is safe: GET/HEAD/PUT/DELETE/OPTIONS or an
// Idempotency-Key header. Not thread-safe: use one client per thread.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  int port() const;
  void set_port(int port);                              // closes the connection if the port changes
  void set_timeout(std::chrono::milliseconds timeout);  // per request; default 30 s
  // Sent as "Authorization: Bearer TOKEN" unless a request sets Authorization itself.
  void set_token(std::string token);
  void Close();

  HttpResponse Request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});
  HttpResponse Get(const std::string& target,
                   const std::map<std::string, std::string>& headers = {});
  // Content-Type defaults to application/json unless given in `headers`.
  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers = {});
  HttpResponse PostJson(const std::string& target, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::testing

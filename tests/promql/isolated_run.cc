#include "tests/promql/isolated_run.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace promlite::promqltest {

namespace {

using testutil::EvalCmd;

// Messages travel one per line: backslash and newline are escaped.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i];
    } else {
      out += s[i];
    }
  }
  return out;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

char verdict_char(Verdict v) { return v == Verdict::kPass ? 'P' : v == Verdict::kSkip ? 'S' : 'F'; }

Verdict verdict_of(char c) {
  return c == 'P' ? Verdict::kPass : c == 'S' ? Verdict::kSkip : Verdict::kFail;
}

// The child: runs the script from after `skip_through`, reporting on `fd`.
[[noreturn]] void child_main(const testutil::Script& script, const EngineFactory& make_engine,
                             const RunOptions& opts, int skip_through, int fd) {
  std::unique_ptr<query::Engine> engine = make_engine();
  ScriptCallbacks cb;
  cb.on_begin = [&](const EvalCmd& e) { write_all(fd, "B " + std::to_string(e.line) + "\n"); };
  cb.on_result = [&](const EvalCmd& e, const EvalOutcome& o) {
    write_all(fd, "R " + std::to_string(e.line) + " " + verdict_char(o.verdict) + " " +
                      escape(o.message) + "\n");
  };
  Status s = run_script(script, *engine, opts, skip_through, cb);
  write_all(fd, s ? std::string("E\n") : "E " + escape(s.message()) + "\n");
  engine.reset();
  ::close(fd);
  std::fflush(nullptr);
  std::_Exit(0);
}

// A one-line summary of what a crashed child wrote to stderr.
std::string crash_summary(const std::string& path) {
  std::ifstream in(path);
  std::string line, last, report;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (report.empty() && (line.find("ERROR: AddressSanitizer") != std::string::npos ||
                           line.find("runtime error:") != std::string::npos ||
                           line.find("Assertion") != std::string::npos ||
                           line.find("terminate called") != std::string::npos)) {
      report = line;
    }
    last = line;
  }
  return report.empty() ? last : report;
}

std::string wait_description(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

EvalOutcome failed(std::string msg) { return EvalOutcome{Verdict::kFail, std::move(msg)}; }

}  // namespace

FileOutcome run_file(const testutil::Script& script, const EngineFactory& make_engine,
                     const RunOptions& opts, const IsolationOptions& iso) {
  FileOutcome out;
  if (!iso.fork) {
    std::unique_ptr<query::Engine> engine = make_engine();
    ScriptCallbacks cb;
    cb.on_result = [&](const EvalCmd& e, const EvalOutcome& o) { out.by_line[e.line] = o; };
    Status s = run_script(script, *engine, opts, 0, cb);
    if (!s) out.load_error = s.message();
  } else {
    int skip_through = 0;
    bool finished = false;
    while (!finished) {
      std::fflush(nullptr);
      char err_path[] = "/tmp/promql_conformance_stderr_XXXXXX";
      int err_fd = ::mkstemp(err_path);
      int fds[2];
      if (err_fd < 0 || ::pipe(fds) != 0) {
        out.load_error = std::string("cannot set up a child: ") + std::strerror(errno);
        break;
      }
      pid_t pid = ::fork();
      if (pid < 0) {
        out.load_error = std::string("fork failed: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        ::close(err_fd);
        ::unlink(err_path);
        break;
      }
      if (pid == 0) {
        ::close(fds[0]);
        ::dup2(err_fd, STDERR_FILENO);
        ::close(err_fd);
        child_main(script, make_engine, opts, skip_through, fds[1]);
      }
      ::close(fds[1]);
      ::close(err_fd);

      int running = 0;  // line of the eval the child is in, 0 between evals
      bool ended_cleanly = false, timed_out = false;
      std::string buf;
      for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        int pr = ::poll(&p, 1, iso.eval_timeout_s * 1000);
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) {
          timed_out = true;
          ::kill(pid, SIGKILL);
          break;
        }
        char chunk[4096];
        ssize_t n = ::read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
        size_t nl;
        while ((nl = buf.find('\n')) != std::string::npos) {
          std::string msg = buf.substr(0, nl);
          buf.erase(0, nl + 1);
          if (msg.rfind("B ", 0) == 0) {
            running = std::atoi(msg.c_str() + 2);
          } else if (msg.rfind("R ", 0) == 0) {
            char* rest = nullptr;
            int line = static_cast<int>(std::strtol(msg.c_str() + 2, &rest, 10));
            EvalOutcome o;
            o.verdict = verdict_of(rest[0] == ' ' ? rest[1] : 'F');
            if (rest[0] == ' ' && rest[1] != '\0' && rest[2] == ' ') o.message = unescape(rest + 3);
            out.by_line[line] = o;
            skip_through = line;
            running = 0;
          } else if (msg.rfind("E", 0) == 0) {
            ended_cleanly = true;
            if (msg.size() > 2) out.load_error = unescape(msg.substr(2));
          }
        }
      }
      ::close(fds[0]);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      std::string summary = crash_summary(err_path);
      ::unlink(err_path);
      if (ended_cleanly) break;
      if (running == 0) {
        // Died outside an eval (in a load, or at exit): the rest cannot run.
        out.load_error =
            "the runner child " + wait_description(status) + " outside an eval: " + summary;
        break;
      }
      out.by_line[running] =
          failed(timed_out ? "timed out after " + std::to_string(iso.eval_timeout_s) + "s"
                           : "crashed (" + wait_description(status) + "): " + summary);
      skip_through = running;
    }
  }
  // Every eval not reported could not run.
  for (const testutil::Command& c : script.commands) {
    const auto* e = std::get_if<EvalCmd>(&c);
    if (e == nullptr || out.by_line.count(e->line)) continue;
    out.by_line[e->line] =
        failed(out.load_error.empty() ? "not run" : "not run: " + out.load_error);
  }
  return out;
}

}  // namespace promlite::promqltest

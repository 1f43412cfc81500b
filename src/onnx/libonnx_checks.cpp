#include "bufopt/onnx/libonnx_checks.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "bufopt/onnx/printable_names.h"

namespace bufopt::onnx {

namespace fs = std::filesystem;

namespace {

/// Seconds the child may take before SIGALRM ends it (libonnx is linear in the model's size;
/// a model that keeps it busy this long is hostile).
constexpr unsigned kChildSeconds = 60;

/// Record tags of the child's message: a warning line, or the inferred GraphProto.
constexpr char kWarningRecord = 'W';
constexpr char kGraphRecord = 'G';

std::string first_line(std::string_view text) {
  return printable(text.substr(0, text.find('\n')));
}

// ---- in the child ------------------------------------------------------------------------------

/// ::onnx::checker::check_model's checks with the model's directory known to the checker, so that
/// it finds external data files (check_model(ModelProto) looks in the working directory).
void check(const ::onnx::ModelProto& model, const fs::path& model_dir, std::vector<std::string>& warnings) {
  try {
    ::onnx::checker::CheckerContext context;
    context.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> imports;
    for (const auto& entry : model.opset_import()) imports[entry.domain()] = static_cast<int>(entry.version());
    if (imports.empty()) imports[""] = 1;
    context.set_opset_imports(imports);
    std::error_code error;
    context.set_model_dir(fs::absolute(model_dir.empty() ? fs::path(".") : model_dir, error).string());
    ::onnx::checker::LexicalScopeContext scope;
    ::onnx::checker::check_graph(model.graph(), context, scope);
    if (model.ir_version() >= 8) ::onnx::checker::check_model_local_functions(model, context, scope);
  } catch (const std::exception& error) {
    warnings.push_back("ONNX checker: " + first_line(error.what()));
  }
}

/// ONNX's inference must not merge its results with shapes declared for other input sizes
/// (cleared after the checker, which wants every graph output to declare a shape).
void clear_declared_shapes(::onnx::ModelProto& model) {
  model.mutable_graph()->clear_value_info();
  for (auto& output : *model.mutable_graph()->mutable_output()) {
    if (output.type().has_tensor_type()) output.mutable_type()->mutable_tensor_type()->clear_shape();
  }
}

void infer(::onnx::ModelProto& model, std::vector<std::string>& warnings) {
  const ::onnx::ShapeInferenceOptions strict(false, 1, true);
  try {
    ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& error) {
    warnings.push_back(fmt::format("ONNX shape inference failed ({}); bufopt's own shape rules complete it",
                                   first_line(error.what())));
    try {
      const ::onnx::ShapeInferenceOptions lenient(false, 0, true);
      ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(), lenient);
    } catch (const std::exception&) {
      // Nothing more to learn from libonnx; the own rules decide alone.
    }
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

bool write_record(int fd, char tag, std::string_view payload) {
  const uint64_t length = payload.size();
  char header[1 + sizeof length];
  header[0] = tag;
  std::memcpy(header + 1, &length, sizeof length);
  return write_all(fd, std::string_view(header, sizeof header)) && write_all(fd, payload);
}

/// The child's whole life; never returns. `model` is the child's private copy-on-write image
/// of the parent's: changing it changes nothing in the parent.
[[noreturn]] void child_main(::onnx::ModelProto& model, const fs::path& model_dir, int fd) {
  const int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0) ::dup2(null, STDERR_FILENO);  // libonnx's and sanitizers' noise is not the user's
  // Other threads' pipes must not stay open here, or their readers would wait for this child.
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0u, 0);
  // The parent's handlers are not the child's: a crash here only ends the child (no sanitizer
  // report, no fuzzer artifact), an interruption does not run the parent's cleanup twice.
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    ::signal(signal, SIG_DFL);
  }
  ::alarm(kChildSeconds);
  int status = 1;
  try {
    std::vector<std::string> warnings;
    check(model, model_dir, warnings);
    clear_declared_shapes(model);
    infer(model, warnings);
    ::onnx::GraphProto inferred;
    *inferred.mutable_value_info() = model.graph().value_info();
    *inferred.mutable_output() = model.graph().output();
    bool ok = true;
    for (const std::string& warning : warnings) ok = ok && write_record(fd, kWarningRecord, warning);
    ok = ok && write_record(fd, kGraphRecord, inferred.SerializeAsString());
    status = ok ? 0 : 1;
  } catch (...) {
    status = 1;
  }
  ::_exit(status);  // no atexit handlers, destructors or stdio flushing: they belong to the parent
}

// ---- in the parent -----------------------------------------------------------------------------

std::string read_to_end(int fd) {
  std::string bytes;
  char buffer[65536];
  for (;;) {
    const ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(count));
  }
}

int wait_for(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

/// Decodes the child's message into `findings`; false when it is malformed.
bool decode(std::string_view message, LibonnxFindings& findings) {
  bool graph_seen = false;
  while (!message.empty()) {
    uint64_t length = 0;
    if (message.size() < 1 + sizeof length) return false;
    const char tag = message[0];
    std::memcpy(&length, message.data() + 1, sizeof length);
    message.remove_prefix(1 + sizeof length);
    if (length > message.size()) return false;
    const std::string_view payload = message.substr(0, length);
    message.remove_prefix(length);
    if (tag == kWarningRecord) {
      findings.warnings.push_back(printable(payload));
    } else if (tag == kGraphRecord) {
      if (!findings.inferred.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
      graph_seen = true;
    } else {
      return false;
    }
  }
  return graph_seen;
}

std::string failure_reason(int status) {
  if (status < 0) return "its process was lost";
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return signal == SIGALRM ? fmt::format("they took more than {} s", kChildSeconds)
                             : fmt::format("they crashed (signal {})", signal);
  }
  return fmt::format("they failed (exit {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

void warm_up_libonnx() {
  (void)::onnx::OpSchemaRegistry::Schema("Conv", 13, "");
}

}  // namespace

LibonnxFindings run_libonnx_checks(const ::onnx::ModelProto& model, const fs::path& model_dir) {
  warm_up_libonnx();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return {{fmt::format("ONNX checker and shape inference skipped (no pipe: {})", std::strerror(errno))}, {}};
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    child_main(const_cast<::onnx::ModelProto&>(model), model_dir, pipe_fds[1]);  // the child's own image
  }
  ::close(pipe_fds[1]);
  if (child < 0) {
    ::close(pipe_fds[0]);
    return {{fmt::format("ONNX checker and shape inference skipped (no process: {})", std::strerror(errno))}, {}};
  }
  const std::string message = read_to_end(pipe_fds[0]);
  ::close(pipe_fds[0]);
  const int status = wait_for(child);
  LibonnxFindings findings;
  const bool exited_cleanly = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!exited_cleanly || !decode(message, findings)) {
    findings = {};
    findings.warnings.push_back(
        fmt::format("ONNX checker and shape inference gave no result ({}); bufopt's own shape rules used",
                    exited_cleanly ? "malformed result" : failure_reason(status)));
  }
  return findings;
}

}  // namespace bufopt::onnx

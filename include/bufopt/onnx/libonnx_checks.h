#pragma once
/// Running libonnx's checker and shape inference on an untrusted model, isolated in a child
/// process. Internal to the onnx module (includes protobuf types).
///
/// Why a process: libonnx 1.12's inference functions trust the model (the fuzzer found
/// convPoolShapeInference reading out of bounds on a Conv whose weight rank differs from its
/// input's). bufopt cannot fix libonnx, and its own rules only complete what libonnx gives, so
/// a crash or hang there must cost the model libonnx's shapes, never the process.
///
/// Steps.
///  1. Warm up libonnx's schema registry (function-local statics) in this process, so that the
///     child never waits on a lock another thread held at fork time.
///  2. fork(). The child sends stderr to /dev/null, restores the default action of every signal
///     the parent handles (a crash ends the child quietly), arms a 60 s alarm, runs the checker (with
///     the model's directory, so that it finds external data files), clears the declared
///     value_info and output shapes (inference must not merge shapes declared for other input
///     sizes), runs inference (strict, then lenient after a failure), writes its findings to a
///     pipe and leaves with _exit(0).
///  3. The parent reads the pipe to its end and reaps the child. A child that died, was killed
///     or wrote a malformed message yields one warning and no shapes.
/// A multithreaded caller must keep its other threads from holding locks while this runs (the
/// child inherits them held): `bufopt batch` gates its workers (ForkGate in batch_command.cpp).
/// Guarantees: the caller's process never executes libonnx's checker or inference code; the
/// result is the same as running them in-process whenever they do not crash.
#include <filesystem>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace bufopt::onnx {

/// What libonnx's checker and shape inference say about a model.
struct LibonnxFindings {
  /// One printable line each: the checker's complaint, an inference failure, or why libonnx's
  /// findings are missing (it crashed, hung, or no process could be started).
  std::vector<std::string> warnings;
  /// value_info and outputs as ONNX's inference left them (empty when it did not complete).
  ::onnx::GraphProto inferred;
};

/// Runs the checker and shape inference on `model` in a child process (see the steps above).
/// `model_dir` is where its external data files are.
LibonnxFindings run_libonnx_checks(const ::onnx::ModelProto& model, const std::filesystem::path& model_dir);

}  // namespace bufopt::onnx

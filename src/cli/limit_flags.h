#pragma once
/// The --max-* flags: the limits that keep a hostile model from exhausting the machine
/// (onnx::ImportLimits), each one raisable from the command line.
#include <string>

#include <CLI/CLI.hpp>

#include "bufopt/onnx/import.h"

namespace bufopt::cli {

/// The limit flags as given; empty: the library's default.
struct LimitFlags {
  std::string file_bytes;
  std::string nodes;
  std::string rank;
  std::string tensor_elements;
  std::string external_bytes;
  std::string firings;
};

/// Registers --max-file-bytes, --max-nodes, --max-rank, --max-tensor-elements,
/// --max-external-bytes and --max-firings on `app` (help group "Limits").
void add_limit_flags(CLI::App& app, LimitFlags& flags);

/// The defaults with every given flag applied. Values take the size suffixes of MODEL 9 (K, M, G
/// powers of 1000; KiB, MiB, GiB of 1024). Throws CliError (usage) when one is malformed or
/// not positive.
onnx::ImportLimits import_limits(const LimitFlags& flags);

}  // namespace bufopt::cli

// bufopt-zoo: writes valid ONNX models of classic CNN architectures with their published layer
// geometry, for tests and benchmarks (the architectures are in tools/zoo/).
//
//   bufopt-zoo OUT_DIR [NAME[@SIZE][,width=W]...]
//                                         no NAME: every architecture at its usual size;
//                                         NAME@SIZE: a square input of SIZE (file NAME_SIZE.onnx);
//                                         ,width=W: every hidden layer's channels times W in (0, 1]
//                                         (file NAME[_SIZE]_wW.onnx)
//   bufopt-zoo --random SEED[,COUNT] OUT_DIR
//                                         COUNT random CNNs (default 1) from seeds SEED, SEED+1, ...
//                                         (tools/zoo/random_architectures.h), files random_SEED.onnx
//   bufopt-zoo --list                     names, usual input sizes and descriptions
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "zoo/random_architectures.h"
#include "zoo/zoo.h"

namespace {

int list() {
  for (const bufopt::zoo::Architecture& architecture : bufopt::zoo::architectures()) {
    std::cout << architecture.name << "\t" << architecture.input_size << "\t" << architecture.description << "\n";
  }
  return 0;
}

/// --random SEED[,COUNT] OUT_DIR: one summary line per model.
int write_random(const std::string& seeds_text, const std::filesystem::path& dir) {
  std::vector<uint64_t> seeds;
  try {
    seeds = bufopt::zoo::parse_random_seeds(seeds_text);
  } catch (const std::invalid_argument& error) {
    std::cerr << "bufopt-zoo: --random " << error.what() << "\n";
    return 2;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  for (const uint64_t seed : seeds) {
    try {
      const auto model = bufopt::zoo::write_random_model(dir, seed);
      std::cout << model.stem << " macs=" << model.macs << " weight_bytes=" << model.weight_bytes << "\n";
    } catch (const std::runtime_error& failure) {
      std::cerr << "bufopt-zoo: " << failure.what() << "\n";
      return 1;
    }
  }
  return 0;
}

constexpr const char* kUsage =
    "usage: bufopt-zoo OUT_DIR [NAME[@SIZE][,width=W]...] | --random SEED[,COUNT] OUT_DIR | --list | --help\n";

constexpr const char* kHelp =
    "Writes ONNX models of classic CNN architectures with their published layer geometry\n"
    "(float32 weights in a sparse NAME.weights file beside each NAME.onnx).\n"
    "\n"
    "  bufopt-zoo OUT_DIR [NAME[@SIZE][,width=W]...]\n"
    "      no NAME: every architecture at its usual size\n"
    "      NAME@SIZE: a square input of SIZE pixels (file NAME_SIZE.onnx)\n"
    "      ,width=W: a reduced-width model, same topology: every hidden layer's published channel\n"
    "        count c becomes max(1, round(c * W)), W in (0, 1]; the input's channels and the output\n"
    "        classes stay (file NAME[_SIZE]_wW.onnx), e.g. unet@188,width=0.25\n"
    "  bufopt-zoo --random SEED[,COUNT] OUT_DIR\n"
    "      COUNT random CNNs (default 1) from seeds SEED, SEED+1, ..., files random_SEED.onnx\n"
    "  bufopt-zoo --list\n"
    "      names, usual input sizes and descriptions\n"
    "\n"
    "Exit status: 0 written, 1 a file could not be written, 2 a bad request (unknown name, size the\n"
    "architecture cannot take, bad width).\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--list") return list();
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage << "\n" << kHelp;
    return 0;
  }
  if (!args.empty() && args[0] == "--random") {
    if (args.size() != 3) {
      std::cerr << kUsage;
      return 2;
    }
    return write_random(args[1], args[2]);
  }
  if (args.empty() || args[0].starts_with("-")) {
    std::cerr << kUsage;
    return 2;
  }
  const std::filesystem::path dir = args[0];
  std::vector<std::string> names(args.begin() + 1, args.end());
  if (names.empty()) {
    for (const auto& architecture : bufopt::zoo::architectures()) names.push_back(architecture.name);
  }
  std::vector<bufopt::zoo::ModelRequest> requests;
  try {
    for (const std::string& name : names) requests.push_back(bufopt::zoo::parse_request(name));
  } catch (const std::invalid_argument& error) {
    std::cerr << "bufopt-zoo: " << error.what() << " (see --list)\n";
    return 2;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  for (const auto& request : requests) {
    try {
      const auto model = bufopt::zoo::write_model(dir, request);
      std::cout << model.stem << " macs=" << model.macs << " weight_bytes=" << model.weight_bytes << "\n";
    } catch (const std::invalid_argument& failure) {
      std::cerr << "bufopt-zoo: " << request.stem << ": " << failure.what() << "\n";
      return 2;
    } catch (const std::runtime_error& failure) {
      std::cerr << "bufopt-zoo: " << failure.what() << "\n";
      return 1;
    }
  }
  return 0;
}

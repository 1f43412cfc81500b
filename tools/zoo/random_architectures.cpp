#include "zoo/random_architectures.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <random>
#include <stdexcept>

#include "zoo/net_builder.h"

namespace bufopt::zoo {

namespace {

/// Integer draws from std::mt19937_64 (its output sequence is fixed by the standard) with the
/// distributions implemented here, so a seed gives the same model with every standard library.
/// Never draw twice in one function call's arguments: their evaluation order is unspecified.
class Draw {
 public:
  explicit Draw(uint64_t seed) : engine_(seed) {}

  /// Uniform in [low, high]: rejection of the top partial block keeps every value equally likely.
  int64_t uniform(int64_t low, int64_t high) {
    if (high <= low) return low;
    const uint64_t span = static_cast<uint64_t>(high - low) + 1;
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    const uint64_t limit = max - max % span;  // a multiple of span
    uint64_t value = engine_();
    while (value >= limit) value = engine_();
    return low + static_cast<int64_t>(value % span);
  }

  /// True with probability percent / 100.
  bool percent(int64_t percent) { return uniform(0, 99) < percent; }

  /// The smaller of two uniform draws: small values are more frequent, large ones still common.
  int64_t skewed_low(int64_t low, int64_t high) {
    const int64_t first = uniform(low, high);
    const int64_t second = uniform(low, high);
    return std::min(first, second);
  }

  int64_t one_of(std::initializer_list<int64_t> values) {
    return *(values.begin() + uniform(0, static_cast<int64_t>(values.size()) - 1));
  }

 private:
  std::mt19937_64 engine_;
};

/// Output size of a window along one axis (ONNX's floor rule); 0 when the window does not fit.
int64_t window_size(int64_t size, int64_t extent, int64_t stride, int64_t pad_sum) {
  const int64_t span = size + pad_sum - extent;
  return span < 0 ? 0 : span / stride + 1;
}

/// Relative weight of each pattern in step 2 (RandomOp order).
constexpr std::array<int64_t, kRandomOpCount> kPatternWeights = {20, 8, 10, 6, 7, 12, 8, 7, 5, 5, 5};

/// Step 2 of the header: appends patterns to the current tensor until the actor target is met.
class RandomNetwork {
 public:
  RandomNetwork(NetBuilder& builder, Draw& draw, int64_t target_actors)
      : b_(builder), draw_(draw), target_(target_actors) {}

  void build(int64_t channels, int64_t height, int64_t width) {
    input_ = b_.input(channels, height, width);
    current_ = input_;
    while (actors_ < target_) append(pick_pattern());
    b_.output(current_);
  }

  int64_t actors() const { return actors_; }
  const std::array<bool, kRandomOpCount>& used() const { return used_; }

 private:
  int64_t left() const { return target_ - actors_; }
  int64_t smaller_side(const Tensor& t) const { return std::min(t.height, t.width); }
  bool at_input() const { return current_.name == input_.name; }

  /// Patterns that fit the actors left and the current tensor (step 2).
  bool fits(RandomOp op) const {
    const int64_t side = smaller_side(current_);
    switch (op) {
      case RandomOp::kConv:
      case RandomOp::kDepthwise:
      case RandomOp::kDilated:
      case RandomOp::kPool:
        return true;
      case RandomOp::kStrided:
        return side >= 3;
      case RandomOp::kResidualAdd:
      case RandomOp::kPad:
        return left() >= 2;
      case RandomOp::kConcat:
        return left() >= 2;
      case RandomOp::kResize:
        return (2 * current_.height <= 512 && 2 * current_.width <= 512) || (left() >= 2 && larger_earlier() != nullptr);
      case RandomOp::kHead:
        return left() >= 2 && !at_input();
      case RandomOp::kNhwcTranspose:
        return left() >= 2;
    }
    return false;
  }

  RandomOp pick_pattern() {
    int64_t total = 0;
    for (int i = 0; i < kRandomOpCount; ++i) {
      if (fits(static_cast<RandomOp>(i))) total += kPatternWeights[static_cast<size_t>(i)];
    }
    int64_t ticket = draw_.uniform(0, total - 1);
    for (int i = 0; i < kRandomOpCount; ++i) {
      if (!fits(static_cast<RandomOp>(i))) continue;
      ticket -= kPatternWeights[static_cast<size_t>(i)];
      if (ticket < 0) return static_cast<RandomOp>(i);
    }
    return RandomOp::kConv;
  }

  void append(RandomOp op) {
    switch (op) {
      case RandomOp::kConv: dense_conv(); break;
      case RandomOp::kDepthwise: depthwise(); break;
      case RandomOp::kStrided: strided(); break;
      case RandomOp::kDilated: dilated(); break;
      case RandomOp::kPool: pool(); break;
      case RandomOp::kResidualAdd: residual(); break;
      case RandomOp::kConcat: concat(); break;
      case RandomOp::kResize: resize(); break;
      case RandomOp::kHead: head(); break;
      case RandomOp::kNhwcTranspose: nhwc(); break;
      case RandomOp::kPad: explicit_pad(); break;
    }
  }

  void mark(RandomOp op) { used_[static_cast<size_t>(op)] = true; }

  /// Sets the current tensor and remembers it for later joins.
  void advance(const Tensor& t) {
    current_ = t;
    made_.push_back(t);
  }

  int64_t channel_count() { return draw_.one_of({4, 8, 12, 16, 24, 32, 48, 64}); }

  /// Conv, then BatchNormalization and ReLU each half the time: the importer fuses them into
  /// the conv, so this is one actor.
  Tensor conv_unit(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t dilation,
                   Pads pads, int64_t groups) {
    const bool normalise = draw_.percent(50);
    Tensor out = b_.conv(in, out_channels, kernel, stride, dilation, pads, groups, normalise);
    if (draw_.percent(50)) out = b_.relu(out);
    ++actors_;
    return out;
  }

  /// A stride-1 "same" 3x3 or 1x1 conv keeping the spatial size.
  Tensor same_conv(const Tensor& in, int64_t out_channels) {
    const int64_t kernel = draw_.one_of({1, 3, 3});
    return conv_unit(in, out_channels, kernel, 1, 1, Pads::same(kernel / 2), 1);
  }

  void dense_conv() {
    mark(RandomOp::kConv);
    const int64_t kernel = draw_.one_of({1, 3, 3, 3, 5});
    const int64_t channels = channel_count();
    const bool valid = smaller_side(current_) >= kernel && draw_.percent(25);
    advance(conv_unit(current_, channels, kernel, 1, 1, Pads::same(valid ? 0 : kernel / 2), 1));
  }

  void depthwise() {
    mark(RandomOp::kDepthwise);
    const int64_t kernel = draw_.one_of({3, 3, 5});
    const bool strided = smaller_side(current_) >= 3 && draw_.percent(30);
    if (strided) mark(RandomOp::kStrided);
    advance(conv_unit(current_, current_.channels, kernel, strided ? 2 : 1, 1, Pads::same(kernel / 2),
                      current_.channels));
  }

  void strided() {
    mark(RandomOp::kStrided);
    const int64_t variant = draw_.uniform(0, 5);
    const int64_t channels = channel_count();
    if (variant == 0) {  // 1x1 stride 2: skips every other row unread
      advance(conv_unit(current_, channels, 1, 2, 1, Pads::same(0), 1));
    } else if (variant == 1) {  // 3x3 stride 2, TensorFlow "SAME": the extra pad at the end
      advance(conv_unit(current_, channels, 3, 2, 1, Pads{0, 0, 1, 1}, 1));
    } else if (variant == 2) {  // 2x2 stride 2 patchify
      advance(conv_unit(current_, channels, 2, 2, 1, Pads::same(0), 1));
    } else if (variant == 3) {  // stride 3
      const int64_t pad = draw_.uniform(0, 1);
      advance(conv_unit(current_, channels, 3, 3, 1, Pads::same(pad), 1));
    } else if (variant == 4) {  // strided max pool (ResNet stem)
      mark(RandomOp::kPool);
      advance(b_.pool("MaxPool", current_, 3, 2, 1));
      ++actors_;
    } else {  // 3x3 stride 2 pad 1
      advance(conv_unit(current_, channels, 3, 2, 1, Pads::same(1), 1));
    }
  }

  void dilated() {
    mark(RandomOp::kDilated);
    const int64_t dilation = draw_.uniform(2, 4);
    const int64_t channels = channel_count();
    const bool valid = smaller_side(current_) >= 2 * dilation + 1 && draw_.percent(30);
    advance(conv_unit(current_, channels, 3, 1, dilation, Pads::same(valid ? 0 : dilation), 1));
  }

  void pool() {
    mark(RandomOp::kPool);
    const char* op = draw_.percent(60) ? "MaxPool" : "AveragePool";
    const int64_t kernel = draw_.uniform(2, 3);
    const int64_t stride = draw_.uniform(1, 2);
    int64_t pad = draw_.uniform(0, kernel / 2);
    if (window_size(smaller_side(current_), kernel, stride, 2 * pad) == 0) pad = kernel / 2;
    if (window_size(smaller_side(current_), kernel, stride, 2 * pad) == 0) {
      dense_conv();  // a 1-px tensor: nothing left to pool
      return;
    }
    // ceil_mode only without padding: the last window then starts inside the input, where
    // every runtime agrees on the output size.
    const bool ceil_mode = pad == 0 && stride > 1 && draw_.percent(30);
    if (stride > 1) mark(RandomOp::kStrided);
    advance(b_.pool(op, current_, kernel, stride, pad, ceil_mode));
    ++actors_;
  }

  void residual() {
    mark(RandomOp::kResidualAdd);
    const int64_t convs = draw_.uniform(1, std::min<int64_t>(3, left() - 1));
    const Tensor block_input = current_;
    Tensor branch = current_;
    for (int64_t i = 0; i < convs; ++i) {
      if (draw_.percent(25)) {
        mark(RandomOp::kDepthwise);
        branch = conv_unit(branch, branch.channels, 3, 1, 1, Pads::same(1), branch.channels);
      } else {
        branch = same_conv(branch, block_input.channels);
      }
    }
    Tensor sum = draw_.percent(50) ? b_.add(block_input, branch) : b_.add(branch, block_input);
    ++actors_;
    if (draw_.percent(50)) sum = b_.relu(sum);
    advance(sum);
  }

  void concat() {
    mark(RandomOp::kConcat);
    const Tensor x = current_;
    if (left() == 2 || draw_.percent(30)) {  // DenseNet-like: the input and a conv of it
      const Tensor grown = same_conv(x, channel_count());
      const bool input_first = draw_.percent(50);
      advance(input_first ? b_.concat({x, grown}) : b_.concat({grown, x}));
      ++actors_;
      return;
    }
    const Tensor left_branch = same_conv(x, channel_count());
    Tensor right_branch;
    if (draw_.percent(30)) {
      mark(RandomOp::kPool);
      right_branch = b_.pool("MaxPool", x, 3, 1, 1);
      ++actors_;
    } else if (draw_.percent(30)) {
      mark(RandomOp::kDilated);
      right_branch = conv_unit(x, channel_count(), 3, 1, 2, Pads::same(2), 1);
    } else {
      right_branch = conv_unit(x, channel_count(), 5, 1, 1, Pads::same(2), 1);
    }
    advance(b_.concat({left_branch, right_branch}));
    ++actors_;
  }

  /// An earlier NCHW tensor larger than the current one (for an FPN-like join), or nullptr.
  const Tensor* larger_earlier() const {
    for (const Tensor& t : made_) {
      if (t.height > current_.height && t.width >= current_.width) return &t;
    }
    return nullptr;
  }

  void resize() {
    mark(RandomOp::kResize);
    const bool can_double = 2 * current_.height <= 512 && 2 * current_.width <= 512;
    std::vector<const Tensor*> larger;
    for (const Tensor& t : made_) {
      if (t.height > current_.height && t.width >= current_.width) larger.push_back(&t);
    }
    if (left() >= 2 && !larger.empty() && (!can_double || draw_.percent(60))) {
      // Up-sample to an earlier tensor's size and join it (the top-down path of an FPN).
      mark(RandomOp::kConcat);
      const Tensor skip = *larger[static_cast<size_t>(draw_.uniform(0, static_cast<int64_t>(larger.size()) - 1))];
      const Tensor up = b_.resize_to(current_, skip.height, skip.width);
      ++actors_;
      advance(b_.concat({up, skip}));
      ++actors_;
      return;
    }
    advance(b_.upsample2x(current_));
    ++actors_;
  }

  void head() {
    mark(RandomOp::kHead);
    const int64_t channels = draw_.uniform(1, 16);
    if (left() >= 3 && draw_.percent(30)) {
      const Tensor pooled = b_.global_average_pool(current_);
      ++actors_;
      b_.output(conv_unit(pooled, channels, 1, 1, 1, Pads::same(0), 1));
      return;
    }
    Tensor out = conv_unit(current_, channels, 1, 1, 1, Pads::same(0), 1);
    if (draw_.percent(30)) out = b_.sigmoid(out);
    b_.output(out);
  }

  void nhwc() {
    mark(RandomOp::kNhwcTranspose);
    Tensor t = b_.to_nhwc(current_);
    ++actors_;
    if (left() >= 2 && draw_.percent(50)) {
      mark(RandomOp::kPad);
      const int64_t top = draw_.uniform(0, 2);
      const int64_t bottom = draw_.uniform(top == 0 ? 1 : 0, 2);
      t = b_.pad(t, Pads{top, 0, bottom, 0});
      ++actors_;
    }
    advance(b_.to_nchw(t));
    ++actors_;
  }

  void explicit_pad() {
    mark(RandomOp::kPad);
    const int64_t top = draw_.uniform(0, 2);
    const int64_t left_pad = draw_.uniform(0, 2);
    const int64_t bottom = draw_.uniform(top == 0 ? 1 : 0, 2);
    const int64_t right = draw_.uniform(0, 2);
    const Tensor padded = b_.pad(current_, Pads{top, left_pad, bottom, right});
    ++actors_;
    const int64_t kernel = std::min<int64_t>(3, smaller_side(padded));
    advance(conv_unit(padded, channel_count(), kernel, 1, 1, Pads::same(0), 1));
  }

  NetBuilder& b_;
  Draw& draw_;
  int64_t target_;
  int64_t actors_ = 0;
  Tensor input_;
  Tensor current_;
  std::vector<Tensor> made_;
  std::array<bool, kRandomOpCount> used_{};
};

}  // namespace

const char* random_op_name(RandomOp op) {
  switch (op) {
    case RandomOp::kConv: return "conv";
    case RandomOp::kDepthwise: return "depthwise";
    case RandomOp::kStrided: return "strided";
    case RandomOp::kDilated: return "dilated";
    case RandomOp::kPool: return "pool";
    case RandomOp::kResidualAdd: return "residual_add";
    case RandomOp::kConcat: return "concat";
    case RandomOp::kResize: return "resize";
    case RandomOp::kHead: return "head";
    case RandomOp::kNhwcTranspose: return "nhwc_transpose";
    case RandomOp::kPad: return "pad";
  }
  return "?";
}

RandomModel random_model(uint64_t seed, const std::string& weights_file) {
  RandomModel result;
  result.seed = seed;
  result.name = "random_" + std::to_string(seed);
  Draw draw(seed);
  // Step 1.
  const int64_t target = draw.skewed_low(kRandomMinActors, kRandomMaxActors);
  result.input_height = draw.skewed_low(kRandomMinSize, kRandomMaxSize);
  result.input_width = draw.percent(70) ? result.input_height : draw.skewed_low(kRandomMinSize, kRandomMaxSize);
  result.input_channels = draw.uniform(1, 4);
  // Steps 2-3.
  NetBuilder builder(result.name, weights_file);
  RandomNetwork network(builder, draw, target);
  network.build(result.input_channels, result.input_height, result.input_width);
  result.actors = network.actors();
  for (int i = 0; i < kRandomOpCount; ++i) {
    if (network.used()[static_cast<size_t>(i)]) result.ops.push_back(static_cast<RandomOp>(i));
  }
  result.macs = builder.macs();
  result.weight_bytes = builder.weight_bytes();
  result.layers = builder.layers();
  result.model = builder.model();
  return result;
}

GeneratedModel write_random_model(const std::filesystem::path& dir, uint64_t seed) {
  GeneratedModel generated;
  generated.stem = "random_" + std::to_string(seed);
  generated.model_path = dir / (generated.stem + ".onnx");
  generated.weights_path = dir / (generated.stem + ".weights");
  const RandomModel model = random_model(seed, generated.weights_path.filename().string());
  generated.input_size = model.input_height;
  generated.macs = model.macs;
  generated.weight_bytes = model.weight_bytes;
  generated.layers = model.layers;
  for (const auto& output : model.model.graph().output()) generated.outputs.push_back(output.name());
  write_model_files(model.model, model.weight_bytes, generated.model_path, generated.weights_path);
  return generated;
}

std::vector<uint64_t> parse_random_seeds(std::string_view text) {
  const auto parse = [&](std::string_view part, const char* what) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc() || end != part.data() + part.size()) {
      throw std::invalid_argument("'" + std::string(text) + "': " + what + " must be a non-negative integer");
    }
    return value;
  };
  const size_t comma = text.find(',');
  const uint64_t first = parse(text.substr(0, comma), "SEED");
  uint64_t count = 1;
  if (comma != std::string_view::npos) {
    count = parse(text.substr(comma + 1), "COUNT");
    if (count == 0 || count > 1'000'000) {
      throw std::invalid_argument("'" + std::string(text) + "': COUNT must be in 1..1000000");
    }
  }
  if (first > std::numeric_limits<uint64_t>::max() - (count - 1)) {
    throw std::invalid_argument("'" + std::string(text) + "': the seeds overflow 64 bits");
  }
  std::vector<uint64_t> seeds;
  for (uint64_t i = 0; i < count; ++i) seeds.push_back(first + i);
  return seeds;
}

}  // namespace bufopt::zoo

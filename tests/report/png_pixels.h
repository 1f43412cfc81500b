#pragma once
/// Reads the pixels of a PNG file as rsvg-convert writes them (8-bit RGBA or RGB,
/// non-interlaced), for tests that look at a rendered SVG. Throws std::runtime_error otherwise.
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bufopt::testing {

/// Decoded image: `rgba` holds width * height pixels, 4 bytes each.
struct PngImage {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> rgba;

  std::array<uint8_t, 4> pixel(uint32_t x, uint32_t y) const {
    const size_t at = (static_cast<size_t>(y) * width + x) * 4;
    return {rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]};
  }
};

namespace png_detail {

inline uint32_t big_endian(const std::string& bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

inline uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

/// Undoes the per-row filters of PNG (None, Sub, Up, Average, Paeth).
inline std::vector<uint8_t> unfilter(const std::vector<uint8_t>& raw, uint32_t width, uint32_t height, size_t bpp) {
  const size_t stride = width * bpp;
  std::vector<uint8_t> out(stride * height);
  for (size_t y = 0; y < height; ++y) {
    const uint8_t filter = raw.at(y * (stride + 1));
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* row = &out[y * stride];
    const uint8_t* up = y > 0 ? &out[(y - 1) * stride] : nullptr;
    for (size_t i = 0; i < stride; ++i) {
      const int left = i >= bpp ? row[i - bpp] : 0;
      const int above = up ? up[i] : 0;
      const int corner = (up && i >= bpp) ? up[i - bpp] : 0;
      int predicted = 0;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = left; break;
        case 2: predicted = above; break;
        case 3: predicted = (left + above) / 2; break;
        case 4: predicted = paeth(left, above, corner); break;
        default: throw std::runtime_error("PNG: unknown filter");
      }
      row[i] = static_cast<uint8_t>(in[i] + predicted);
    }
  }
  return out;
}

}  // namespace png_detail

inline PngImage read_png(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string bytes = buffer.str();
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG file");
  PngImage image;
  size_t bpp = 0;
  std::string compressed;
  for (size_t at = 8; at + 8 <= bytes.size();) {
    const uint32_t length = png_detail::big_endian(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) throw std::runtime_error("PNG: truncated chunk");
    if (type == "IHDR") {
      image.width = png_detail::big_endian(bytes, at + 8);
      image.height = png_detail::big_endian(bytes, at + 12);
      const int depth = bytes[at + 16], color = bytes[at + 17], interlace = bytes[at + 20];
      if (depth != 8 || interlace != 0 || (color != 6 && color != 2)) throw std::runtime_error("PNG: unsupported format");
      bpp = color == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      compressed += bytes.substr(at + 8, length);
    }
    at += 12 + length;
  }
  if (bpp == 0) throw std::runtime_error("PNG: no IHDR");
  std::vector<uint8_t> raw((image.width * bpp + 1) * static_cast<size_t>(image.height));
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()) != Z_OK ||
      raw_size != raw.size()) {
    throw std::runtime_error("PNG: bad image data");
  }
  const std::vector<uint8_t> pixels = png_detail::unfilter(raw, image.width, image.height, bpp);
  image.rgba.resize(static_cast<size_t>(image.width) * image.height * 4);
  for (size_t i = 0; i < static_cast<size_t>(image.width) * image.height; ++i) {
    for (size_t k = 0; k < 3; ++k) image.rgba[i * 4 + k] = pixels[i * bpp + k];
    image.rgba[i * 4 + 3] = bpp == 4 ? pixels[i * bpp + 3] : 255;
  }
  return image;
}

}  // namespace bufopt::testing
